//! Requests for information through the store, on both backends: the whole
//! lifecycle with its notifications and audit; a request to a group taken and
//! declined by one member; the answer shown only when its item is released to
//! the reader; and a property test that lists, reads and statistics show each
//! generated viewer exactly the requests it may see.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::item::{Category, ItemContent, ItemDetails, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{Rating, Recipient, RfiAction, RfiDraft, RfiState};
use godwit_domain::testing::{GROUPS, MEMBERS, NOW, arb_subject};
use godwit_domain::user::{Role, Subject, User};
use godwit_domain::workflow::Action;
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::items::Method;
use godwit_store::notices::NoticeKind;
use godwit_store::rfis::RfiFilter;
use godwit_store::{Store, StoreError};
use proptest::prelude::*;
use uuid::Uuid;

use crate::harness::{TestDb, backends, backends_with_groups};

pub(crate) fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

/// The people of a small region: New Zealand asks, Fiji and Tonga answer,
/// Australia is outside the group.
pub(crate) struct People {
    pub asker: Subject,
    pub fiji_nfp: Subject,
    pub fiji_analyst: Subject,
    pub fiji_officer: Subject,
    pub tonga_nfp: Subject,
    pub australia: Subject,
}

pub(crate) async fn person(store: &Store, n: u128, member: &str, role: Role, groups: &[&str]) -> Subject {
    let user = User {
        id: Uuid::from_u128(n),
        username: format!("user{n}"),
        display_name: format!("User {n}"),
        email: format!("user{n}@{}.example", member.to_lowercase()),
        member: code(member),
        organisation: Uuid::from_u128(1000 + n),
        roles: BTreeSet::from([role]),
        clearance: Classification(2),
        disabled: false,
    };
    store
        .put_organisation(&Organisation {
            id: user.organisation,
            member: code(member),
            name: format!("{member} immigration {n}"),
            agency: AgencyKind::Immigration,
        })
        .await
        .unwrap();
    store.create_user(&user, "x", AuditEvent::new("test.user")).await.unwrap();
    let subject = store.subject_for(&user).await.unwrap();
    assert_eq!(subject.member_groups, groups.iter().map(|g| (*g).to_owned()).collect());
    subject
}

pub(crate) async fn region(store: &Store) -> People {
    for (member, name) in [("NZL", "New Zealand"), ("FJI", "Fiji"), ("TON", "Tonga"), ("AUS", "Australia")] {
        store.upsert_member(&Member { code: code(member), name: name.into(), kind: MemberKind::State }).await.unwrap();
    }
    let pidc =
        MemberGroup { code: "PIDC".into(), name: "PIDC".into(), members: vec![code("FJI"), code("NZL"), code("TON")] };
    store.put_group(&pidc).await.unwrap();
    People {
        asker: person(store, 10, "NZL", Role::Analyst, &["PIDC"]).await,
        fiji_nfp: person(store, 20, "FJI", Role::NationalFocalPoint, &["PIDC"]).await,
        fiji_analyst: person(store, 21, "FJI", Role::Analyst, &["PIDC"]).await,
        fiji_officer: person(store, 22, "FJI", Role::AuthorisingOfficer, &["PIDC"]).await,
        tonga_nfp: person(store, 30, "TON", Role::NationalFocalPoint, &["PIDC"]).await,
        australia: person(store, 40, "AUS", Role::Analyst, &[]).await,
    }
}

pub(crate) fn draft(recipient: Recipient) -> RfiDraft {
    RfiDraft {
        title: "Passports in series K4".into(),
        question: "Were passports K4000100 to K4000199 issued by your office?".into(),
        priority: Priority::High,
        due_on: "2027-01-15".into(),
        classification: Classification(1),
        recipient,
        release_members: BTreeSet::new(),
        release_groups: BTreeSet::new(),
    }
}

/// A published response of `p.fiji_analyst` to `request`, released to `release`.
async fn published_response(store: &Store, p: &People, request: Uuid, release: &[&str]) -> Uuid {
    let content = ItemContent {
        title: "Response: passports in series K4".into(),
        summary: "Two genuine, three never issued.".into(),
        body: "Checked against the issuing records.".into(),
        category: Category::DocumentFraud,
        details: ItemDetails::RfiResponse { request },
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        caveats: Caveats::default(),
        release: Releasability { members: release.iter().map(|m| code(m)).collect(), ..Default::default() },
        grading: None,
        tags: vec![],
        countries: vec![],
        environment: None,
        valid_from: None,
        valid_until: None,
    };
    let item = store.create_item(&p.fiji_analyst, content).await.unwrap();
    store.act_on_item(&p.fiji_analyst, item.id, Action::Submit, None, Method::Api).await.unwrap();
    store.act_on_item(&p.fiji_officer, item.id, Action::Approve, None, Method::Api).await.unwrap();
    item.id
}

/// The steps `user` was notified of, oldest first, as the audit trail records
/// each step's recipients (the bell is checked once, in the lifecycle test).
async fn notified(store: &Store, user: &Subject) -> Vec<String> {
    let mut records = store.audit_records(&AuditQuery { limit: 500, ..Default::default() }).await.unwrap();
    records.sort_by_key(|r| r.seq);
    records
        .into_iter()
        .filter(|r| r.action.starts_with("rfi.") && r.action != "rfi.read")
        .filter(|r| {
            let detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap();
            detail["notified"].as_array().unwrap().iter().any(|u| u.as_str() == Some(&user.user.to_string()))
        })
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn lifecycle_with_timeline_notifications_and_audit() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        let rfi = store.create_rfi(&p.asker, draft(Recipient::Member(code("FJI")))).await.unwrap();
        assert_eq!(rfi.state, RfiState::Open);
        for (who, sees) in [(&p.fiji_analyst, true), (&p.tonga_nfp, false), (&p.australia, false)] {
            assert_eq!(store.rfi(who, rfi.id).await.is_ok(), sees, "{:?}", who.member);
        }
        assert_eq!(notified(store, &p.fiji_nfp).await, ["rfi.created"]);
        assert!(notified(store, &p.fiji_analyst).await.is_empty(), "analysts hear of it when it is assigned");
        assert!(notified(store, &p.tonga_nfp).await.is_empty(), "Tonga is not asked");

        // Only the receiving contact point assigns, and only to an author of its member.
        let assign = RfiAction::Assign { to: p.fiji_analyst.user };
        let by_analyst = store.act_on_rfi(&p.fiji_analyst, rfi.id, assign.clone()).await;
        assert!(matches!(by_analyst, Err(StoreError::Forbidden(_))), "{by_analyst:?}");
        let outsider = store.act_on_rfi(&p.tonga_nfp, rfi.id, assign.clone()).await;
        assert!(matches!(outsider, Err(StoreError::NotFound(_))), "{outsider:?}");
        let to_foreigner = store.act_on_rfi(&p.fiji_nfp, rfi.id, RfiAction::Assign { to: p.asker.user }).await;
        assert!(matches!(to_foreigner, Err(StoreError::Invalid(_))), "{to_foreigner:?}");
        let assigned = store.act_on_rfi(&p.fiji_nfp, rfi.id, assign).await.unwrap();
        assert_eq!((assigned.state, assigned.assignee), (RfiState::Assigned, Some(p.fiji_analyst.user)));

        // Declining needs a reason; the answer must be a published response naming the request.
        let no_reason = store.act_on_rfi(&p.fiji_analyst, rfi.id, RfiAction::Decline { reason: " ".into() }).await;
        assert!(matches!(no_reason, Err(StoreError::Invalid(_))), "{no_reason:?}");
        let other_request = published_response(store, &p, Uuid::from_u128(5), &["NZL"]).await;
        let wrong = store.act_on_rfi(&p.fiji_analyst, rfi.id, RfiAction::Answer { item: other_request }).await;
        assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
        let answer = published_response(store, &p, rfi.id, &["NZL"]).await;
        let early_rating =
            store.act_on_rfi(&p.asker, rfi.id, RfiAction::Rate(Rating { score: 5, comment: String::new() })).await;
        assert!(matches!(early_rating, Err(StoreError::Conflict(_))), "{early_rating:?}");
        let answered = store.act_on_rfi(&p.fiji_analyst, rfi.id, RfiAction::Answer { item: answer }).await.unwrap();
        assert_eq!(answered.state, RfiState::Answered);
        let detail = store.read_rfi(&p.asker, rfi.id).await.unwrap();
        assert_eq!(detail.answer.map(|a| a.id), Some(answer), "released to New Zealand, so it reads the answer");

        let bad =
            store.act_on_rfi(&p.asker, rfi.id, RfiAction::Rate(Rating { score: 0, comment: String::new() })).await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
        let rating = Rating { score: 4, comment: "Useful; the serials matched.".into() };
        let closed = store.act_on_rfi(&p.asker, rfi.id, RfiAction::Rate(rating.clone())).await.unwrap();
        assert_eq!((closed.state, closed.rating), (RfiState::Closed, Some(rating)));

        let timeline: Vec<String> =
            store.read_rfi(&p.fiji_nfp, rfi.id).await.unwrap().timeline.into_iter().map(|e| e.action).collect();
        assert_eq!(timeline, ["created", "assigned", "answered", "rated"]);
        assert_eq!(notified(store, &p.asker).await, ["rfi.assigned", "rfi.answered"]);
        // Each of those steps is in the asker's bell, pointing at the request.
        let bell = store.notifications_of(p.asker.user, false, 10).await.unwrap();
        let titles: Vec<(NoticeKind, Uuid, &str)> =
            bell.iter().rev().map(|n| (n.kind, n.item_id, n.title.as_str())).collect();
        assert_eq!(
            titles,
            [
                (NoticeKind::Rfi, rfi.id, "Request assigned: Passports in series K4"),
                (NoticeKind::Rfi, rfi.id, "Request answered: Passports in series K4")
            ]
        );
        assert_eq!(notified(store, &p.fiji_analyst).await, ["rfi.assigned", "rfi.rated"]);
        let audited: Vec<String> = store
            .audit_records(&AuditQuery { limit: 200, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action.starts_with("rfi."))
            .map(|r| r.action)
            .collect();
        for step in ["rfi.created", "rfi.assigned", "rfi.answered", "rfi.rated", "rfi.read"] {
            assert!(audited.iter().any(|a| a == step), "{step} not audited: {audited:?}");
        }
        assert!(store.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn answer_not_released_to_the_requester_is_withheld() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        let rfi = store.create_rfi(&p.asker, draft(Recipient::Member(code("FJI")))).await.unwrap();
        // Released to Fiji only: New Zealand learns that it was answered, not what.
        let answer = published_response(store, &p, rfi.id, &["FJI"]).await;
        store.act_on_rfi(&p.fiji_nfp, rfi.id, RfiAction::Answer { item: answer }).await.unwrap();
        let asker_view = store.read_rfi(&p.asker, rfi.id).await.unwrap();
        assert!(asker_view.answer.is_none() && asker_view.answer_withheld);
        let json = serde_json::to_string(&asker_view).unwrap();
        assert!(!json.contains(&answer.to_string()), "the withheld answer's id leaks: {json}");
        let fiji_view = store.read_rfi(&p.fiji_analyst, rfi.id).await.unwrap();
        assert_eq!(fiji_view.answer.map(|a| a.id), Some(answer));
    }
}

#[tokio::test]
async fn a_group_request_is_taken_by_one_member() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        let rfi = store.create_rfi(&p.asker, draft(Recipient::Group("PIDC".into()))).await.unwrap();
        assert_eq!(notified(store, &p.fiji_nfp).await, ["rfi.created"]);
        assert_eq!(notified(store, &p.tonga_nfp).await, ["rfi.created"]);
        assert!(notified(store, &p.australia).await.is_empty(), "Australia is not in the group");
        assert!(notified(store, &p.asker).await.is_empty(), "the asker is not told of its own step");
        let reason = "Tonga holds no records of this series.";
        let declined =
            store.act_on_rfi(&p.tonga_nfp, rfi.id, RfiAction::Decline { reason: reason.into() }).await.unwrap();
        assert_eq!((declined.state, declined.responding_member.clone()), (RfiState::Declined, Some(code("TON"))));
        let late = store.act_on_rfi(&p.fiji_nfp, rfi.id, RfiAction::Assign { to: p.fiji_analyst.user }).await;
        assert!(matches!(late, Err(StoreError::Forbidden(_))), "{late:?}");
        let detail = store.read_rfi(&p.asker, rfi.id).await.unwrap();
        assert_eq!(detail.rfi.decline_reason.as_deref(), Some(reason));
        assert_eq!(notified(store, &p.asker).await, ["rfi.declined"]);
        let closed = store.act_on_rfi(&p.asker, rfi.id, RfiAction::Close).await.unwrap();
        assert_eq!(closed.state, RfiState::Closed);
        let stats = store.rfi_statistics(&p.asker).await.unwrap();
        assert_eq!((stats.len(), stats[0].requests, stats[0].declined, stats[0].answered), (1, 1, 1, 0));
    }
}

/// A generated request: who asks whom, its markings and where it got to.
#[derive(Debug, Clone)]
struct Generated {
    requester: usize,
    recipient: Result<usize, usize>,
    classification: u8,
    release_members: BTreeSet<usize>,
    release_groups: BTreeSet<usize>,
    /// 0 open, 1 open and overdue, 2 answered after `hours`, 3 declined.
    fate: u8,
    hours: i64,
}

fn arb_request() -> impl Strategy<Value = Generated> {
    (
        0..MEMBERS.len(),
        prop_oneof![(0..MEMBERS.len()).prop_map(Ok), (0..GROUPS.len()).prop_map(Err)],
        0..4u8,
        proptest::collection::btree_set(0..MEMBERS.len(), 0..2),
        proptest::collection::btree_set(0..GROUPS.len(), 0..2),
        0..4u8,
        1..500i64,
    )
        .prop_map(|(requester, recipient, classification, release_members, release_groups, fate, hours)| {
            // A member does not ask itself.
            let recipient = match recipient {
                Ok(m) if m == requester => Ok((m + 1) % MEMBERS.len()),
                other => other,
            };
            Generated { requester, recipient, classification, release_members, release_groups, fate, hours }
        })
}

/// Who may see a request, stated again from the rule in docs/requests-for-information.md.
fn may_see(g: &Generated, viewer: &Subject) -> bool {
    let group_has = |group: usize, member: &MemberCode| GROUPS[group].1.contains(&member.as_str());
    let content_reader =
        viewer.roles.iter().any(|r| !matches!(r, Role::Auditor | Role::Administrator | Role::FrontLineOfficer));
    let addressed = match g.recipient {
        Ok(m) => MEMBERS[m] == viewer.member.as_str(),
        Err(group) => group_has(group, &viewer.member),
    };
    content_reader
        && viewer.clearance.0 >= g.classification
        && (MEMBERS[g.requester] == viewer.member.as_str()
            || addressed
            || g.release_members.iter().any(|m| MEMBERS[*m] == viewer.member.as_str())
            || g.release_groups.iter().any(|group| group_has(*group, &viewer.member)))
}

/// Per pair: requests, answered, declined, overdue, and the hours each answer took.
type Counted = (u64, u64, u64, u64, Vec<i64>);

async fn seed(db: &TestDb, requests: &[Generated]) -> Vec<Uuid> {
    db.raw("DELETE FROM rfis; DELETE FROM rfi_events; DELETE FROM notifications;").await;
    let mut ids = Vec::new();
    for g in requests {
        let asker = Subject {
            user: Uuid::from_u128(1),
            member: code(MEMBERS[g.requester]),
            organisation: Uuid::from_u128(1),
            roles: BTreeSet::from([Role::Analyst]),
            clearance: Classification(3),
            member_groups: BTreeSet::new(),
        };
        let draft = RfiDraft {
            classification: Classification(g.classification),
            recipient: match g.recipient {
                Ok(m) => Recipient::Member(code(MEMBERS[m])),
                Err(group) => Recipient::Group(GROUPS[group].0.into()),
            },
            release_members: g.release_members.iter().map(|m| code(MEMBERS[*m])).collect(),
            release_groups: g.release_groups.iter().map(|n| GROUPS[*n].0.to_owned()).collect(),
            due_on: if g.fate == 1 { "2020-01-01".into() } else { "2099-01-01".into() },
            ..draft(Recipient::Group("G1".into()))
        };
        let rfi = db.store.create_rfi(&asker, draft).await.unwrap();
        // Where each request got to, written as the steps would have left it.
        let responded = NOW.0 + g.hours * 3_600_000;
        let update = match g.fate {
            2 => format!("state = 'answered', answer_item = '{}', responded_at = {responded}", Uuid::from_u128(9)),
            3 => format!("state = 'declined', decline_reason = 'no records', responded_at = {responded}"),
            _ => "state = 'open'".into(),
        };
        db.raw(&format!("UPDATE rfis SET {update} WHERE id = '{}'", rfi.id)).await;
        ids.push(rfi.id);
    }
    ids
}

#[test]
fn lists_reads_and_statistics_show_exactly_the_visible_requests() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dbs = runtime.block_on(async {
        let dbs = backends_with_groups(NOW).await;
        for db in &dbs {
            for m in MEMBERS {
                let member = Member { code: code(m), name: m.into(), kind: MemberKind::State };
                db.store.upsert_member(&member).await.unwrap();
            }
        }
        dbs
    });
    let cases = if dbs.len() > 1 { 16 } else { 32 };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let (shown, hidden) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    let world = (proptest::collection::vec(arb_request(), 1..20), proptest::collection::vec(arb_subject(), 1..10));
    runner
        .run(&world, |(requests, viewers)| {
            runtime.block_on(async {
                for db in &dbs {
                    let ids = seed(db, &requests).await;
                    for viewer in &viewers {
                        let expected: BTreeSet<Uuid> =
                            ids.iter().zip(&requests).filter(|(_, g)| may_see(g, viewer)).map(|(id, _)| *id).collect();
                        let listed: BTreeSet<Uuid> = db
                            .store
                            .rfis(viewer, &RfiFilter::default())
                            .await
                            .unwrap()
                            .into_iter()
                            .map(|l| l.rfi.id)
                            .collect();
                        prop_assert_eq!(&listed, &expected, "list of {:?} on {}", viewer, db.url);
                        for id in &ids {
                            let read = db.store.read_rfi(viewer, *id).await.is_ok();
                            prop_assert_eq!(read, expected.contains(id), "read of {} by {:?}", id, viewer);
                        }
                        // Statistics: a brute-force count over the visible requests.
                        let mut brute: BTreeMap<(String, String), Counted> = BTreeMap::new();
                        for (_, g) in ids.iter().zip(&requests).filter(|(id, _)| expected.contains(id)) {
                            let to = match g.recipient {
                                Ok(m) => MEMBERS[m].to_owned(),
                                Err(group) => GROUPS[group].0.to_owned(),
                            };
                            let row = brute.entry((MEMBERS[g.requester].to_owned(), to)).or_default();
                            row.0 += 1;
                            match g.fate {
                                1 => row.3 += 1,
                                2 => {
                                    row.1 += 1;
                                    row.4.push(g.hours);
                                }
                                3 => row.2 += 1,
                                _ => {}
                            }
                        }
                        let stats = db.store.rfi_statistics(viewer).await.unwrap();
                        prop_assert_eq!(stats.len(), brute.len());
                        for s in &stats {
                            let (requests, answered, declined, overdue, hours) =
                                brute.get(&(s.from.0.clone(), s.to.clone())).cloned().unwrap_or_default();
                            prop_assert_eq!(
                                (s.requests, s.answered, s.declined, s.overdue),
                                (requests, answered, declined, overdue)
                            );
                            let mut hours = hours;
                            hours.sort_unstable();
                            let median = match hours.len() {
                                0 => None,
                                n if n % 2 == 1 => Some(hours[n / 2]),
                                n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2),
                            };
                            prop_assert_eq!(s.median_hours_to_answer, median, "median of {:?}", hours);
                        }
                        shown.set(shown.get() + expected.len());
                        hidden.set(hidden.get() + ids.len() - expected.len());
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    assert!(shown.get() > 0 && hidden.get() > 0, "shown {} hidden {}", shown.get(), hidden.get());
}
