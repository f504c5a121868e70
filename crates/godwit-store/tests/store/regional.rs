//! Regional aggregates (issue 4, point 5) on every backend: contributors see
//! totals over every contributor's records, also those not released to them;
//! the counts equal a count made here record by record; small cells and cells
//! of fewer than three members are never shown; an opt-out and the
//! classification ceiling take records out; non-contributors are refused; no
//! record's id or title is ever in an answer.

use std::collections::BTreeMap;

use godwit_domain::incident::{Dimension, Incident, PersonCount, Sex};
use godwit_domain::item::{Category, Envelope, Item, ItemKind, ItemState, Releasability};
use godwit_domain::marking::Classification;
use godwit_domain::member::{MemberCode, MemberGroup};
use godwit_domain::regional::{Cell, Period, Published, disclose, disclose_one, groups_by};
use godwit_domain::testing::*;
use godwit_domain::user::{Role, Subject};
use godwit_store::StoreError;
use godwit_store::analysis::AnalysisFilter;
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::regional::Regional;
use proptest::prelude::*;
use proptest::sample::select;
use uuid::Uuid;

use crate::analysis::{arb_incident, item_from, kept, reset, values};
use crate::harness::{TestDb, backends_with_groups};

/// The region of the generated worlds: every member.
const REGION: &str = "R";

async fn region_of_all(db: &TestDb) {
    let group = MemberGroup { code: REGION.into(), name: "Region".into(), members: (0..5).map(member).collect() };
    db.store.put_group(&group).await.unwrap();
}

fn subject(m: usize, roles: &[Role], clearance: u8) -> Subject {
    let member = member(m);
    Subject {
        user: user_id(m as u8),
        member_groups: groups_of(&member),
        member,
        organisation: org(m, 0),
        roles: roles.iter().copied().collect(),
        clearance: Classification(clearance),
    }
}

fn focal_point(m: usize) -> Subject {
    subject(m, &[Role::NationalFocalPoint], 3)
}

/// Which records count for `viewer`: published incident records of a
/// contributor, at or below its ceiling and the viewer's clearance, that the
/// filter keeps.
fn counted<'a>(
    records: &'a [(Item, Incident)],
    ceilings: &BTreeMap<MemberCode, Classification>,
    viewer: &Subject,
    filter: &AnalysisFilter,
) -> Vec<(&'a Item, &'a Incident)> {
    records
        .iter()
        .filter(|(i, _)| i.kind == ItemKind::IncidentRecord && i.state == ItemState::Published)
        .filter(|(i, _)| ceilings.get(&i.originator_member).is_some_and(|c| i.content.classification <= *c))
        .filter(|(i, _)| i.content.classification <= viewer.clearance)
        .filter(|(i, inc)| kept(filter, i, inc))
        .map(|(i, inc)| (i, inc))
        .collect()
}

type Cells = BTreeMap<(Option<String>, Option<String>), Cell>;

/// The true cells of `by` (route steps when `None`), per month when `monthly`,
/// counted record by record.
fn cells(records: &[(&Item, &Incident)], by: Option<Dimension>, monthly: bool) -> Cells {
    let mut out = Cells::new();
    for (item, incident) in records {
        let month = monthly.then(|| incident.occurred_on[..7].to_owned());
        let keys: BTreeMap<Option<String>, u64> = match by {
            Some(by) => values(by, item, incident),
            None => {
                let legs = incident.route.legs();
                legs.windows(2)
                    .map(|w| {
                        (Some(format!("{}|{}|{}|{}", w[0].0, w[0].1, w[1].0, w[1].1)), u64::from(incident.persons))
                    })
                    .collect()
            }
        };
        for (key, persons) in keys {
            out.entry((month.clone(), key)).or_default().add(1, persons, &item.originator_member);
        }
    }
    out
}

/// `cells` counted per month, pooled into `period`s.
fn pooled(cells: Cells, period: Period) -> Cells {
    let mut out = Cells::new();
    for ((month, key), cell) in cells {
        let month = month.and_then(|m| period.of_month(&m));
        out.entry((month, key)).or_default().merge(&cell);
    }
    out
}

fn all_of(records: &[(&Item, &Incident)]) -> Cell {
    let mut all = Cell::default();
    for (item, incident) in records {
        all.add(1, u64::from(incident.persons), &item.originator_member);
    }
    all
}

fn partitions(by: Dimension) -> bool {
    !matches!(by, Dimension::Transit | Dimension::Nationality | Dimension::DocumentType | Dimension::FraudType)
}

/// Every count published is at least 5 and a multiple of 5.
fn assert_published(p: &Published, context: &str) {
    for n in [p.incidents, p.persons].into_iter().flatten() {
        assert!(n >= 5 && n % 5 == 0, "count {n} published: {context}");
    }
    assert_eq!(p.suppressed, p.incidents.is_none(), "{context}");
}

/// A published cell's true counts pass the thresholds.
fn assert_passes(p: &Published, cell: &Cell, context: &str) {
    if !p.suppressed {
        assert!(cell.incidents >= 5 && cell.persons >= 5 && cell.members.len() >= 3, "{cell:?} shown: {context}");
    }
}

fn arb_regional_filter() -> impl Strategy<Value = AnalysisFilter> {
    let day = |d: &str| godwit_domain::incident::parse_iso_date(d).unwrap();
    (
        proptest::option::of(select(vec!["2026-01-01", "2026-02-01"])),
        proptest::option::of(select(vec!["2026-02-28", "2026-03-31"])),
        proptest::option::weighted(0.3, arb_category()),
    )
        .prop_map(move |(from, to, category)| AnalysisFilter {
            from: from.map(day),
            to: to.map(day),
            category,
            ..AnalysisFilter::default()
        })
}

/// Records mostly published and unreleased, so that cells are large enough
/// to show and the totals hold records their viewers may not read.
fn arb_records() -> impl Strategy<Value = Vec<(Item, Incident)>> {
    proptest::collection::vec(
        (arb_envelope(), arb_incident(), prop::bool::weighted(0.85), prop::bool::weighted(0.8)),
        20..90,
    )
    .prop_map(|records| {
        let mut items: Vec<(Item, Incident)> = records
            .into_iter()
            .enumerate()
            .map(|(n, (mut envelope, (incident, env), published, private))| {
                envelope.kind = ItemKind::IncidentRecord;
                if published {
                    envelope.state = ItemState::Published;
                }
                if private {
                    envelope.release = Releasability::default();
                }
                (item_from(&envelope, &incident, env, n as i64), incident)
            })
            .collect();
        items.sort_by_key(|(i, _)| i.id);
        items.dedup_by_key(|(i, _)| i.id);
        items
    })
}

#[test]
fn regional_aggregates_count_contributors_records_and_never_show_a_small_cell() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(async {
        let dbs = backends_with_groups(NOW).await;
        for db in &dbs {
            region_of_all(db).await;
        }
        dbs
    });
    let cases = if dbs.len() > 1 { 16 } else { 32 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (shown, unreadable) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    let ceilings = proptest::collection::vec(proptest::option::weighted(0.75, 0..4u8), 5);
    let viewers = proptest::collection::vec(arb_subject(), 1..5);
    runner
        .run(&(arb_records(), ceilings, viewers, arb_regional_filter()), |(records, ceilings, viewers, filter)| {
            runtime.block_on(async {
                let items: Vec<Item> = records.iter().map(|(i, _)| i.clone()).collect();
                let ceilings: BTreeMap<MemberCode, Classification> = ceilings
                    .iter()
                    .enumerate()
                    .filter_map(|(m, c)| c.map(|c| (member(m), Classification(c))))
                    .collect();
                let forbidden: Vec<String> =
                    records.iter().flat_map(|(i, _)| [i.id.to_string(), i.content.title.clone()]).collect();
                for db in &dbs {
                    reset(db).await;
                    db.raw("DELETE FROM regional_contributions").await;
                    db.store.put_items(&items, AuditEvent::new("test.seed")).await.unwrap();
                    for (m, code) in godwit_domain::testing::MEMBERS.iter().enumerate() {
                        if let Some(ceiling) = ceilings.get(&MemberCode((*code).into())) {
                            db.store.opt_in(&focal_point(m), REGION, *ceiling).await.unwrap();
                        }
                    }
                    for viewer in &viewers {
                        let context =
                            format!("viewer {viewer:?}, ceilings {ceilings:?}, filter {filter:?} on {}", db.url);
                        if !ceilings.contains_key(&viewer.member) {
                            let refused = db.store.regional_top(viewer, REGION, &filter, Dimension::Category, 10).await;
                            prop_assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}: {context}");
                            continue;
                        }
                        let records = counted(&records, &ceilings, viewer, &filter);
                        let want_totals = disclose_one(&all_of(&records));
                        unreadable.set(
                            unreadable.get()
                                + records
                                    .iter()
                                    .filter(|(i, _)| {
                                        !godwit_domain::policy::decide(viewer, &i.envelope(), &[], NOW).is_allowed()
                                    })
                                    .count() as u64,
                        );
                        let mut answers = Vec::new();
                        for by in Dimension::ALL.iter().copied().filter(|d| *d != Dimension::Member) {
                            // Trend: the same disclosure over the cells counted here, pooled by period.
                            for period in Period::ALL {
                                let truth = pooled(cells(&records, Some(by), true), period);
                                let keys: Vec<_> = truth.keys().cloned().collect();
                                let mut groups = groups_by(&keys, |(_, value)| value.clone());
                                if partitions(by) {
                                    groups.extend(groups_by(&keys, |(month, _)| month.clone()));
                                }
                                let counts: Vec<Cell> = truth.values().cloned().collect();
                                let want = disclose(&counts, &groups);
                                let trend = db.store.regional_trend(viewer, REGION, &filter, by, period).await.unwrap();
                                prop_assert_eq!(trend.totals, want_totals, "totals, {}", &context);
                                let got: Vec<Published> = trend.rows.iter().map(|p| p.counts).collect();
                                prop_assert_eq!(&got, &want, "trend by {} per {}, {}", by, period.as_str(), &context);
                                for (p, cell) in got.iter().zip(&counts) {
                                    assert_published(p, &context);
                                    assert_passes(p, cell, &context);
                                }
                                // No group of two or more cells holds exactly one suppressed cell.
                                for group in &groups {
                                    let held = group.iter().filter(|&&i| got[i].suppressed).count();
                                    prop_assert!(group.len() < 2 || held != 1, "group {:?}: {}", group, &context);
                                }
                                answers.push(format!("{:?}", trend.rows));
                            }
                            // Top: every value (the limit cuts nothing), each checked against the truth.
                            let top = db.store.regional_top(viewer, REGION, &filter, by, 500).await.unwrap();
                            let truth = cells(&records, Some(by), false);
                            prop_assert_eq!(top.rows.len(), truth.len(), "{}", &context);
                            for row in &top.rows {
                                let cell = &truth[&(None, row.key.clone())];
                                assert_published(&row.counts, &context);
                                assert_passes(&row.counts, cell, &context);
                            }
                            if partitions(by) && !top.totals.suppressed && top.rows.len() > 1 {
                                let held = top.rows.iter().filter(|r| r.counts.suppressed).count();
                                prop_assert!(held != 1, "one suppressed row of {}: {}", by, &context);
                            }
                            shown.set(shown.get() + top.rows.iter().filter(|r| !r.counts.suppressed).count() as u64);
                            answers.push(format!("{:?}", top.rows));
                        }
                        let routes = db.store.regional_routes(viewer, REGION, &filter, 500).await.unwrap();
                        let truth = cells(&records, None, false);
                        prop_assert_eq!(routes.rows.len(), truth.len(), "{}", &context);
                        for hop in &routes.rows {
                            let key = format!("{}|{}|{}|{}", hop.from_role, hop.from, hop.to_role, hop.to);
                            let cell = &truth[&(None, Some(key))];
                            prop_assert_eq!(hop.counts, disclose_one(cell), "{}", &context);
                        }
                        answers.push(format!("{:?}", routes.rows));
                        // No record identifier or title in any answer.
                        let text = answers.concat();
                        for needle in &forbidden {
                            prop_assert!(!text.contains(needle.as_str()), "{} leaked: {}", needle, &context);
                        }
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    // The worlds must show some counts and count records their viewers may
    // not read, or the test proves little.
    assert!(shown.get() > 0 && unreadable.get() > 0, "shown {}, unreadable {}", shown.get(), unreadable.get());
}

/// A published incident record of member `m`, kept to itself, in `month`, with `persons`.
fn record(m: usize, n: u128, category: Category, classification: u8, month: &str, persons: u32) -> Item {
    let envelope = Envelope {
        id: Uuid::from_u128(0xfeed_0000 + n),
        kind: ItemKind::IncidentRecord,
        category,
        originator_member: member(m),
        originator_org: org(m, 0),
        author: user_id(m as u8),
        state: ItemState::Published,
        classification: Classification(classification),
        tlp: godwit_domain::marking::Tlp::Amber,
        caveats: Default::default(),
        release: Releasability::default(),
        valid_from: None,
        valid_until: None,
    };
    let incident = Incident {
        occurred_on: format!("{month}-10"),
        persons,
        profile: vec![PersonCount {
            nationality: "LKA".into(),
            sex: Sex::Unknown,
            age_band: godwit_domain::incident::AgeBand::Unknown,
            count: persons,
        }],
        ..Incident::default()
    };
    item_from(&envelope, &incident, None, n as i64)
}

async fn totals(db: &TestDb, viewer: &Subject) -> Result<Published, StoreError> {
    let top: Regional<_> =
        db.store.regional_top(viewer, REGION, &AnalysisFilter::default(), Dimension::Category, 10).await?;
    Ok(top.totals)
}

fn published(incidents: u64, persons: u64) -> Published {
    Published { incidents: Some(incidents), persons: Some(persons), suppressed: false }
}

#[tokio::test]
async fn opt_in_ceiling_clearance_and_opt_out_decide_what_counts() {
    for db in backends_with_groups(NOW).await {
        region_of_all(&db).await;
        let (a, b) = (Category::ALL[0], Category::ALL[1]);
        let mut items = Vec::new();
        // Three records each of AAA, BBB and CCC at IN-CONFIDENCE, kept to themselves;
        // four CONFIDENTIAL ones of DDD.
        for (m, count, classification) in [(0, 3, 1), (1, 3, 1), (2, 3, 1), (3, 4, 3)] {
            for k in 0..count {
                items.push(record(m, (m * 10 + k) as u128, a, classification, "2026-01", 2));
            }
        }
        db.store.put_items(&items, AuditEvent::new("test.seed")).await.unwrap();
        let viewer = subject(0, &[Role::Analyst], 3);

        // Nobody contributes yet: refused, saying how to opt in.
        let refused = totals(&db, &viewer).await;
        assert!(matches!(&refused, Err(StoreError::Forbidden(why)) if why.contains("opt in")), "{refused:?}");
        // Only a national focal point of a member of the group opts in.
        let analyst = db.store.opt_in(&viewer, REGION, Classification(3)).await;
        assert!(matches!(analyst, Err(StoreError::Forbidden(_))), "{analyst:?}");
        let outsider = db.store.opt_in(&focal_point(3), "G1", Classification(3)).await;
        assert!(matches!(outsider, Err(StoreError::Forbidden(_))), "{outsider:?}");
        assert!(matches!(
            db.store.opt_in(&focal_point(0), "NOPE", Classification(3)).await,
            Err(StoreError::NotFound(_))
        ));

        for (m, ceiling) in [(0, 3), (1, 3), (2, 3), (3, 2)] {
            db.store.opt_in(&focal_point(m), REGION, Classification(ceiling)).await.unwrap();
        }
        // Nine records (DDD's are above its ceiling), of which AAA may read its three.
        assert_eq!(totals(&db, &viewer).await.unwrap(), published(10, 20));
        assert_eq!(db.store.incident_totals(&viewer, &AnalysisFilter::default()).await.unwrap().incidents, 3);
        // DDD raises its ceiling: thirteen records.
        db.store.opt_in(&focal_point(3), REGION, Classification(3)).await.unwrap();
        assert_eq!(totals(&db, &viewer).await.unwrap(), published(15, 25));
        // A viewer cleared to RESTRICTED does not count the CONFIDENTIAL ones.
        assert_eq!(totals(&db, &subject(1, &[Role::Analyst], 2)).await.unwrap(), published(10, 20));

        // One record of another category: its cell is too small, and the
        // smallest other category is held back with it, so that neither can
        // be had by subtracting from the totals.
        db.store.put_items(&[record(0, 99, b, 1, "2026-01", 2)], AuditEvent::new("test.seed")).await.unwrap();
        let top =
            db.store.regional_top(&viewer, REGION, &AnalysisFilter::default(), Dimension::Category, 10).await.unwrap();
        assert_eq!(top.totals, published(15, 30));
        assert_eq!(top.rows.len(), 2);
        assert!(top.rows.iter().all(|r| r.counts.suppressed), "{top:?}");

        // CCC opts out: AAA, BBB and DDD, ten records; then DDD: two members, suppressed.
        db.store.opt_out(&focal_point(2), REGION).await.unwrap();
        assert_eq!(totals(&db, &viewer).await.unwrap(), published(10, 20));
        db.store.opt_out(&focal_point(3), REGION).await.unwrap();
        assert_eq!(totals(&db, &viewer).await.unwrap(), Published::SUPPRESSED);
        // Opting out twice is no change; CCC's users are refused now.
        assert!(matches!(db.store.opt_out(&focal_point(2), REGION).await, Err(StoreError::NotFound(_))));
        assert!(matches!(totals(&db, &subject(2, &[Role::Analyst], 3)).await, Err(StoreError::Forbidden(_))));
        // Never a breakdown by member.
        let by_member = db.store.regional_top(&viewer, REGION, &AnalysisFilter::default(), Dimension::Member, 10).await;
        assert!(matches!(by_member, Err(StoreError::Invalid(_))), "{by_member:?}");

        // Every opt-in and opt-out is in the audit trail.
        let audited = |action: &str| {
            let query = AuditQuery { action: Some(action.into()), limit: 100, ..AuditQuery::default() };
            let store = db.store.clone();
            async move { store.audit_records(&query).await.unwrap() }
        };
        assert_eq!(audited("regional.opt_in").await.len(), 5);
        let outs = audited("regional.opt_out").await;
        assert_eq!(outs.iter().map(|r| r.actor_member.clone().unwrap_or_default()).collect::<Vec<_>>(), ["CCC", "DDD"]);
    }
}
