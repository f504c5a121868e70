//! Differential test: the SQL filter returns exactly the items `decide` allows.

use godwit_domain::item::Item;
use godwit_domain::policy::decide;
use godwit_domain::testing::*;
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;

use crate::harness::{TestDb, backends_with_groups};

async fn reset(db: &TestDb) {
    db.raw("DELETE FROM items; DELETE FROM item_release_members; DELETE FROM item_release_groups; DELETE FROM item_release_orgs; DELETE FROM agreements; DELETE FROM agreement_parties; DELETE FROM agreement_categories;").await;
}

fn arb_world() -> impl Strategy<
    Value = (
        Vec<godwit_domain::item::Envelope>,
        Vec<godwit_domain::agreement::Agreement>,
        Vec<godwit_domain::user::Subject>,
    ),
> {
    (
        proptest::collection::vec(arb_envelope(), 1..60),
        arb_agreements(),
        proptest::collection::vec(arb_subject(), 1..16),
    )
}

#[test]
fn pushed_down_filter_equals_the_policy() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    let cases = if dbs.len() > 1 { 48 } else { 96 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let compared = std::cell::Cell::new(0usize);
    let allowed = std::cell::Cell::new(0usize);
    runner
        .run(&arb_world(), |(envelopes, agreements, subjects)| {
            runtime.block_on(async {
                for db in &dbs {
                    reset(db).await;
                    let mut items: Vec<Item> =
                        envelopes.iter().enumerate().map(|(n, e)| report_from(e, n as i64)).collect();
                    items.sort_by_key(|i| i.id);
                    items.dedup_by_key(|i| i.id);
                    db.store.put_items(&items, AuditEvent::new("test.seed")).await.unwrap();
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    for subject in &subjects {
                        let from_sql = db.store.visible_item_ids(subject).await.unwrap();
                        let from_policy: std::collections::BTreeSet<_> = items
                            .iter()
                            .filter(|i| decide(subject, &i.envelope(), &agreements, NOW).is_allowed())
                            .map(|i| i.id)
                            .collect();
                        prop_assert_eq!(&from_sql, &from_policy, "subject {:?} on {}", subject, db.url);
                        compared.set(compared.get() + items.len());
                        allowed.set(allowed.get() + from_policy.len());
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    // The generated worlds must exercise both answers, or the test proves nothing.
    let (allowed, compared) = (allowed.get(), compared.get());
    assert!(allowed > 0 && allowed < compared, "allowed {allowed} of {compared}");
}
