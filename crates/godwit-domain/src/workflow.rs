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
            if !(same_member && actor.roles.iter().any(|r| r.authors_content())) {
                return Err(WorkflowError::Forbidden("only authors of the originating member can write a new version"));
            }
            if actor.clearance < item.classification {
                return Err(WorkflowError::Forbidden("your clearance is below the item's classification"));
            }
            if item.state == Published { Ok(Draft) } else { Err(wrong_state()) }
        }
    }
}
