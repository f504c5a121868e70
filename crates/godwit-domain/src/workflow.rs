//! The publication workflow: draft → submitted → published (four eyes), returned
//! with a comment, withdrawn, or superseded by a new version.

use serde::Serialize;

use crate::item::{Envelope, ItemState};
use crate::user::{Role, Subject};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Return,
    Withdraw,
    NewVersion,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Withdraw => "withdraw",
            Action::NewVersion => "new_version",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("cannot {action} an item that is {state}")]
    WrongState { action: &'static str, state: ItemState },
    #[error("{0}")]
    Forbidden(&'static str),
}

/// Checks that `actor` may apply `action` to the item, and returns the state the
/// item moves to (for [`Action::NewVersion`], the state of the new version).
pub fn transition(actor: &Subject, item: &Envelope, action: Action) -> Result<ItemState, WorkflowError> {
    use ItemState::*;
    let is_author = actor.user == item.author;
    let same_member = actor.member == item.originator_member;
    let wrong_state = || WorkflowError::WrongState { action: action.as_str(), state: item.state };
    match action {
        Action::Edit | Action::Submit => {
            if !is_author {
                return Err(WorkflowError::Forbidden("only the author can edit or submit an item"));
            }
            match (item.state, action) {
                (Draft | Returned, Action::Edit) => Ok(item.state),
                (Draft | Returned, _) => Ok(Submitted),
                _ => Err(wrong_state()),
            }
        }
        Action::Approve | Action::Return => {
            if !(same_member && actor.has(Role::AuthorisingOfficer)) {
                return Err(WorkflowError::Forbidden(
                    "only an authorising officer of the originating member can approve or return",
                ));
            }
            if is_author {
                return Err(WorkflowError::Forbidden("the author cannot approve or return their own item"));
            }
            if actor.clearance < item.classification {
                return Err(WorkflowError::Forbidden("your clearance is below the item's classification"));
            }
            match (item.state, action) {
                (Submitted, Action::Approve) => Ok(Published),
                (Submitted, _) => Ok(Returned),
                _ => Err(wrong_state()),
            }
        }
        Action::Withdraw => {
            if !(same_member && (is_author || actor.has(Role::AuthorisingOfficer))) {
                return Err(WorkflowError::Forbidden(
                    "only the author or an authorising officer of the originating member can withdraw",
                ));
            }
            if item.state == Published { Ok(Withdrawn) } else { Err(wrong_state()) }
        }
        Action::NewVersion => {
            // The originating organisation owns the item: a domestic recipient may
            // read it but not replace it with a version of its own.
            if !(same_member
                && actor.organisation == item.originator_org
                && actor.roles.iter().any(|r| r.authors_content()))
            {
                return Err(WorkflowError::Forbidden(
                    "only authors of the originating organisation can write a new version",
                ));
            }
            if actor.clearance < item.classification {
                return Err(WorkflowError::Forbidden("your clearance is below the item's classification"));
            }
            if item.state == Published { Ok(Draft) } else { Err(wrong_state()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use uuid::Uuid;

    use super::*;
    use crate::item::{Category, ItemKind, Releasability};
    use crate::marking::{Caveats, Classification, Tlp};
    use crate::member::MemberCode;

    fn subject(user: u128, member: &str, roles: &[Role]) -> Subject {
        Subject {
            user: Uuid::from_u128(user),
            member: MemberCode(member.into()),
            organisation: Uuid::from_u128(9),
            roles: roles.iter().copied().collect(),
            clearance: Classification(2),
            member_groups: BTreeSet::new(),
        }
    }

    fn item(state: ItemState) -> Envelope {
        Envelope {
            id: Uuid::from_u128(1),
            kind: ItemKind::Alert,
            category: Category::DocumentFraud,
            originator_member: MemberCode("FJI".into()),
            originator_org: Uuid::from_u128(9),
            author: Uuid::from_u128(10),
            state,
            classification: Classification(2),
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            release: Releasability::default(),
            valid_from: None,
            valid_until: None,
        }
    }

    #[test]
    fn four_eyes() {
        let author = subject(10, "FJI", &[Role::Analyst, Role::AuthorisingOfficer]);
        let officer = subject(11, "FJI", &[Role::AuthorisingOfficer]);
        let foreign_officer = subject(12, "NZL", &[Role::AuthorisingOfficer]);
        assert_eq!(transition(&author, &item(ItemState::Draft), Action::Submit), Ok(ItemState::Submitted));
        assert_eq!(transition(&author, &item(ItemState::Returned), Action::Submit), Ok(ItemState::Submitted));
        assert!(matches!(
            transition(&author, &item(ItemState::Submitted), Action::Approve),
            Err(WorkflowError::Forbidden(_))
        ));
        assert_eq!(transition(&officer, &item(ItemState::Submitted), Action::Approve), Ok(ItemState::Published));
        assert_eq!(transition(&officer, &item(ItemState::Submitted), Action::Return), Ok(ItemState::Returned));
        assert!(matches!(
            transition(&foreign_officer, &item(ItemState::Submitted), Action::Approve),
            Err(WorkflowError::Forbidden(_))
        ));
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let author = subject(10, "FJI", &[Role::Analyst]);
        let officer = subject(11, "FJI", &[Role::AuthorisingOfficer]);
        assert!(matches!(
            transition(&officer, &item(ItemState::Draft), Action::Approve),
            Err(WorkflowError::WrongState { .. })
        ));
        assert!(matches!(
            transition(&author, &item(ItemState::Published), Action::Edit),
            Err(WorkflowError::WrongState { .. })
        ));
        assert!(matches!(
            transition(&author, &item(ItemState::Draft), Action::Withdraw),
            Err(WorkflowError::WrongState { .. })
        ));
        assert_eq!(transition(&officer, &item(ItemState::Published), Action::Withdraw), Ok(ItemState::Withdrawn));
        assert_eq!(transition(&author, &item(ItemState::Published), Action::NewVersion), Ok(ItemState::Draft));
    }

    #[test]
    fn only_the_author_edits_and_clearance_bounds_approval() {
        let colleague = subject(13, "FJI", &[Role::Analyst]);
        assert!(matches!(
            transition(&colleague, &item(ItemState::Draft), Action::Edit),
            Err(WorkflowError::Forbidden(_))
        ));
        let mut low_officer = subject(11, "FJI", &[Role::AuthorisingOfficer]);
        low_officer.clearance = Classification(1);
        assert!(matches!(
            transition(&low_officer, &item(ItemState::Submitted), Action::Approve),
            Err(WorkflowError::Forbidden(_))
        ));
    }
}
