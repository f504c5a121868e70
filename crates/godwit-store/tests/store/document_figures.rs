//! Issue 5, point 3: no bulletin or annual assessment counts an incident
//! record some member of its audience may not read. Generated worlds of
//! incident records with random markings across members, and agreements, are
//! stored; a bulletin (either edition, a month of the records) and an
//! assessment of their year are assembled for a random audience at a random
//! ceiling (a third of the records shared with every member, so that wide
//! audiences count something too); every incident figure and chart count must equal the same count
//! made here over the published records of the period that `decide` allows
//! to the stand-in reader of every member the document reaches.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::assessment::AssessmentDraft;
use godwit_domain::bulletin::{BulletinDraft, Edition, Month};
use godwit_domain::document::stand_in_readers;
use godwit_domain::incident::{Dimension, Incident};
use godwit_domain::item::{Envelope, Item, ItemKind, ItemState, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::{Audience, Member, MemberCode, MemberKind};
use godwit_domain::policy::decide;
use godwit_domain::testing::*;
use godwit_domain::user::{Role, Subject};
use godwit_store::analysis::AnalysisFilter;
use godwit_store::audit::AuditEvent;
use proptest::prelude::*;
use proptest::sample::select;

use crate::analysis::{arb_records, expected, item_from, kept, reset};
use crate::harness::backends_with_groups;

/// How many of the top values the bulletin charts, as `bulletins.rs` says.
const CATEGORIES_CHARTED: usize = 50;
const NATIONALITIES_CHARTED: usize = 10;

/// Who writes the documents, of which member; whom they are for; the
/// ceiling; the bulletin's edition and month.
type Documents = (usize, Audience, u8, Edition, &'static str);

fn arb_documents() -> impl Strategy<Value = Documents> {
    let members = proptest::collection::btree_set((0..MEMBERS.len()).prop_map(member), 0..3);
    let groups = proptest::collection::btree_set(select(vec!["G1".to_owned(), "G2".to_owned()]), 0..3);
    let audience = (members, groups).prop_map(|(members, mut groups)| {
        if members.is_empty() && groups.is_empty() {
            groups.insert("G2".to_owned());
        }
        Audience { members, groups }
    });
    let edition = select(vec![Edition::MonthlyIntelligence, Edition::BimonthlyInformation]);
    (0..MEMBERS.len(), audience, 0..4u8, edition, select(vec!["2026-01", "2026-02", "2026-03"]))
}

/// A third of the records are published unclassified and TLP:CLEAR to both
/// groups, which every member may read without an agreement: audiences of
/// several members must also count something.
fn shared(envelope: &Envelope) -> Envelope {
    if !envelope.id.as_u128().is_multiple_of(3) {
        return envelope.clone();
    }
    Envelope {
        state: ItemState::Published,
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        caveats: Caveats::default(),
        release: Releasability { groups: BTreeSet::from(["G1".to_owned(), "G2".to_owned()]), ..Default::default() },
        valid_from: None,
        valid_until: None,
        ..envelope.clone()
    }
}

/// An analyst of member `m` cleared to the top of the scale: an author.
fn author(m: usize) -> Subject {
    let member = member(m);
    Subject {
        user: user_id(200),
        member_groups: groups_of(&member),
        member,
        organisation: org(m, 0),
        roles: BTreeSet::from([Role::Analyst]),
        clearance: Classification(3),
    }
}

/// The members a document of `own` for `audience` reaches, written out here
/// from the groups of the generated worlds, each with its groups.
fn reached(own: &MemberCode, audience: &Audience) -> BTreeMap<MemberCode, BTreeSet<String>> {
    let mut members: BTreeSet<MemberCode> = audience.members.clone();
    members.insert(own.clone());
    for (group, of) in GROUPS {
        if audience.groups.contains(group) {
            members.extend(of.iter().map(|m| MemberCode((*m).into())));
        }
    }
    members.into_iter().map(|m| (m.clone(), groups_of(&m))).collect()
}

#[test]
fn no_bulletin_or_assessment_counts_a_record_some_member_of_its_audience_may_not_read() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(backends_with_groups(NOW));
    runtime.block_on(async {
        for db in &dbs {
            for m in 0..MEMBERS.len() {
                let code = member(m);
                let name = code.0.clone();
                db.store.upsert_member(&Member { code, name, kind: MemberKind::State }).await.unwrap();
            }
        }
    });
    let cases = if dbs.len() > 1 { 12 } else { 20 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (counted, hidden) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&(arb_records(), arb_agreements(), arb_documents()), |(records, agreements, documents)| {
            let (own, audience, ceiling, edition, month) = documents;
            let mut items: Vec<(Item, Incident)> = records
                .iter()
                .enumerate()
                .map(|(n, (e, incident, env))| (item_from(&shared(e), incident, *env, n as i64), incident.clone()))
                .collect();
            items.sort_by_key(|(i, _)| i.id);
            items.dedup_by_key(|(i, _)| i.id);
            let only_items: Vec<Item> = items.iter().map(|(i, _)| i.clone()).collect();

            let author = author(own);
            let readers = stand_in_readers(&reached(&author.member, &audience), Classification(ceiling));
            let bulletin = BulletinDraft {
                classification: Classification(ceiling),
                tlp: Tlp::Clear,
                ..BulletinDraft::new(edition, Month::parse(month).unwrap(), audience.clone())
            };
            let assessment = AssessmentDraft {
                classification: Classification(ceiling),
                tlp: Tlp::Clear,
                ..AssessmentDraft::new(2026, "Threat assessment 2026", audience.clone())
            };
            let (first, last) = bulletin.days();
            let in_period = AnalysisFilter { from: Some(first), to: Some(last), ..AnalysisFilter::default() };
            let day = |d: &str| godwit_domain::incident::parse_iso_date(d);
            let in_year =
                AnalysisFilter { from: day("2026-01-01"), to: day("2026-12-31"), ..AnalysisFilter::default() };
            // The published records kept by `filter`, and those every reader may read.
            let counted_in = |filter: &AnalysisFilter| {
                let published: Vec<(&Item, &Incident)> = items
                    .iter()
                    .filter(|(i, inc)| {
                        i.kind == ItemKind::IncidentRecord && i.state == ItemState::Published && kept(filter, i, inc)
                    })
                    .map(|(i, inc)| (i, inc))
                    .collect();
                let readable: Vec<(&Item, &Incident)> = published
                    .iter()
                    .copied()
                    .filter(|(i, _)| readers.iter().all(|r| decide(r, &i.envelope(), &agreements, NOW).is_allowed()))
                    .collect();
                (published.len() - readable.len(), readable)
            };
            let (left_out, for_bulletin) = counted_in(&in_period);
            let (_, for_assessment) = counted_in(&in_year);
            counted.set(counted.get() + for_bulletin.len() as u64);
            hidden.set(hidden.get() + left_out as u64);

            runtime.block_on(async {
                for db in &dbs {
                    reset(db).await;
                    db.store.put_items(&only_items, AuditEvent::new("test.seed")).await.unwrap();
                    for agreement in &agreements {
                        db.store.put_agreement(agreement, AuditEvent::new("test.agreement")).await.unwrap();
                    }
                    let context = format!("{audience:?} of {} at {ceiling} on {}", author.member, db.url);

                    let created = db.store.create_document(&author, bulletin.clone()).await.unwrap();
                    let doc = db.store.assemble_bulletin(&author, created.id).await.unwrap();
                    let reaches: Vec<MemberCode> = readers.iter().map(|r| r.member.clone()).collect();
                    prop_assert_eq!(&doc.reaches, &reaches, "bulletin {}", &context);
                    let by_category = expected(&for_bulletin, Dimension::Category, CATEGORIES_CHARTED);
                    prop_assert_eq!(doc.incidents, by_category.totals, "bulletin figures {}", &context);
                    prop_assert_eq!(&doc.by_category, &by_category.top, "bulletin chart by category {}", &context);
                    let by_nationality = expected(&for_bulletin, Dimension::Nationality, NATIONALITIES_CHARTED);
                    prop_assert_eq!(&doc.by_nationality, &by_nationality.top, "bulletin nationalities {}", &context);

                    let created = db.store.create_document(&author, assessment.clone()).await.unwrap();
                    let doc = db.store.assemble_assessment(&author, created.id).await.unwrap();
                    let by_category = expected(&for_assessment, Dimension::Category, CATEGORIES_CHARTED);
                    prop_assert_eq!(doc.totals, by_category.totals, "assessment figures {}", &context);
                    prop_assert_eq!(&doc.trend, &by_category.trend, "assessment trend {}", &context);
                }
                Ok(())
            })
        })
        .unwrap();
    // The worlds must both count records and leave some out, or the test proves nothing.
    let (counted, hidden) = (counted.get(), hidden.get());
    assert!(counted > 0 && hidden > 0, "counted {counted}, left out {hidden}");
}
