//! Reminders of dates falling due, as notices ([`crate::notices`]): open
//! requirements of collection plans ([`crate::requirement_notices`]), requests
//! for information awaiting an answer, and threat-register entries to review.
//!
//! One rule for all three: a reminder [`DUE_SOON_DAYS`] before the date and
//! another once it has passed, each once per recipient and date (the date is
//! in the notice's topic, so a new date reminds again). Every recipient is
//! judged as themselves: a request only to those who may see it
//! (`Rfi::visible_to`), a register's entry only to those `decide` lets read
//! the register and who may edit it.

use godwit_domain::incident::parse_iso_date;
use godwit_domain::policy::decide;
use godwit_domain::threat::edits_register;
use uuid::Uuid;

use crate::notices::{Notice, NoticeKind};
use crate::{Store, StoreError};

/// How many days before its date something open is recalled.
pub const DUE_SOON_DAYS: i64 = 7;

/// Which reminder a date calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Within [`DUE_SOON_DAYS`] of the date, the date included.
    DueSoon,
    /// Past the date.
    Overdue,
}

impl Reminder {
    /// The reminder `today` calls for about something due on `due_on`
    /// (`YYYY-MM-DD`); none when it is further off or the date does not read.
    pub fn on(due_on: &str, today: time::Date) -> Option<Reminder> {
        let due = parse_iso_date(due_on)?;
        if due < today {
            Some(Reminder::Overdue)
        } else if due <= today + time::Duration::days(DUE_SOON_DAYS) {
            Some(Reminder::DueSoon)
        } else {
            None
        }
    }

    /// The end of a notice's topic: once per reminder and date.
    pub fn topic(self, due_on: &str) -> String {
        match self {
            Reminder::DueSoon => format!("due:{due_on}"),
            Reminder::Overdue => format!("overdue:{due_on}"),
        }
    }

    /// `is due on 2026-11-30` or `is overdue (due 2026-11-30)`.
    pub fn words(self, due_on: &str) -> String {
        match self {
            Reminder::DueSoon => format!("is due on {due_on}"),
            Reminder::Overdue => format!("is overdue (due {due_on})"),
        }
    }
}

impl Store {
    /// Today by the store's clock, UTC.
    pub(crate) fn today(&self) -> time::Date {
        self.clock().now().to_datetime().date()
    }

    /// Runs every reminder pass: requirements, requests for information,
    /// threat reviews. Returns how many notices were new.
    pub async fn remind(&self) -> Result<u64, StoreError> {
        Ok(self.remind_requirements().await? + self.remind_rfis().await? + self.remind_threat_reviews().await?)
    }

    /// Reminds of requests awaiting an answer as their due date nears and
    /// once it has passed: the assignee, or the receiving contact points while
    /// nobody is assigned; once overdue, the person who asked too.
    pub async fn remind_rfis(&self) -> Result<u64, StoreError> {
        let today = self.today();
        let mut notices = Vec::new();
        for rfi in self.all_rfis().await? {
            if !rfi.state.awaits_answer() {
                continue;
            }
            let Some(reminder) = Reminder::on(&rfi.draft.due_on, today) else { continue };
            let mut users = Vec::new();
            match rfi.assignee {
                Some(assignee) => users.extend(self.enabled_user(assignee).await?),
                None => {
                    for member in self.receiving_members(&rfi).await? {
                        users.extend(self.contact_point_users(&member).await?);
                    }
                }
            }
            if reminder == Reminder::Overdue {
                users.extend(self.enabled_user(rfi.created_by).await?);
            }
            let title = format!("Request {}: {}", reminder.words(&rfi.draft.due_on), rfi.draft.title);
            for user in self.who_may_see(&rfi, users, Uuid::nil()).await? {
                notices.push(Notice {
                    user,
                    kind: NoticeKind::Rfi,
                    topic: format!("rfi:{}:{}", rfi.id, reminder.topic(&rfi.draft.due_on)),
                    about: rfi.id,
                    title: title.clone(),
                });
            }
        }
        self.record_notices(&notices).await
    }

    /// Reminds the editors of a register (its member's analysts, officers and
    /// focal points who may read it) of each entry whose review date nears or
    /// has passed.
    pub async fn remind_threat_reviews(&self) -> Result<u64, StoreError> {
        let today = self.today();
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let taxonomy = self.threat_taxonomy().await?;
        let mut notices = Vec::new();
        for register in self.all_registers().await? {
            let due: Vec<_> = self
                .entries_of(register.id)
                .await?
                .into_iter()
                .filter_map(|e| Reminder::on(&e.draft.review_on, today).map(|r| (e, r)))
                .collect();
            if due.is_empty() {
                continue;
            }
            let mut editors = Vec::new();
            for user in self.users(Some(&register.member)).await? {
                let subject = self.subject_for(&user).await?;
                if !user.disabled
                    && edits_register(&subject, &register.member)
                    && decide(&subject, &register.envelope(), &agreements, now).is_allowed()
                {
                    editors.push(user.id);
                }
            }
            for (entry, reminder) in &due {
                let threat = taxonomy.iter().find(|t| t.code == entry.threat).map_or(&entry.threat, |t| &t.name);
                let title = format!(
                    "The review of \"{threat}\" in {} {}",
                    register.settings.title,
                    reminder.words(&entry.draft.review_on)
                );
                for user in &editors {
                    notices.push(Notice {
                        user: *user,
                        kind: NoticeKind::ThreatReview,
                        topic: format!("threat-review:{}:{}", entry.id, reminder.topic(&entry.draft.review_on)),
                        about: register.id,
                        title: title.clone(),
                    });
                }
            }
        }
        self.record_notices(&notices).await
    }

    /// The user `id` if the account exists and is enabled.
    async fn enabled_user(&self, id: Uuid) -> Result<Option<godwit_domain::user::User>, StoreError> {
        match self.user(id).await {
            Ok(record) if !record.user.disabled => Ok(Some(record.user)),
            Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_come_a_week_before_and_after_the_date() {
        let today = time::macros::date!(2026 - 11 - 24);
        assert_eq!(Reminder::on("2026-12-02", today), None);
        assert_eq!(Reminder::on("2026-12-01", today), Some(Reminder::DueSoon));
        assert_eq!(Reminder::on("2026-11-24", today), Some(Reminder::DueSoon));
        assert_eq!(Reminder::on("2026-11-23", today), Some(Reminder::Overdue));
        assert_eq!(Reminder::on("soon", today), None);
        assert_ne!(Reminder::DueSoon.topic("2026-12-01"), Reminder::Overdue.topic("2026-12-01"));
    }
}
