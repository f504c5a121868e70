//! The agreements registry's rules, shared by the JSON API and the portal.
//! SECURITY-CRITICAL: an agreement in force opens one member's releases to
//! another.
//!
//! - Every member's users read the registry (titles, parties, terms).
//! - A party's national focal point proposes or changes an agreement; it is
//!   `proposed` until every party's national focal point has confirmed it
//!   (the store's propose/confirm flow), so no member opens another member's
//!   releases to itself on its own word.
//! - Ending an agreement (terminating it) only narrows sharing, so any party's
//!   national focal point may do it alone, at once.
//! - The signed MoU is attached by a party's national focal point and read by
//!   the users of the parties only: its text is the parties' business, while
//!   its terms are already in the registry for everyone.
//!
//! Every change and every download goes to the audit trail.

use godwit_domain::agreement::{Agreement, AgreementStatus};
use godwit_domain::item::AttachmentMeta;
use godwit_domain::user::{Role, User};
use godwit_store::audit::AuditEvent;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Is `user` a national focal point of one of the agreement's parties?
pub fn is_party_nfp(user: &User, agreement: &Agreement) -> bool {
    user.has(Role::NationalFocalPoint) && agreement.parties.contains(&user.member)
}

/// May `user` read the signed copies of the agreement? Its parties' users.
pub fn reads_documents(user: &User, agreement: &Agreement) -> bool {
    agreement.parties.contains(&user.member)
}

/// Does `user` edit agreements at all (the portal's forms)?
pub fn edits_agreements(user: &User) -> bool {
    user.has(Role::NationalFocalPoint)
}

/// Does the agreement wait for `user`'s member to confirm it?
pub fn awaits_confirmation(
    user: &User,
    agreement: &Agreement,
    confirmed_by: &[godwit_domain::member::MemberCode],
) -> bool {
    is_party_nfp(user, agreement)
        && agreement.status == AgreementStatus::Proposed
        && !confirmed_by.contains(&user.member)
}

/// Proposes a new agreement or changes one (which makes it `proposed` again,
/// unless it is being suspended or terminated); the proposer's member confirms
/// at once.
pub async fn propose(state: &AppState, user: &User, agreement: &Agreement) -> Result<Agreement, ApiError> {
    if !is_party_nfp(user, agreement) {
        return Err(ApiError::forbidden("only a national focal point of a party records an agreement"));
    }
    if let Ok(existing) = state.store.agreement(agreement.id).await
        && !is_party_nfp(user, &existing)
    {
        return Err(ApiError::forbidden("your member is not a party to this agreement"));
    }
    let known: Vec<_> = state.store.members().await?.into_iter().map(|m| m.code).collect();
    if let Some(i) = agreement.parties.iter().position(|p| !known.contains(p)) {
        return Err(ApiError::invalid(&format!("parties/{i}"), "is not a member"));
    }
    let event =
        AuditEvent::new("agreement.put").by(user.id, &user.member).on(agreement.id).with(serde_json::json!(agreement));
    Ok(state.store.propose_agreement(agreement, &user.member, user.id, event).await?)
}

/// Records the confirmation of `user`'s member.
pub async fn confirm(state: &AppState, user: &User, id: Uuid) -> Result<Agreement, ApiError> {
    let agreement = state.store.agreement(id).await?;
    if !is_party_nfp(user, &agreement) {
        return Err(ApiError::forbidden("only a national focal point of a party confirms an agreement"));
    }
    Ok(state.store.confirm_agreement(id, &user.member, user.id).await?)
}

/// Ends an agreement at once: it no longer applies, whatever its dates.
pub async fn terminate(state: &AppState, user: &User, id: Uuid) -> Result<Agreement, ApiError> {
    let mut agreement = state.store.agreement(id).await?;
    if !is_party_nfp(user, &agreement) {
        return Err(ApiError::forbidden("only a national focal point of a party ends an agreement"));
    }
    if agreement.status == AgreementStatus::Terminated {
        return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "conflict", "the agreement has already ended"));
    }
    agreement.status = AgreementStatus::Terminated;
    let event = AuditEvent::new("agreement.terminate").by(user.id, &user.member).on(id);
    Ok(state.store.propose_agreement(&agreement, &user.member, user.id, event).await?)
}

/// Keeps the signed MoU (or another signed copy) of an agreement.
pub async fn attach_document(
    state: &AppState,
    user: &User,
    id: Uuid,
    filename: &str,
    bytes: &[u8],
) -> Result<AttachmentMeta, ApiError> {
    let agreement = state.store.agreement(id).await?;
    if !is_party_nfp(user, &agreement) {
        return Err(ApiError::forbidden("only a national focal point of a party attaches the signed agreement"));
    }
    Ok(state.store.add_agreement_document(id, filename, bytes, user.id, &user.member).await?)
}

/// The signed copies `user` may see: none unless their member is a party.
pub async fn documents(state: &AppState, user: &User, agreement: &Agreement) -> Result<Vec<AttachmentMeta>, ApiError> {
    if !reads_documents(user, agreement) {
        return Ok(Vec::new());
    }
    Ok(state.store.agreement_documents(agreement.id).await?)
}

/// Downloads a signed copy (audited).
pub async fn download_document(
    state: &AppState,
    user: &User,
    id: Uuid,
    document: Uuid,
) -> Result<(AttachmentMeta, Vec<u8>), ApiError> {
    let agreement = state.store.agreement(id).await?;
    if !reads_documents(user, &agreement) {
        return Err(ApiError::forbidden("the signed agreement is available to the parties' users only"));
    }
    Ok(state.store.download_agreement_document(id, document, user.id, &user.member).await?)
}
