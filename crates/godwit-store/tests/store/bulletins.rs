//! Bulletins through the store, on both backends: an item published in the
//! period goes in only when every member the bulletin reaches may read it,
//! and only under its edition's kinds; its editors learn what was left out;
//! who opens and who edits it; every version kept; a change to an old
//! version refused; creation, changes and distribution audited.

use std::collections::BTreeSet;

use godwit_domain::bulletin::{BulletinDraft, Edition, Month};
use godwit_domain::item::{Category, ItemDetails, ItemKind, ReportLevel};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::Audience;
use godwit_domain::testing::NOW;
use godwit_store::StoreError;
use godwit_store::audit::AuditQuery;
use uuid::Uuid;

use crate::assessments::published;
use crate::harness::backends;
use crate::rfis::{code, region};

/// The monthly intelligence bulletin of `month` for PIDC, unclassified and
/// TLP:CLEAR so that no agreement is needed to open it.
fn for_pidc(edition: Edition, month: &str) -> BulletinDraft {
    let audience = Audience { members: BTreeSet::new(), groups: BTreeSet::from(["PIDC".to_owned()]) };
    let month = Month::parse(month).unwrap();
    BulletinDraft {
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        ..BulletinDraft::new(edition, month, audience)
    }
}

fn report() -> ItemDetails {
    ItemDetails::IntelligenceReport { level: ReportLevel::Tactical }
}

#[tokio::test]
async fn a_bulletin_holds_only_what_every_member_it_reaches_may_read() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        // Published now, in January 2027.
        let to_pidc = published(store, &p, Category::PeopleSmuggling, report(), &[], &["PIDC"]).await;
        let to_nzl = published(store, &p, Category::TraffickingInPersons, report(), &["NZL"], &[]).await;
        let library = ItemDetails::LibraryDocument { document_type: "SOP".into() };
        let sop = published(store, &p, Category::BorderManagement, library, &[], &["PIDC"]).await;

        let nobody =
            BulletinDraft { audience: Audience::default(), ..for_pidc(Edition::MonthlyIntelligence, "2027-01") };
        assert!(matches!(store.create_document(&p.fiji_analyst, nobody).await, Err(StoreError::Invalid(_))));
        let created =
            store.create_document(&p.fiji_analyst, for_pidc(Edition::MonthlyIntelligence, "2027-01")).await.unwrap();

        let doc = store.assemble_bulletin(&p.fiji_analyst, created.id).await.unwrap();
        assert_eq!(doc.reaches, [code("FJI"), code("NZL"), code("TON")]);
        assert_eq!(doc.period, "January 2027");
        let kinds: Vec<ItemKind> = doc.sections.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [ItemKind::Alert, ItemKind::IntelligenceReport]);
        let held: Vec<Uuid> = doc.items().map(|i| i.id).collect();
        assert_eq!(held, [to_pidc], "Tonga may not read the report released to New Zealand; an SOP is information");
        let left_out: Vec<Uuid> =
            doc.left_out.as_ref().expect("its editor learns what was left out").iter().map(|i| i.id).collect();
        assert_eq!(left_out, [to_nzl]);

        // The information bulletin of January–February holds the SOP; December's holds nothing.
        let information =
            store.create_document(&p.fiji_analyst, for_pidc(Edition::BimonthlyInformation, "2027-02")).await.unwrap();
        assert_eq!(information.draft.period, Month::parse("2027-01").unwrap());
        let info = store.assemble_bulletin(&p.tonga_nfp, information.id).await.unwrap();
        assert_eq!(info.items().map(|i| i.id).collect::<Vec<_>>(), [sop]);
        let december =
            store.create_document(&p.fiji_analyst, for_pidc(Edition::MonthlyIntelligence, "2026-12")).await.unwrap();
        assert_eq!(store.assemble_bulletin(&p.fiji_analyst, december.id).await.unwrap().items().count(), 0);

        // New Zealand and Tonga open it and read the same bulletin; Australia does not.
        for reader in [&p.asker, &p.tonga_nfp] {
            let theirs = store.assemble_bulletin(reader, created.id).await.unwrap();
            assert_eq!(theirs.items().map(|i| i.id).collect::<Vec<_>>(), held);
            assert!(theirs.left_out.is_none());
        }
        assert!(matches!(store.assemble_bulletin(&p.australia, created.id).await, Err(StoreError::NotFound(_))));
        let by_reader =
            store.update_document(&p.asker, created.id, 1, for_pidc(Edition::MonthlyIntelligence, "2027-01")).await;
        assert!(matches!(by_reader, Err(StoreError::Forbidden(_))), "{by_reader:?}");

        // The foreword is edited; every version is kept; a change to an old one is refused.
        let mut change = for_pidc(Edition::MonthlyIntelligence, "2027-01");
        change.foreword = "Smuggling by sea rose.".into();
        let saved = store.update_document(&p.fiji_officer, created.id, 1, change.clone()).await.unwrap();
        assert_eq!((saved.version, saved.draft.foreword.as_str()), (2, "Smuggling by sea rose."));
        let stale = store.update_document(&p.fiji_analyst, created.id, 1, change).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        let history = store.document_history::<BulletinDraft>(&p.tonga_nfp, created.id).await.unwrap();
        assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);

        // Distribution needs a reason, and is audited with its recipients.
        let doc = store.assemble_bulletin(&p.fiji_analyst, created.id).await.unwrap();
        let no_reason = store.record_bulletin_distribution(&p.fiji_analyst, &doc, "pdf", " ").await;
        assert!(matches!(no_reason, Err(StoreError::Invalid(_))), "{no_reason:?}");
        store.record_bulletin_distribution(&p.fiji_analyst, &doc, "pdf", "PIDC monthly").await.unwrap();
        let records = store.audit_records(&AuditQuery { limit: 500, ..Default::default() }).await.unwrap();
        let actions: Vec<&str> =
            records.iter().map(|r| r.action.as_str()).filter(|a| a.starts_with("bulletin.")).collect();
        for action in ["bulletin.create", "bulletin.update", "bulletin.distribute"] {
            assert!(actions.contains(&action), "{action} not audited: {actions:?}");
        }
        let distributed = records.iter().find(|r| r.action == "bulletin.distribute").unwrap();
        let detail: serde_json::Value = serde_json::from_str(&distributed.detail).unwrap();
        assert_eq!(detail["recipients"], serde_json::json!(["FJI", "NZL", "TON"]));
        assert_eq!(detail["method"], "pdf");
        assert_eq!(detail["reason"], "PIDC monthly");
        assert_eq!(detail["items"], serde_json::json!([to_pidc]));
        assert!(store.verify_audit().await.unwrap().is_intact());
    }
}
