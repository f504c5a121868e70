//! Issue 4, point 6: no early warning rests on, or reveals, a record its viewer
//! may not read. On the generated worlds of the analysis property test, every
//! viewer's rises must be those computed here from the monthly counts of the
//! published records `decide` allows, and every displacement must pair two
//! records `decide` allows, and be exactly the pairs found among them.

use std::collections::BTreeMap;

use godwit_domain::incident::{DocumentType, DocumentUsed, Incident};
use godwit_domain::item::{FraudType, Item, ItemKind, ItemState, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::policy::decide;
use godwit_domain::testing::*;
use godwit_store::analysis::AnalysisFilter;
use godwit_store::audit::AuditEvent;
use godwit_store::warning::{Report, Rise, RiseTest, Signature, WARNING_DIMENSIONS, YearMonth, displacements};
use proptest::prelude::*;

use crate::analysis::{arb_world, expected, item_from, kept, reset};
use crate::harness::backends_with_groups;

/// The generated records' events fall in January to March 2026.
const MONTH: &str = "2026-03";
/// Generous, so that the small worlds warn often.
const TEST: RiseTest = RiseTest { baseline_months: 2, alpha: 0.5, min_count: 1 };

fn expected_rises(visible: &[(&Item, &Incident)]) -> Vec<Rise> {
    let month = YearMonth::parse(MONTH).unwrap();
    let first = month.plus(-(TEST.baseline_months as i32));
    let mut rises = Vec::new();
    for by in WARNING_DIMENSIONS {
        let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for point in expected(visible, by, 1).trend {
            let (Some(key), Some(at)) = (point.key, YearMonth::parse(&point.month)) else { continue };
            let months: Vec<YearMonth> = (0..=TEST.baseline_months as i32).map(|n| first.plus(n)).collect();
            let counts = series.entry(key).or_insert_with(|| vec![0; months.len()]);
            if let Some(slot) = months.iter().position(|m| *m == at) {
                counts[slot] = point.incidents;
            }
        }
        for (key, counts) in series {
            let (&current, history) = counts.split_last().unwrap();
            let verdict = TEST.judge(history, current);
            if verdict.warns {
                rises.push(Rise {
                    dimension: by.as_str().into(),
                    key,
                    month: MONTH.into(),
                    incidents: current,
                    baseline: verdict.baseline,
                    p_value: verdict.p_value,
                    series: counts,
                });
            }
        }
    }
    rises.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.dimension.cmp(&b.dimension)).then(a.key.cmp(&b.key)));
    rises
}

/// The signatures of the records, as documented.
fn reports(records: &[(&Item, &Incident)]) -> Vec<(Signature, Report)> {
    let mut out = Vec::new();
    for (item, incident) in records {
        let report = Report {
            item_id: item.id,
            member: item.originator_member.as_str().into(),
            occurred_on: incident.occurred_on.clone(),
            title: item.content.title.clone(),
        };
        for d in &incident.documents {
            if let Some(fraud) = d.fraud_type {
                let signature = Signature::Document {
                    document_type: d.document_type.as_str().into(),
                    issuing_state: d.issuing_state.clone(),
                    fraud_type: fraud.as_str().into(),
                };
                out.push((signature, report.clone()));
            }
        }
        if let (Some(origin), Some(destination), Some(method)) =
            (&incident.route.origin, &incident.route.destination, incident.method_type)
        {
            let signature = Signature::Route {
                origin: origin.clone(),
                destination: destination.clone(),
                method: method.as_str().into(),
            };
            out.push((signature, report));
        }
    }
    out
}

#[test]
fn no_warning_reveals_a_record_its_viewer_may_not_read() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    let month = YearMonth::parse(MONTH).unwrap();
    let cases = if dbs.len() > 1 { 32 } else { 64 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (shown, withheld, rose) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&arb_world(), |(mut records, agreements, subjects, filter, _)| {
            // Every other record is a published incident using one counterfeit
            // passport, so that displacements are common; whether a viewer may
            // read them is left to the generated markings and agreements.
            for (n, (envelope, incident, _)) in records.iter_mut().enumerate().step_by(2) {
                envelope.kind = ItemKind::IncidentRecord;
                envelope.state = ItemState::Published;
                if n % 4 == 0 {
                    // Unclassified, TLP:CLEAR and released to every member:
                    // readable across members without an agreement, so that
                    // every world has pairs some viewers may read.
                    envelope.classification = Classification(0);
                    envelope.tlp = Tlp::Clear;
                    envelope.caveats = Caveats::default();
                    envelope.release =
                        Releasability { members: (0..MEMBERS.len()).map(member).collect(), ..Default::default() };
                    (envelope.valid_from, envelope.valid_until) = (None, None);
                }
                incident.documents.push(DocumentUsed {
                    document_type: DocumentType::Passport,
                    issuing_state: "NZL".into(),
                    fraud_type: Some(FraudType::Counterfeit),
                });
            }
            // Warnings choose their own months.
            let filter = AnalysisFilter { from: None, to: None, ..filter };
            runtime.block_on(async {
                let mut items: Vec<(Item, Incident)> = records
                    .iter()
                    .enumerate()
                    .map(|(n, (e, incident, env))| (item_from(e, incident, *env, n as i64), incident.clone()))
                    .collect();
                items.sort_by_key(|(i, _)| i.id);
                items.dedup_by_key(|(i, _)| i.id);
                let only_items: Vec<Item> = items.iter().map(|(i, _)| i.clone()).collect();
                let published: Vec<(&Item, &Incident)> = items
                    .iter()
                    .filter(|(i, _)| i.kind == ItemKind::IncidentRecord && i.state == ItemState::Published)
                    .filter(|(i, inc)| kept(&filter, i, inc))
                    .map(|(i, inc)| (i, inc))
                    .collect();
                let everything = displacements(reports(&published), 18);
                for db in &dbs {
                    reset(db).await;
                    db.store.put_items(&only_items, AuditEvent::new("test.seed")).await.unwrap();
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    for subject in &subjects {
                        let readable = |id| {
                            items.iter().any(|(i, _)| {
                                i.id == id && decide(subject, &i.envelope(), &agreements, NOW).is_allowed()
                            })
                        };
                        let visible: Vec<(&Item, &Incident)> =
                            published.iter().copied().filter(|(i, _)| readable(i.id)).collect();
                        let context = format!("subject {subject:?}, filter {filter:?} on {}", db.url);

                        let rises =
                            db.store.incident_rises(subject, &filter, &WARNING_DIMENSIONS, month, &TEST).await.unwrap();
                        prop_assert_eq!(&rises, &expected_rises(&visible), "rises for {}", &context);
                        rose.set(rose.get() + rises.len() as u64);

                        let found = db.store.incident_displacements(subject, &filter, month, 18).await.unwrap();
                        for d in &found {
                            prop_assert!(
                                readable(d.first.item_id) && readable(d.then.item_id),
                                "{d:?} shown to {}",
                                &context
                            );
                        }
                        prop_assert_eq!(
                            &found,
                            &displacements(reports(&visible), 18),
                            "displacements for {}",
                            &context
                        );
                        shown.set(shown.get() + found.len() as u64);
                        withheld.set(withheld.get() + everything.len().saturating_sub(found.len()) as u64);
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    // The worlds must warn, and withhold displacements from some viewers, or the test proves nothing.
    let (shown, withheld, rose) = (shown.get(), withheld.get(), rose.get());
    assert!(shown > 0 && withheld > 0 && rose > 0, "shown {shown}, withheld {withheld}, rises {rose}");
}
