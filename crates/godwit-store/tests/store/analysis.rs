//! Issue 4, point 9: no analysis result counts an incident record its viewer
//! may not see. Generated worlds of members, agreements, users and incident
//! records with random markings are stored; for every viewer, every dimension
//! and a random filter, each result of the store (trend, top values, route
//! hops, totals) must equal the same aggregation computed here over the
//! published records `decide` allows, on every backend, also after records
//! changed state or markings (the counts kept ahead of time must follow).

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::incident::{
    AgeBand, Dimension, DocumentType, DocumentUsed, Incident, Method, Outcome, PersonCount, Route, Sex, Transport,
};
use godwit_domain::item::{BorderEnvironment, Envelope, FraudType, Item, ItemDetails, ItemKind, ItemState};
use godwit_domain::policy::decide;
use godwit_domain::testing::*;
use godwit_store::analysis::{AnalysisFilter, Counts, Hop, TopRow, TrendPoint};
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;
use proptest::sample::select;

use crate::harness::{TestDb, backends_with_groups};

const DAYS: [&str; 5] = ["2026-01-05", "2026-01-20", "2026-02-11", "2026-03-01", "2026-03-31"];
const NATIONALITIES: [&str; 4] = ["AFG", "LKA", "IRN", "XXA"];
const ORIGINS: [&str; 3] = ["LKA", "AFG", "IDN"];
const TRANSITS: [&str; 3] = ["IDN", "MYS", "SGP"];
const DESTINATIONS: [&str; 2] = ["AUS", "NZL"];

pub(crate) fn arb_incident() -> impl Strategy<Value = (Incident, Option<BorderEnvironment>)> {
    let profile = proptest::collection::vec(
        (select(NATIONALITIES.to_vec()), select(Sex::ALL.to_vec()), select(AgeBand::ALL.to_vec()), 1..4u32),
        0..4,
    );
    let route = (
        proptest::option::of(select(ORIGINS.to_vec())),
        proptest::collection::vec(select(TRANSITS.to_vec()), 0..3),
        proptest::option::of(select(DESTINATIONS.to_vec())),
    );
    let documents = proptest::collection::vec(
        (
            select(vec![DocumentType::Passport, DocumentType::Visa]),
            select(vec!["NZL", "AUS"]),
            proptest::option::of(select(vec![FraudType::Forged, FraudType::Counterfeit])),
        ),
        0..3,
    );
    let taxonomy = (
        proptest::option::of(select(vec![Transport::CommercialFlight, Transport::SmallBoat])),
        proptest::option::of(select(vec![Method::FraudulentDocuments, Method::Concealment])),
        proptest::option::of(select(vec![Outcome::RefusedEntry, Outcome::Removed])),
        proptest::option::of(select(vec![BorderEnvironment::Air, BorderEnvironment::Sea])),
    );
    (select(DAYS.to_vec()), profile, 0..5u32, route, documents, taxonomy).prop_map(
        |(day, profile, persons, (origin, transit, destination), documents, (transport, method, outcome, env))| {
            let profile: Vec<PersonCount> = profile
                .into_iter()
                .map(|(nationality, sex, age_band, count)| PersonCount {
                    nationality: nationality.into(),
                    sex,
                    age_band,
                    count,
                })
                .collect();
            let persons = if profile.is_empty() { persons } else { profile.iter().map(|g| g.count).sum() };
            let incident = Incident {
                occurred_on: day.into(),
                persons,
                profile,
                route: Route {
                    origin: origin.map(str::to_owned),
                    transit: transit.into_iter().map(str::to_owned).collect(),
                    destination: destination.map(str::to_owned),
                },
                transport,
                method_type: method,
                outcome_type: outcome,
                documents: documents
                    .into_iter()
                    .map(|(document_type, issuing, fraud_type)| DocumentUsed {
                        document_type,
                        issuing_state: issuing.into(),
                        fraud_type,
                    })
                    .collect(),
                ..Incident::default()
            };
            (incident, env)
        },
    )
}

fn arb_filter() -> impl Strategy<Value = AnalysisFilter> {
    let day = |d: &str| godwit_domain::incident::parse_iso_date(d).unwrap();
    (
        proptest::option::of(select(vec!["2026-01-20", "2026-02-01"])),
        proptest::option::of(select(vec!["2026-02-28", "2026-03-01"])),
        proptest::option::of(arb_category()),
        proptest::option::of((0..MEMBERS.len()).prop_map(member)),
        proptest::option::of(select(NATIONALITIES.to_vec())),
        proptest::option::of(select(vec!["IDN", "SGP", "AUS"])),
        proptest::option::of(select(vec![Method::FraudulentDocuments, Method::Concealment])),
    )
        .prop_map(move |(from, to, category, member, nationality, country, method)| {
            // Most cases keep every filter off, so that whole worlds are counted too.
            AnalysisFilter {
                from: from.map(day),
                to: to.map(day),
                category,
                member,
                nationality: nationality.map(str::to_owned),
                country: country.map(str::to_owned),
                method,
            }
        })
}

/// Records (with facts and environment), agreements, viewers, a filter and a top-N limit.
type World = (
    Vec<(Envelope, Incident, Option<BorderEnvironment>)>,
    Vec<godwit_domain::agreement::Agreement>,
    Vec<godwit_domain::user::Subject>,
    AnalysisFilter,
    usize,
);

/// A later write of a record: its new state (publish, withdraw, supersede, back
/// to draft) and whether its personal-data caveat flips (a new policy class).
type Change = Option<(ItemState, bool)>;

/// The changes written after the records, by position.
fn arb_changes() -> impl Strategy<Value = Vec<Change>> {
    let states = select(vec![
        ItemState::Published,
        ItemState::Withdrawn,
        ItemState::Superseded,
        ItemState::Draft,
        ItemState::Submitted,
    ]);
    proptest::collection::vec(proptest::option::weighted(0.4, (states, any::<bool>())), 0..40)
}

/// Records with facts and environment, of random markings across members.
pub(crate) fn arb_records() -> impl Strategy<Value = Vec<(Envelope, Incident, Option<BorderEnvironment>)>> {
    proptest::collection::vec(
        (arb_envelope(), arb_incident(), prop::bool::weighted(0.85)).prop_map(
            |(mut envelope, (incident, env), incident_kind)| {
                // Mostly incident records, and published more often than not, so
                // that counts are rarely empty; other kinds must never count.
                if incident_kind {
                    envelope.kind = ItemKind::IncidentRecord;
                }
                (envelope, incident, env)
            },
        ),
        1..40,
    )
}

pub(crate) fn arb_world() -> impl Strategy<Value = World> {
    let filter = prop_oneof![2 => Just(AnalysisFilter::default()), 3 => arb_filter()];
    (arb_records(), arb_agreements(), proptest::collection::vec(arb_subject(), 1..8), filter, 1..6usize)
}

pub(crate) fn item_from(
    envelope: &Envelope,
    incident: &Incident,
    environment: Option<BorderEnvironment>,
    n: i64,
) -> Item {
    let mut item = report_from(envelope, n);
    item.content.title = format!("record {n}");
    if envelope.kind == ItemKind::IncidentRecord {
        item.content.details = ItemDetails::IncidentRecord(Box::new(incident.clone()));
    }
    item.content.environment = environment;
    item
}

/// The filter, as written here from its documentation.
pub(crate) fn kept(filter: &AnalysisFilter, item: &Item, incident: &Incident) -> bool {
    let day = |d: time::Date| format!("{d}");
    filter.from.is_none_or(|from| incident.occurred_on >= day(from))
        && filter.to.is_none_or(|to| incident.occurred_on <= day(to))
        && filter.category.is_none_or(|c| item.content.category == c)
        && filter.member.as_ref().is_none_or(|m| &item.originator_member == m)
        && filter.method.is_none_or(|m| incident.method_type == Some(m))
        && filter.nationality.as_ref().is_none_or(|n| incident.profile.iter().any(|g| &g.nationality == n))
        && filter.country.as_ref().is_none_or(|c| incident.route.legs().iter().any(|(_, country)| country == c))
}

/// The values of `by` a record counts under, each with the persons it adds.
pub(crate) fn values(by: Dimension, item: &Item, incident: &Incident) -> BTreeMap<Option<String>, u64> {
    let all = u64::from(incident.persons);
    let one = |key: Option<&str>| BTreeMap::from([(key.map(str::to_owned), all)]);
    let each = |keys: Vec<Option<String>>| keys.into_iter().map(|k| (k, all)).collect();
    match by {
        Dimension::Category => one(Some(item.content.category.as_str())),
        Dimension::Member => one(Some(item.originator_member.as_str())),
        Dimension::Origin => one(incident.route.origin.as_deref()),
        Dimension::Destination => one(incident.route.destination.as_deref()),
        Dimension::Environment => one(item.content.environment.map(|e| e.as_str())),
        Dimension::Method => one(incident.method_type.map(|m| m.as_str())),
        Dimension::Transport => one(incident.transport.map(|t| t.as_str())),
        Dimension::Outcome => one(incident.outcome_type.map(|o| o.as_str())),
        Dimension::Transit => each(incident.route.transit.iter().map(|c| Some(c.clone())).collect()),
        Dimension::DocumentType => {
            each(incident.documents.iter().map(|d| Some(d.document_type.as_str().to_owned())).collect())
        }
        Dimension::FraudType => {
            each(incident.documents.iter().map(|d| d.fraud_type.map(|f| f.as_str().to_owned())).collect())
        }
        Dimension::Nationality => {
            let mut out = BTreeMap::new();
            for g in &incident.profile {
                *out.entry(Some(g.nationality.clone())).or_insert(0) += u64::from(g.count);
            }
            out
        }
    }
}

pub(crate) struct Expected {
    pub(crate) totals: Counts,
    pub(crate) trend: Vec<TrendPoint>,
    pub(crate) top: Vec<TopRow>,
}

pub(crate) fn expected(records: &[(&Item, &Incident)], by: Dimension, limit: usize) -> Expected {
    let mut totals = Counts::default();
    let mut trend: BTreeMap<(String, Option<String>), Counts> = BTreeMap::new();
    let mut top: BTreeMap<Option<String>, Counts> = BTreeMap::new();
    for (item, incident) in records {
        totals.incidents += 1;
        totals.persons += u64::from(incident.persons);
        for (key, persons) in values(by, item, incident) {
            for counts in [
                trend.entry((incident.occurred_on[..7].to_owned(), key.clone())).or_default(),
                top.entry(key).or_default(),
            ] {
                counts.incidents += 1;
                counts.persons += persons;
            }
        }
    }
    let mut top: Vec<TopRow> =
        top.into_iter().map(|(key, c)| TopRow { key, incidents: c.incidents, persons: c.persons }).collect();
    top.sort_by(|a, b| (b.incidents, b.persons).cmp(&(a.incidents, a.persons)).then(a.key.cmp(&b.key)));
    top.truncate(limit);
    Expected {
        totals,
        trend: trend
            .into_iter()
            .map(|((month, key), c)| TrendPoint { month, key, incidents: c.incidents, persons: c.persons })
            .collect(),
        top,
    }
}

fn expected_hops(records: &[(&Item, &Incident)], limit: usize) -> Vec<Hop> {
    let mut hops: BTreeMap<(String, String, String, String), Counts> = BTreeMap::new();
    for (_, incident) in records {
        let legs = incident.route.legs();
        let steps: BTreeSet<_> = legs.windows(2).map(|w| (w[0].1, w[0].0, w[1].1, w[1].0)).collect();
        for (from, from_role, to, to_role) in steps {
            let counts = hops.entry((from.into(), from_role.into(), to.into(), to_role.into())).or_default();
            counts.incidents += 1;
            counts.persons += u64::from(incident.persons);
        }
    }
    let mut hops: Vec<Hop> = hops
        .into_iter()
        .map(|((from, from_role, to, to_role), c)| Hop {
            from_role,
            from,
            to_role,
            to,
            incidents: c.incidents,
            persons: c.persons,
        })
        .collect();
    // By count, ties in the map's order (from, from role, to, to role), as the store orders them.
    hops.sort_by_key(|h| std::cmp::Reverse((h.incidents, h.persons)));
    hops.truncate(limit);
    hops
}

pub(crate) async fn reset(db: &TestDb) {
    db.raw(
        "DELETE FROM incident_facts; DELETE FROM incident_persons; DELETE FROM incident_legs; \
         DELETE FROM incident_documents; DELETE FROM items; DELETE FROM item_release_members; \
         DELETE FROM item_release_groups; DELETE FROM item_release_orgs; DELETE FROM agreements; \
         DELETE FROM agreement_parties; DELETE FROM agreement_categories; DELETE FROM incident_rollup; \
         DELETE FROM incident_counted; DELETE FROM incident_classes;",
    )
    .await;
}

#[test]
fn no_analysis_counts_a_record_its_viewer_may_not_see() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    let cases = if dbs.len() > 1 { 32 } else { 64 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (counted, hidden) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&(arb_world(), arb_changes()), |((records, agreements, subjects, filter, limit), changes)| {
            runtime.block_on(async {
                let mut items: Vec<(Item, Incident)> = records
                    .iter()
                    .enumerate()
                    .map(|(n, (e, incident, env))| (item_from(e, incident, *env, n as i64), incident.clone()))
                    .collect();
                items.sort_by_key(|(i, _)| i.id);
                items.dedup_by_key(|(i, _)| i.id);
                let only_items: Vec<Item> = items.iter().map(|(i, _)| i.clone()).collect();
                // Rewritten after the first write: the rollups must follow the
                // new state and markings (what `write_items` does on every
                // workflow step), not keep what they counted first.
                let mut changed = Vec::new();
                for ((item, _), change) in items.iter_mut().zip(&changes) {
                    if let Some((state, flip)) = change {
                        item.state = *state;
                        if *flip {
                            item.content.caveats.personal_data = !item.content.caveats.personal_data;
                        }
                        changed.push(item.clone());
                    }
                }
                for db in &dbs {
                    reset(db).await;
                    db.store.put_items(&only_items, AuditEvent::new("test.seed")).await.unwrap();
                    db.store.put_items(&changed, AuditEvent::new("test.change")).await.unwrap();
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    for subject in &subjects {
                        let published: Vec<(&Item, &Incident)> = items
                            .iter()
                            .filter(|(i, _)| i.kind == ItemKind::IncidentRecord && i.state == ItemState::Published)
                            .filter(|(i, inc)| kept(&filter, i, inc))
                            .map(|(i, inc)| (i, inc))
                            .collect();
                        let visible: Vec<(&Item, &Incident)> = published
                            .iter()
                            .copied()
                            .filter(|(i, _)| decide(subject, &i.envelope(), &agreements, NOW).is_allowed())
                            .collect();
                        counted.set(counted.get() + visible.len() as u64);
                        hidden.set(hidden.get() + (published.len() - visible.len()) as u64);
                        let context = format!("subject {subject:?}, filter {filter:?} on {}", db.url);
                        for by in Dimension::ALL.iter().copied() {
                            let want = expected(&visible, by, limit);
                            let trend = db.store.incident_trend(subject, &filter, by).await.unwrap();
                            prop_assert_eq!(&trend, &want.trend, "trend by {} for {}", by, &context);
                            let top = db.store.incident_top(subject, &filter, by, limit).await.unwrap();
                            prop_assert_eq!(&top, &want.top, "top by {} for {}", by, &context);
                            if by == Dimension::Category {
                                let totals = db.store.incident_totals(subject, &filter).await.unwrap();
                                prop_assert_eq!(totals, want.totals, "totals for {}", &context);
                            }
                        }
                        let hops = db.store.incident_hops(subject, &filter, limit).await.unwrap();
                        let want = expected_hops(&visible, limit);
                        prop_assert_eq!(&hops, &want, "route hops for {}", &context);
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    // The worlds must both count records and hide some, or the test proves nothing.
    let (counted, hidden) = (counted.get(), hidden.get());
    assert!(counted > 0 && hidden > 0, "counted {counted}, hidden {hidden}");
}
