//! Annual threat assessments through the store, on both backends: what its
//! authors cite and which registers it draws on go in only when every member
//! it reaches may read them; who opens and who edits it; every version kept;
//! a change to an old version refused; reads and changes audited.

use std::collections::BTreeSet;

use godwit_domain::assessment::{AssessmentDraft, Audience};
use godwit_domain::item::{Category, ItemContent, ItemDetails, Releasability, ReportLevel};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::testing::NOW;
use godwit_domain::threat::RegisterSettings;
use godwit_domain::user::{Role, Subject};
use godwit_domain::workflow::Action;
use godwit_store::audit::AuditQuery;
use godwit_store::items::Method;
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::harness::backends;
use crate::rfis::{People, code, person, region};

/// A report of Fiji in `category`, published with four eyes, released to
/// Fiji itself and to `members` and `groups`.
async fn report(store: &Store, p: &People, category: Category, members: &[&str], groups: &[&str]) -> Uuid {
    let details = ItemDetails::IntelligenceReport { level: ReportLevel::Strategic };
    published(store, p, category, details, members, groups).await
}

/// An item of Fiji with `details` in `category`, published with four eyes,
/// released to Fiji itself and to `members` and `groups`.
pub(crate) async fn published(
    store: &Store,
    p: &People,
    category: Category,
    details: ItemDetails,
    members: &[&str],
    groups: &[&str],
) -> Uuid {
    let mut release: BTreeSet<_> = members.iter().map(|m| code(m)).collect();
    release.insert(code("FJI"));
    let content = ItemContent {
        title: format!("{} on the south coast", category.as_str()),
        summary: String::new(),
        body: "Departures rose.".into(),
        category,
        details,
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        caveats: Caveats::default(),
        release: Releasability {
            members: release,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            ..Default::default()
        },
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

fn for_pidc(reports: Vec<Uuid>) -> AssessmentDraft {
    let audience = Audience { members: BTreeSet::new(), groups: BTreeSet::from(["PIDC".to_owned()]) };
    // Unclassified and TLP:CLEAR, so that no agreement is needed to open it.
    AssessmentDraft {
        reports,
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        ..AssessmentDraft::new(2026, "Regional threat assessment 2026", audience)
    }
}

/// Opens `who`'s member's register, unclassified, released to `groups`.
async fn register(store: &Store, who: &Subject, groups: &[&str]) {
    let settings = RegisterSettings {
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        release: Releasability { groups: groups.iter().map(|g| (*g).to_owned()).collect(), ..Default::default() },
        ..RegisterSettings::new(format!("{} register", who.member))
    };
    store.create_threat_register(who, settings).await.unwrap();
}

#[tokio::test]
async fn an_assessment_holds_only_what_every_member_it_reaches_may_read() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        let nzl_officer = person(store, 11, "NZL", Role::AuthorisingOfficer, &["PIDC"]).await;
        let aus_officer = person(store, 41, "AUS", Role::AuthorisingOfficer, &[]).await;
        register(store, &p.fiji_officer, &["PIDC"]).await;
        register(store, &nzl_officer, &[]).await; // New Zealand's stays at home.
        register(store, &aus_officer, &["PIDC"]).await; // Australia is not in PIDC, but releases to it.
        let to_pidc = report(store, &p, Category::PeopleSmuggling, &[], &["PIDC"]).await;
        let to_nzl = report(store, &p, Category::TraffickingInPersons, &["NZL"], &[]).await;
        let off_topic = report(store, &p, Category::DocumentFraud, &[], &["PIDC"]).await;

        // Only published reports on the three subjects that the author may read are cited.
        for bad in [off_topic, Uuid::from_u128(77)] {
            let refused = store.create_document(&p.fiji_analyst, for_pidc(vec![bad])).await;
            assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
        }
        let nobody = AssessmentDraft { audience: Audience::default(), ..for_pidc(vec![]) };
        assert!(matches!(store.create_document(&p.fiji_analyst, nobody).await, Err(StoreError::Invalid(_))));
        let created = store.create_document(&p.fiji_analyst, for_pidc(vec![to_pidc, to_nzl])).await.unwrap();

        let doc = store.assemble_assessment(&p.fiji_analyst, created.id).await.unwrap();
        assert_eq!(doc.reaches, [code("FJI"), code("NZL"), code("TON")]);
        let cited: Vec<Uuid> = doc.reports.iter().map(|i| i.id).collect();
        assert_eq!(cited, [to_pidc], "Tonga may not read the report released to New Zealand");
        let registers: Vec<_> = doc.registers.iter().map(|r| r.member.clone()).collect();
        assert_eq!(registers, [code("AUS"), code("FJI")], "New Zealand's register is not released to PIDC");
        assert_eq!(doc.picture.members, registers);
        let left_out = doc.left_out.expect("its author learns what was left out");
        assert_eq!(left_out.reports.iter().map(|i| i.id).collect::<Vec<_>>(), [to_nzl]);
        assert!(doc.marking.classification >= created.draft.classification);

        // New Zealand and Tonga open it and read the same document; Australia does not.
        for reader in [&p.asker, &p.tonga_nfp] {
            let theirs = store.assemble_assessment(reader, created.id).await.unwrap();
            assert_eq!(theirs.reports.iter().map(|i| i.id).collect::<Vec<_>>(), cited);
            assert!(theirs.left_out.is_none());
        }
        assert!(matches!(store.assemble_assessment(&p.australia, created.id).await, Err(StoreError::NotFound(_))));
        assert!(store.documents::<AssessmentDraft>(&p.australia).await.unwrap().is_empty());
        let by_reader = store.update_document(&p.asker, created.id, 1, for_pidc(vec![])).await;
        assert!(matches!(by_reader, Err(StoreError::Forbidden(_))), "{by_reader:?}");

        // Every version is kept; a change to an old one is refused.
        let mut change = for_pidc(vec![to_pidc]);
        change.executive_summary = "Smuggling by sea rose.".into();
        let saved = store.update_document(&p.fiji_officer, created.id, 1, change.clone()).await.unwrap();
        assert_eq!(saved.version, 2);
        let stale = store.update_document(&p.fiji_analyst, created.id, 1, change).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        let history = store.document_history::<AssessmentDraft>(&p.tonga_nfp, created.id).await.unwrap();
        let versions: Vec<(u32, usize)> = history.iter().map(|v| (v.version, v.draft.reports.len())).collect();
        assert_eq!(versions, [(2, 1), (1, 2)]);

        store
            .record_assessment_export(&p.fiji_analyst, &doc_of(store, &p, created.id).await, "pdf", "PIDC meeting")
            .await
            .unwrap();
        let actions: Vec<String> = store
            .audit_records(&AuditQuery { limit: 500, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| a.starts_with("assessment."))
            .collect();
        for action in ["assessment.create", "assessment.update", "assessment.export"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }
        assert!(store.verify_audit().await.unwrap().is_intact());
    }
}

async fn doc_of(store: &Store, p: &People, id: Uuid) -> godwit_store::assessments::AssembledAssessment {
    store.assemble_assessment(&p.fiji_analyst, id).await.unwrap()
}
