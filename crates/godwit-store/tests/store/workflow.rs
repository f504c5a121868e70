//! The publication workflow end to end through the store, with the policy applied
//! to reads and lists.

use std::collections::BTreeSet;

use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::{AlertType, Category, ItemContent, ItemDetails, ItemState, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::testing::NOW;
use godwit_domain::user::{Role, Subject};
use godwit_domain::workflow::Action;
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::items::{ItemFilter, Method};
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::harness::backends;

fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

struct Region {
    analyst: Subject,
    officer: Subject,
    police: Subject,
    customs: Subject,
    nzl: Subject,
    ton: Subject,
    police_org: Uuid,
}

fn subject(n: u128, member: &str, org: Uuid, roles: &[Role]) -> Subject {
    Subject {
        user: Uuid::from_u128(n),
        member: code(member),
        organisation: org,
        roles: roles.iter().copied().collect(),
        clearance: Classification(3),
        member_groups: BTreeSet::from(["PIDC".to_owned()]),
    }
}

async fn region(store: &Store) -> Region {
    let orgs = [
        (1, "FJI", AgencyKind::Immigration),
        (2, "FJI", AgencyKind::Police),
        (3, "FJI", AgencyKind::Customs),
        (4, "NZL", AgencyKind::Immigration),
        (5, "TON", AgencyKind::Immigration),
    ];
    for (name, member) in [("Fiji", "FJI"), ("New Zealand", "NZL"), ("Tonga", "TON")] {
        store.upsert_member(&Member { code: code(member), name: name.into(), kind: MemberKind::State }).await.unwrap();
    }
    for (id, member, agency) in orgs {
        store
            .put_organisation(&Organisation {
                id: Uuid::from_u128(id),
                member: code(member),
                name: format!("{member} {}", agency.as_str()),
                agency,
            })
            .await
            .unwrap();
    }
    store
        .put_group(&MemberGroup {
            code: "PIDC".into(),
            name: "PIDC".into(),
            members: vec![code("FJI"), code("NZL"), code("TON")],
        })
        .await
        .unwrap();
    store
        .put_agreement(
            &Agreement {
                id: Uuid::from_u128(99),
                title: "Fiji–New Zealand MoU on document fraud".into(),
                kind: AgreementKind::Bilateral,
                status: AgreementStatus::Active,
                parties: BTreeSet::from([code("FJI"), code("NZL")]),
                categories: BTreeSet::from([Category::DocumentFraud]),
                max_classification: Classification(2),
                personal_data: false,
                third_party_rule: ThirdPartyRule::OriginatorConsent,
                valid_from: NOW.plus_days(-100),
                valid_until: Some(NOW.plus_days(100)),
            },
            AuditEvent::new("agreement.create"),
        )
        .await
        .unwrap();
    Region {
        analyst: subject(10, "FJI", Uuid::from_u128(1), &[Role::Analyst]),
        officer: subject(11, "FJI", Uuid::from_u128(1), &[Role::AuthorisingOfficer]),
        police: subject(12, "FJI", Uuid::from_u128(2), &[Role::Analyst]),
        customs: subject(13, "FJI", Uuid::from_u128(3), &[Role::Analyst]),
        nzl: subject(14, "NZL", Uuid::from_u128(4), &[Role::Analyst]),
        ton: subject(15, "TON", Uuid::from_u128(5), &[Role::Analyst]),
        police_org: Uuid::from_u128(2),
    }
}

fn alert(release: Releasability) -> ItemContent {
    ItemContent {
        title: "Counterfeit passports via Nadi".into(),
        summary: "A series of counterfeit passports".into(),
        body: "Detected at **NAN**.".into(),
        category: Category::DocumentFraud,
        details: ItemDetails::Alert { alert_type: AlertType::DocumentFraud, document: None },
        classification: Classification(2),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release,
        grading: None,
        tags: vec![],
        countries: vec![],
        environment: None,
        valid_from: None,
        valid_until: None,
    }
}

async fn sees(store: &Store, subject: &Subject, id: Uuid) -> bool {
    let listed = store
        .list_items(subject, &ItemFilter { limit: 100, ..Default::default() })
        .await
        .unwrap()
        .items
        .iter()
        .any(|i| i.id == id);
    let read = store.read_item(subject, id, Method::Api).await.is_ok();
    assert_eq!(listed, read, "list and read disagree for {:?}", subject.member);
    read
}

#[tokio::test]
async fn four_eyes_publication_and_release() {
    for db in backends(NOW).await {
        let store = &db.store;
        let r = region(store).await;
        let release = Releasability {
            members: BTreeSet::from([code("NZL")]),
            organisations: BTreeSet::from([r.police_org]),
            ..Default::default()
        };
        let item = store.create_item(&r.analyst, alert(release)).await.unwrap();
        assert_eq!(item.state, ItemState::Draft);
        assert!(sees(store, &r.analyst, item.id).await);
        assert!(!sees(store, &r.officer, item.id).await, "drafts stay with the author");

        store.act_on_item(&r.analyst, item.id, Action::Submit, None, Method::Api).await.unwrap();
        assert!(sees(store, &r.officer, item.id).await, "officers see submitted items");
        assert!(!sees(store, &r.nzl, item.id).await);

        let own_approval = store.act_on_item(&r.analyst, item.id, Action::Approve, None, Method::Api).await;
        assert!(matches!(own_approval, Err(StoreError::Forbidden(_))), "{own_approval:?}");

        let returned = store.act_on_item(&r.officer, item.id, Action::Return, None, Method::Api).await;
        assert!(matches!(returned, Err(StoreError::Invalid(_))), "a return needs a comment");
        store.act_on_item(&r.officer, item.id, Action::Return, Some("add the series"), Method::Api).await.unwrap();
        store.act_on_item(&r.analyst, item.id, Action::Submit, None, Method::Api).await.unwrap();
        let published =
            store.act_on_item(&r.officer, item.id, Action::Approve, Some("good"), Method::Api).await.unwrap();
        assert_eq!(published.state, ItemState::Published);
        assert_eq!(published.approved_by, Some(r.officer.user));

        assert!(sees(store, &r.nzl, item.id).await, "released under an agreement in force");
        assert!(!sees(store, &r.ton, item.id).await, "not released to Tonga");
        assert!(sees(store, &r.police, item.id).await, "released to Fiji's police");
        assert!(!sees(store, &r.customs, item.id).await, "not to Fiji's customs");

        let releases = store
            .audit_records(&AuditQuery { action: Some("release".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(releases.len(), 1);
        assert!(releases[0].detail.contains("NZL"), "{}", releases[0].detail);
        let reads = store
            .audit_records(&AuditQuery { action: Some("item.read".into()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert!(reads.iter().any(|r| r.actor_member.as_deref() == Some("NZL")));

        let history = store.item_history(&r.analyst, item.id).await.unwrap();
        let actions: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["create", "submit", "return", "submit", "approve"]);
        assert!(store.verify_audit().await.unwrap().is_intact());
    }
}

/// Each history entry shows the item as it was after its change, whether its
/// snapshot was written when the item changed again or is the item itself.
#[tokio::test]
async fn history_snapshots_show_each_change() {
    for db in backends(NOW).await {
        let store = &db.store;
        let r = region(store).await;
        let release = Releasability { members: BTreeSet::from([code("NZL")]), ..Default::default() };
        let item = store.create_item(&r.analyst, alert(release.clone())).await.unwrap();
        let mut edited = alert(release);
        edited.title = "Counterfeit passports via Nausori".into();
        store.update_item(&r.analyst, item.id, edited).await.unwrap();
        store.act_on_item(&r.analyst, item.id, Action::Submit, None, Method::Api).await.unwrap();

        let history = store.item_history(&r.analyst, item.id).await.unwrap();
        let shown: Vec<(&str, String, String)> = history
            .iter()
            .map(|entry| {
                let snapshot: serde_json::Value = serde_json::from_str(&entry.snapshot).unwrap();
                let title = snapshot["content"]["title"].as_str().unwrap_or_default().to_owned();
                let state = snapshot["state"].as_str().unwrap_or_default().to_owned();
                (entry.action.as_str(), title, state)
            })
            .collect();
        let (before, after) = ("Counterfeit passports via Nadi", "Counterfeit passports via Nausori");
        assert_eq!(
            shown,
            [
                ("create", before.to_owned(), "draft".to_owned()),
                ("edit", after.to_owned(), "draft".to_owned()),
                ("submit", after.to_owned(), "submitted".to_owned()),
            ]
        );
    }
}

#[tokio::test]
async fn new_versions_supersede_and_withdrawals_recall() {
    for db in backends(NOW).await {
        let store = &db.store;
        let r = region(store).await;
        let release = Releasability { members: BTreeSet::from([code("NZL")]), ..Default::default() };
        let v1 = store.create_item(&r.analyst, alert(release)).await.unwrap();
        store.act_on_item(&r.analyst, v1.id, Action::Submit, None, Method::Api).await.unwrap();
        store.act_on_item(&r.officer, v1.id, Action::Approve, None, Method::Api).await.unwrap();

        let v2 = store.new_item_version(&r.analyst, v1.id).await.unwrap();
        assert_eq!((v2.version, v2.supersedes, v2.state), (2, Some(v1.id), ItemState::Draft));
        assert!(sees(store, &r.nzl, v1.id).await, "v1 stays published until v2 is");
        store.act_on_item(&r.analyst, v2.id, Action::Submit, None, Method::Api).await.unwrap();
        store.act_on_item(&r.officer, v2.id, Action::Approve, None, Method::Api).await.unwrap();
        let old = store.read_item(&r.nzl, v1.id, Method::Api).await.unwrap();
        assert_eq!((old.state, old.superseded_by), (ItemState::Superseded, Some(v2.id)));

        let withdrawn = store.act_on_item(&r.officer, v2.id, Action::Withdraw, None, Method::Api).await;
        assert!(matches!(withdrawn, Err(StoreError::Invalid(_))), "a withdrawal needs a reason");
        store.act_on_item(&r.officer, v2.id, Action::Withdraw, Some("series was genuine"), Method::Api).await.unwrap();
        assert!(!sees(store, &r.nzl, v2.id).await, "withdrawn items leave other members");
        assert!(sees(store, &r.analyst, v2.id).await, "and stay on record at home");
        assert!(matches!(
            store.act_on_item(&r.analyst, v2.id, Action::Submit, None, Method::Api).await,
            Err(StoreError::Conflict(_))
        ));
    }
}

#[tokio::test]
async fn authors_cannot_exceed_their_clearance_or_name_unknown_recipients() {
    for db in backends(NOW).await {
        let store = &db.store;
        let mut r = region(store).await;
        r.analyst.clearance = Classification(1);
        let release = Releasability {
            members: BTreeSet::from([code("XYZ")]),
            groups: BTreeSet::from(["NOPE".into()]),
            ..Default::default()
        };
        let Err(StoreError::Invalid(errors)) = store.create_item(&r.analyst, alert(release)).await else {
            panic!("invalid content accepted");
        };
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["classification", "release/members/0", "release/groups/0"]);
    }
}

#[tokio::test]
async fn attachments_are_sniffed_hashed_and_their_downloads_audited() {
    for db in backends(NOW).await {
        let store = &db.store;
        let r = region(store).await;
        let release = Releasability { members: BTreeSet::from([code("NZL")]), ..Default::default() };
        let item = store.create_item(&r.analyst, alert(release)).await.unwrap();
        let meta =
            store.add_attachment(&r.analyst, item.id, "../../etc/specimen.pdf", b"%PDF-1.7 specimen").await.unwrap();
        assert_eq!((meta.filename.as_str(), meta.content_type.as_str()), ("specimen.pdf", "application/pdf"));
        assert_eq!(meta.sha256.len(), 64);
        assert!(
            store.download_attachment(&r.nzl, item.id, meta.id, Method::Api).await.is_err(),
            "not before publication"
        );
        store.act_on_item(&r.analyst, item.id, Action::Submit, None, Method::Api).await.unwrap();
        store.act_on_item(&r.officer, item.id, Action::Approve, None, Method::Api).await.unwrap();
        let (_, bytes) = store.download_attachment(&r.nzl, item.id, meta.id, Method::Api).await.unwrap();
        assert_eq!(bytes, b"%PDF-1.7 specimen");
        assert!(store.download_attachment(&r.ton, item.id, meta.id, Method::Api).await.is_err());
        let downloads = store
            .audit_records(&AuditQuery { action: Some("attachment.download".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(downloads.len(), 1);
    }
}
