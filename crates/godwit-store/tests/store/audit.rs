//! The audit chain names the first broken record after tampering with raw SQL.

use godwit_domain::testing::NOW;
use godwit_store::audit::AuditEvent;

use crate::harness::{TestDb, backends};

async fn seeded() -> Vec<TestDb> {
    let dbs = backends(NOW).await;
    for db in &dbs {
        for n in 0..6 {
            db.store.record(&[AuditEvent::new("test.event").on(n)]).await.unwrap();
        }
        let report = db.store.verify_audit().await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.records, 6);
    }
    dbs
}

async fn first_broken(db: &TestDb) -> i64 {
    db.store.verify_audit().await.unwrap().first_broken.expect("tampering is detected").seq
}

#[tokio::test]
async fn a_changed_record_is_named() {
    for db in seeded().await {
        db.raw("UPDATE audit SET detail = '{\"forged\":true}' WHERE seq = 3").await;
        assert_eq!(first_broken(&db).await, 3);
    }
}

#[tokio::test]
async fn a_deleted_record_is_named() {
    for db in seeded().await {
        db.raw("DELETE FROM audit WHERE seq = 2").await;
        assert_eq!(first_broken(&db).await, 2);
    }
}

#[tokio::test]
async fn reordered_records_are_named() {
    for db in seeded().await {
        db.raw("UPDATE audit SET seq = -4 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -4").await;
        assert_eq!(first_broken(&db).await, 4);
    }
}

#[tokio::test]
async fn records_cut_from_the_end_are_noticed() {
    for db in seeded().await {
        db.raw("DELETE FROM audit WHERE seq = 6").await;
        assert_eq!(first_broken(&db).await, 6);
    }
}

#[tokio::test]
async fn a_rehashed_forgery_still_breaks_the_next_link() {
    for db in seeded().await {
        // The forger recomputes record 2's hash but cannot fix record 3's prev_hash
        // without rewriting everything after it.
        let mut record =
            db.store.audit_records(&godwit_store::audit::AuditQuery { limit: 10, ..Default::default() }).await.unwrap()
                [1]
            .clone();
        record.action = "forged".into();
        let hash = record.compute_hash();
        db.raw(&format!("UPDATE audit SET action = 'forged', hash = '{hash}' WHERE seq = 2")).await;
        assert_eq!(first_broken(&db).await, 3);
    }
}
