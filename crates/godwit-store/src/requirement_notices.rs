//! What collection plans notify ([`crate::notices`]):
//!
//! - a requirement set or changed: the users of its requesting members who
//!   may see it (not the person who did it);
//! - a requirement falling due (within [`crate::reminders::DUE_SOON_DAYS`]) or overdue, while
//!   open: those users and the owning member's management, once per due date
//!   (a new due date reminds again);
//! - an item linked to a requirement: the person who set the requirement,
//!   only if they may read the item (judged by `decide`), since the notice
//!   names it.
//!
//! Each recipient is judged as themselves (`visible_to` on their own subject),
//! so a notice never reaches someone the requirement is not shown to.

use std::collections::BTreeSet;

use godwit_domain::member::MemberCode;
use godwit_domain::requirement::{Requirement, RequirementStatus};
use godwit_domain::user::Subject;
use uuid::Uuid;

use crate::notices::{Notice, NoticeKind};
use crate::reminders::Reminder;
use crate::{Store, StoreError};

/// What happened to a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequirementEvent {
    Created,
    Changed,
    /// Due soon or overdue.
    Reminder(Reminder),
}

/// The first `limit` characters of `text`, with an ellipsis when cut.
fn excerpt(text: &str, limit: usize) -> String {
    let mut out: String = text.chars().take(limit).collect();
    if text.chars().nth(limit).is_some() {
        out.push('…');
    }
    out
}

impl RequirementEvent {
    /// Once per requirement and event; a change once per version, a reminder
    /// once per due date.
    fn topic(self, r: &Requirement) -> String {
        match self {
            RequirementEvent::Created => format!("requirement:{}:created", r.id),
            RequirementEvent::Changed => format!("requirement:{}:changed:{}", r.id, r.updated_at.0),
            RequirementEvent::Reminder(reminder) => format!("requirement:{}:{}", r.id, reminder.topic(&r.draft.due_on)),
        }
    }

    fn title(self, r: &Requirement) -> String {
        let d = &r.draft;
        let what = match self {
            RequirementEvent::Created => {
                format!("New requirement {} ({} priority, due {})", d.reference, d.priority, d.due_on)
            }
            RequirementEvent::Changed => {
                format!("Requirement {} changed ({}, due {})", d.reference, d.status, d.due_on)
            }
            RequirementEvent::Reminder(reminder) => {
                format!("Requirement {} {}", d.reference, reminder.words(&d.due_on))
            }
        };
        format!("{what}: {}", excerpt(&d.question, 120))
    }
}

impl Store {
    /// The users of `members` who may see `requirement`, as subjects, without
    /// disabled accounts.
    async fn requirement_audience(
        &self,
        requirement: &Requirement,
        members: &BTreeSet<MemberCode>,
    ) -> Result<Vec<Subject>, StoreError> {
        let mut out = Vec::new();
        for member in members {
            for user in self.users(Some(member)).await? {
                if user.disabled {
                    continue;
                }
                let subject = self.subject_for(&user).await?;
                if requirement.visible_to(&subject) {
                    out.push(subject);
                }
            }
        }
        Ok(out)
    }

    /// The notices of `event` for `requirement`, leaving out `actor` (who did it).
    pub(crate) async fn requirement_notices(
        &self,
        requirement: &Requirement,
        event: RequirementEvent,
        actor: Option<Uuid>,
    ) -> Result<Vec<Notice>, StoreError> {
        let mut recipients = self.requirement_audience(requirement, &requirement.draft.requesting_members).await?;
        if matches!(event, RequirementEvent::Reminder(_)) {
            let owner = BTreeSet::from([requirement.owner_member.clone()]);
            let management = self.requirement_audience(requirement, &owner).await?;
            recipients.extend(management.into_iter().filter(|s| requirement.managed_by(s)));
        }
        let mut seen = BTreeSet::new();
        Ok(recipients
            .into_iter()
            .filter(|s| Some(s.user) != actor && seen.insert(s.user))
            .map(|s| Notice {
                user: s.user,
                kind: NoticeKind::Requirement,
                topic: event.topic(requirement),
                about: requirement.id,
                title: event.title(requirement),
            })
            .collect())
    }

    /// The notice to the person who set `requirement` that `linker` linked
    /// `item` to it, if they may read the item and did not link it themselves.
    pub(crate) async fn link_notice(
        &self,
        requirement: &Requirement,
        item: Uuid,
        linker: &Subject,
    ) -> Result<Option<Notice>, StoreError> {
        if requirement.created_by == linker.user {
            return Ok(None);
        }
        let owner = match self.user(requirement.created_by).await {
            Ok(record) if !record.user.disabled => record.user,
            Ok(_) | Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let subject = self.subject_for(&owner).await?;
        if !requirement.visible_to(&subject) {
            return Ok(None);
        }
        let Some(readable) = self.readable_items(&subject, &[item]).await?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(Notice {
            user: owner.id,
            kind: NoticeKind::Requirement,
            topic: format!("requirement:{}:link:{item}", requirement.id),
            about: requirement.id,
            title: format!(
                "{} linked \"{}\" to requirement {}",
                linker.member, readable.content.title, requirement.draft.reference
            ),
        }))
    }

    /// Reminds of open requirements due soon or overdue ([`Reminder`]); each
    /// reminder once per recipient and due date. Returns how many notices
    /// were new.
    pub async fn remind_requirements(&self) -> Result<u64, StoreError> {
        let today = self.today();
        let mut notices = Vec::new();
        for requirement in self.all_requirements().await? {
            if requirement.draft.status != RequirementStatus::Open {
                continue;
            }
            let Some(reminder) = Reminder::on(&requirement.draft.due_on, today) else { continue };
            let event = RequirementEvent::Reminder(reminder);
            notices.extend(self.requirement_notices(&requirement, event, None).await?);
        }
        self.record_notices(&notices).await
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("Nadi", 10), "Nadi");
        assert_eq!(excerpt("Sāmoa–Tonga", 5), "Sāmoa…");
    }
}
