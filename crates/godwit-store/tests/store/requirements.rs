//! Property test: collection plans never count or list a linked item the
//! viewer may not read. Generated worlds of items with random markings,
//! agreements and viewers; every item is linked to one requirement released
//! to both groups; each viewer who sees the requirement must find exactly the
//! linked items `decide` allows in its coverage and its list of links, and a
//! viewer who does not see it must get no coverage at all. Both backends.

use std::collections::BTreeSet;

use godwit_domain::item::Item;
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::requirement::{Priority, RequirementDraft, RequirementStatus};
use godwit_domain::testing::*;
use godwit_domain::user::{Role, Subject};
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;
use uuid::Uuid;

use crate::harness::{TestDb, backends_with_groups};

async fn reset(db: &TestDb) {
    db.raw("DELETE FROM items; DELETE FROM item_release_members; DELETE FROM item_release_groups; DELETE FROM item_release_orgs; DELETE FROM agreements; DELETE FROM agreement_parties; DELETE FROM agreement_categories; DELETE FROM requirement_links; DELETE FROM requirements;").await;
}

fn secretariat() -> Subject {
    Subject {
        user: Uuid::from_u128(7),
        member: MemberCode("SECR".into()),
        organisation: Uuid::from_u128(7),
        roles: [Role::Secretariat].into(),
        clearance: godwit_domain::marking::Classification(3),
        member_groups: BTreeSet::new(),
    }
}

#[test]
fn coverage_and_links_count_only_readable_items() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    let cases = if dbs.len() > 1 { 16 } else { 32 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (counted, hidden) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    let world = (
        proptest::collection::vec(arb_envelope(), 1..40),
        arb_agreements(),
        proptest::collection::vec(arb_subject(), 1..12),
    );
    runner
        .run(&world, |(envelopes, agreements, subjects)| {
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
                    let draft = RequirementDraft {
                        reference: "R-1".into(),
                        question: "Which routes?".into(),
                        priority: Priority::High,
                        indicators: vec!["route".into()],
                        due_on: "2030-01-01".into(),
                        requesting_members: BTreeSet::new(),
                        release_members: BTreeSet::new(),
                        release_groups: GROUPS.iter().map(|(g, _)| (*g).to_owned()).collect(),
                        status: RequirementStatus::Open,
                    };
                    let requirement = db.store.create_requirement(&secretariat(), draft).await.unwrap();
                    // Links as stored, whoever made them: the policy is judged on reading.
                    let rows: Vec<String> = items
                        .iter()
                        .map(|item| format!("('{}', '{}', '[\"route\"]', 'x', 'AAA', {})", requirement.id, item.id, NOW.0))
                        .collect();
                    db.raw(&format!(
                        "INSERT INTO requirement_links (requirement_id, item_id, indicators, linked_by, linked_member, linked_at) VALUES {}",
                        rows.join(", ")
                    ))
                    .await;
                    for subject in &subjects {
                        let allowed: BTreeSet<Uuid> = items
                            .iter()
                            .filter(|i| decide(subject, &i.envelope(), &agreements, NOW).is_allowed())
                            .map(|i| i.id)
                            .collect();
                        let coverage = db.store.coverage(subject).await.unwrap();
                        if !requirement.visible_to(subject) {
                            prop_assert!(coverage.is_empty(), "{:?} sees a requirement not released to it", subject);
                            continue;
                        }
                        prop_assert_eq!(coverage.len(), 1);
                        prop_assert_eq!(coverage[0].items, allowed.len() as u64, "coverage of {:?} on {}", subject, db.url);
                        prop_assert_eq!(coverage[0].indicators[0].items, allowed.len() as u64);
                        let listed: BTreeSet<Uuid> = db
                            .store
                            .linked_items(subject, requirement.id)
                            .await
                            .unwrap()
                            .into_iter()
                            .map(|l| l.item.id)
                            .collect();
                        prop_assert_eq!(&listed, &allowed, "links of {:?} on {}", subject, db.url);
                        counted.set(counted.get() + allowed.len());
                        hidden.set(hidden.get() + items.len() - allowed.len());
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    // Both answers must occur, or the test proves nothing.
    assert!(counted.get() > 0 && hidden.get() > 0, "counted {} hidden {}", counted.get(), hidden.get());
}
