//! Early-warning notices: when published incident records create a
//! displacement (a scheme reported by one member, then by another within
//! [`WINDOW_MONTHS`]), every user who analyses and may read *both* records is
//! notified, once per pair (see `godwit_store::notices`).
//!
//! The pass follows the outbox with a mark of its own, moved by
//! compare-and-set together with the notices it records, so several server
//! processes record a batch once; the unique topic per user backs that up.
//! Displacements are computed **as each recipient** with the same store
//! function as the Early warning page, so a notice never rests on, or names, a
//! record its recipient may not read; its title names both records.

use std::collections::BTreeSet;

use godwit_store::analysis::AnalysisFilter;
use godwit_store::notices::{Notice, NoticeKind};
use godwit_store::warning::{Displacement, YearMonth};
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::analysis::may_analyse;

/// The mark of this pass in `notifier_marks`.
const MARK: &str = "displacements";
/// Outbox entries looked at per run. Large: the work of a batch is the
/// displacements of each analysing user, whatever the batch's size, so a
/// bulk import is taken in few batches.
const OUTBOX_BATCH: u64 = 20_000;
/// Months after one member's report in which another's makes a displacement,
/// as on the Early warning page by default.
pub const WINDOW_MONTHS: u32 = 18;

/// The portal page of what a notification is about: an item, a requirement,
/// a request or a questionnaire.
pub fn path_of(kind: NoticeKind, id: Uuid) -> String {
    match kind {
        NoticeKind::SavedSearch | NoticeKind::Displacement => format!("/items/{id}"),
        NoticeKind::Requirement => format!("/plans/{id}"),
        NoticeKind::Rfi => format!("/rfis/{id}"),
        NoticeKind::Survey => format!("/surveys/{id}"),
        NoticeKind::ThreatReview => format!("/threat-registers/{id}"),
    }
}

/// The notice of `pair` for `user`: both records' member, date and title.
fn notice(user: Uuid, pair: &Displacement) -> Notice {
    let (first, then) = (&pair.first, &pair.then);
    Notice {
        user,
        kind: NoticeKind::Displacement,
        topic: format!("displacement:{}:{}", first.item_id, then.item_id),
        about: then.item_id,
        title: format!(
            "Scheme moved: {}, reported by {} on {} (\"{}\"), then by {} on {} (\"{}\")",
            crate::web::warnings::signature(&pair.signature),
            first.member,
            first.occurred_on,
            first.title,
            then.member,
            then.occurred_on,
            then.title
        ),
    }
}

/// Looks at the items changed since the pass's mark; for every displacement
/// one of the published incident records among them takes part in, notifies
/// each user who may read both records. Returns how many notices were new.
pub async fn notify_displacements(store: &Store) -> Result<u64, StoreError> {
    let mark = store.notifier_mark(MARK).await?;
    let entries = store.outbox_after(mark, OUTBOX_BATCH).await?;
    let Some(new_mark) = entries.last().map(|e| e.id) else { return Ok(0) };
    let mut ids: Vec<Uuid> = entries.iter().filter_map(|e| Uuid::parse_str(&e.item_id).ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    let changed: BTreeSet<Uuid> = store.published_incidents_among(&ids).await?.into_iter().collect();
    let mut notices = Vec::new();
    if !changed.is_empty() {
        let month = YearMonth::of(crate::warnings::today(store));
        for user in store.users(None).await? {
            if user.disabled {
                continue;
            }
            let subject = store.subject_for(&user).await?;
            if !may_analyse(&subject) {
                continue;
            }
            let pairs =
                store.incident_displacements(&subject, &AnalysisFilter::default(), month, WINDOW_MONTHS).await?;
            notices.extend(
                pairs
                    .iter()
                    .filter(|p| changed.contains(&p.first.item_id) || changed.contains(&p.then.item_id))
                    .map(|p| notice(user.id, p)),
            );
        }
    }
    Ok(store.record_notices_at_mark(MARK, mark, new_mark, &notices).await?.unwrap_or(0))
}
