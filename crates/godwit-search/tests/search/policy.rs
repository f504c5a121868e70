//! Differential test: the policy pushed into the tantivy query matches exactly
//! the items `decide` allows, over generated worlds, on every backend; and a
//! whole search (filter, then re-check) returns nothing `decide` denies. The
//! filter is cached per subject and segment: searching again, and under other
//! agreements, must still agree with `decide`. Facet counts count exactly the
//! items `decide` allows.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::agreement::Agreement;
use godwit_domain::item::{Envelope, Item};
use godwit_domain::member::MemberGroup;
use godwit_domain::policy::decide;
use godwit_domain::testing::*;
use godwit_domain::user::Subject;
use godwit_search::{FacetCount, SearchIndex, SearchQuery};
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;
use uuid::Uuid;

use crate::harness::{TestDb, backends};

async fn reset(db: &TestDb) {
    db.raw("DELETE FROM items; DELETE FROM item_release_members; DELETE FROM item_release_groups; DELETE FROM item_release_orgs; DELETE FROM agreements; DELETE FROM agreement_parties; DELETE FROM agreement_categories;").await;
}

fn arb_world() -> impl Strategy<Value = (Vec<Envelope>, Vec<Agreement>, Vec<Subject>)> {
    (
        proptest::collection::vec(arb_envelope(), 1..60),
        arb_agreements(),
        proptest::collection::vec(arb_subject(), 1..16),
    )
}

#[test]
fn pushed_down_search_filter_equals_the_policy() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (dbs, indexes) = runtime.block_on(async {
        let dbs = backends(NOW).await;
        let mut indexes = Vec::new();
        for db in &dbs {
            for (code, members) in GROUPS {
                let group = MemberGroup {
                    code: code.into(),
                    name: code.into(),
                    members: members.iter().map(|m| godwit_domain::member::MemberCode((*m).into())).collect(),
                };
                db.store.put_group(&group).await.unwrap();
            }
            let index = db.index("index");
            let indexer = index.indexer(db.store.clone()).unwrap();
            indexes.push((index, indexer));
        }
        (dbs, indexes)
    });
    let cases = if dbs.len() > 1 { 48 } else { 96 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let compared = std::cell::Cell::new(0usize);
    let allowed = std::cell::Cell::new(0usize);
    runner
        .run(&arb_world(), |(envelopes, agreements, subjects)| {
            runtime.block_on(async {
                for (db, (index, indexer)) in dbs.iter().zip(&indexes) {
                    reset(db).await;
                    let mut items: Vec<Item> =
                        envelopes.iter().enumerate().map(|(n, e)| report_from(e, n as i64)).collect();
                    items.sort_by_key(|i| i.id);
                    items.dedup_by_key(|i| i.id);
                    db.store.put_items(&items, AuditEvent::new("test.seed")).await.unwrap();
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    indexer.rebuild(|_, _| {}).await.unwrap();
                    for subject in &subjects {
                        let from_policy: BTreeSet<Uuid> = items
                            .iter()
                            .filter(|i| decide(subject, &i.envelope(), &agreements, NOW).is_allowed())
                            .map(|i| i.id)
                            .collect();
                        let from_index = index.visible_ids(subject, &agreements, NOW).unwrap();
                        prop_assert_eq!(&from_index, &from_policy, "subject {:?} on {}", subject, db.url);
                        let (searched, facets) = search_all(index, db, subject).await;
                        prop_assert_eq!(&searched, &from_policy, "whole search for {:?} on {}", subject, db.url);
                        let visible = || items.iter().filter(|i| from_policy.contains(&i.id));
                        for (dimension, expected) in [
                            ("kind", tally(visible().map(|i| i.kind.as_str().to_owned()))),
                            ("originator", tally(visible().map(|i| i.originator_member.as_str().to_owned()))),
                            ("classification", tally(visible().map(|i| i.content.classification.0.to_string()))),
                            ("tlp", tally(visible().map(|i| i.content.tlp.as_str().to_owned()))),
                        ] {
                            let counted: BTreeMap<String, u64> = facets
                                .get(dimension)
                                .into_iter()
                                .flatten()
                                .map(|f| (f.value.clone(), f.count))
                                .collect();
                            prop_assert_eq!(counted, expected, "{} facet for {:?} on {}", dimension, subject, db.url);
                        }
                        // The same segments without the agreements: the cached filter must not answer for them.
                        let unshared: BTreeSet<Uuid> = items
                            .iter()
                            .filter(|i| decide(subject, &i.envelope(), &[], NOW).is_allowed())
                            .map(|i| i.id)
                            .collect();
                        let from_index = index.visible_ids(subject, &[], NOW).unwrap();
                        prop_assert_eq!(&from_index, &unshared, "no agreements, {:?} on {}", subject, db.url);
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

/// Every hit of an empty query for `subject`, page by page, and the facet counts.
async fn search_all(
    index: &SearchIndex,
    db: &TestDb,
    subject: &Subject,
) -> (BTreeSet<Uuid>, BTreeMap<String, Vec<FacetCount>>) {
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let query = SearchQuery { offset, limit: 100, ..Default::default() };
        let page = index.search(&db.store, subject, &query).await.unwrap();
        out.extend(page.hits.iter().map(|h| h.item.id));
        match page.next_offset {
            Some(next) => offset = next,
            None => return (out, page.facets),
        }
    }
}

/// How many times each value occurs.
fn tally(values: impl Iterator<Item = String>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for value in values {
        *out.entry(value).or_default() += 1;
    }
    out
}
