//! TOTP secrets at rest: sealed under the node's secret key, plaintext left
//! by an earlier version sealed in place when the key arrives, a wrong key
//! refused with a clear error.

use godwit_domain::Timestamp;
use godwit_store::audit::AuditEvent;
use godwit_store::secret_key::SecretKey;
use godwit_store::{Store, StoreError};
use sqlx::Connection;

use crate::harness::{backends, user};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Every stored TOTP secret, read behind the store's back.
async fn stored_secrets(url: &str) -> Vec<String> {
    const SQL: &str = "SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id";
    let rows: Vec<(String,)> = if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(SQL).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(SQL).fetch_all(&mut conn).await.unwrap()
    };
    rows.into_iter().map(|(s,)| s).collect()
}

#[tokio::test]
async fn totp_secrets_are_sealed_at_rest_and_plaintext_ones_are_sealed_on_upgrade() {
    for db in backends(Timestamp(1_793_491_200_000)).await {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("secret.key");
        let store = db.store.clone().with_secret_key(SecretKey::load_or_create(&key_file).unwrap()).await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let sealed = user(&store, 1).await;
        store.set_totp(sealed.id, Some(SECRET), true, AuditEvent::new("totp.enrol")).await.unwrap();
        // A secret stored in the clear, as before this version.
        let legacy = user(&store, 2).await;
        db.raw(&format!("UPDATE users SET totp_secret = '{SECRET}' WHERE id = '{}'", legacy.id)).await;

        // The key comes back from its file; opening seals the plaintext one.
        let reopened = Store::open(&db.url).await.unwrap();
        let reopened = reopened.with_secret_key(SecretKey::load_or_create(&key_file).unwrap()).await.unwrap();
        let stored = stored_secrets(&db.url).await;
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|s| s.starts_with("v1:") && !s.contains(SECRET)), "{stored:?}");
        assert_ne!(stored[0], stored[1], "a fresh nonce for each");
        for id in [sealed.id, legacy.id] {
            assert_eq!(reopened.user(id).await.unwrap().totp_secret.as_deref(), Some(SECRET));
        }

        // Another key: the store refuses to open, saying why.
        let wrong = Store::open(&db.url).await.unwrap().with_secret_key(SecretKey::generate().unwrap()).await;
        let Err(StoreError::SecretKey(why)) = wrong else { panic!("a wrong key was accepted") };
        assert!(why.contains("does not open with this node's key"), "{why}");
        // And a store without a key stores no secret at all.
        let keyless = Store::open(&db.url).await.unwrap();
        let refused = keyless.set_totp(sealed.id, Some(SECRET), true, AuditEvent::new("totp.enrol")).await;
        assert!(matches!(refused, Err(StoreError::SecretKey(_))), "{refused:?}");
    }
}

#[test]
fn a_malformed_key_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.key");
    std::fs::write(&path, "not a key\n").unwrap();
    let error = SecretKey::load_or_create(&path).unwrap_err().to_string();
    assert!(error.contains("does not hold a key"), "{error}");
}

/// `path.old`, where a rotation keeps the old key until it commits.
fn old_key_file(path: &std::path::Path) -> std::path::PathBuf {
    path.with_extension("key.old")
}

#[tokio::test]
async fn rotating_the_secret_key_reseals_every_secret_in_one_audited_transaction() {
    const OTHER: &str = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF";
    for db in backends(Timestamp(1_793_491_200_000)).await {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("secret.key");
        let store = db.store.clone().with_secret_key(SecretKey::load_or_create(&key_file).unwrap()).await.unwrap();
        let (a, b) = (user(&store, 1).await, user(&store, 2).await);
        store.set_totp(a.id, Some(SECRET), true, AuditEvent::new("totp.enrol")).await.unwrap();
        store.set_totp(b.id, Some(OTHER), true, AuditEvent::new("totp.enrol")).await.unwrap();
        let (old_key, before) = (std::fs::read(&key_file).unwrap(), stored_secrets(&db.url).await);

        let event = AuditEvent::new("secret_key.rotate").with(serde_json::json!({ "via": "test" }));
        let (rotated, resealed) = store.rotate_secret_key(&key_file, event).await.unwrap();
        assert_eq!(resealed, 2);
        assert_ne!(std::fs::read(&key_file).unwrap(), old_key, "a new key in the file");
        assert!(!old_key_file(&key_file).exists(), "the old key is deleted once the rotation commits");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let after = stored_secrets(&db.url).await;
        assert!(after.iter().all(|s| s.starts_with("v1:") && !before.contains(s)), "{before:?} {after:?}");
        assert_eq!(rotated.user(a.id).await.unwrap().totp_secret.as_deref(), Some(SECRET));

        // A node started with the new file opens both; one with the old key opens none.
        let fresh = Store::open(&db.url).await.unwrap().with_secret_key(SecretKey::load(&key_file).unwrap()).await;
        let fresh = fresh.unwrap();
        assert_eq!(fresh.user(b.id).await.unwrap().totp_secret.as_deref(), Some(OTHER));
        let old_file = dir.path().join("previous.key");
        std::fs::write(&old_file, &old_key).unwrap();
        let stale = Store::open(&db.url).await.unwrap().with_secret_key(SecretKey::load(&old_file).unwrap()).await;
        assert!(matches!(stale, Err(StoreError::SecretKey(_))), "the old key opens nothing");

        // Recorded in the chain, with the count.
        let query = godwit_store::audit::AuditQuery {
            action: Some("secret_key.rotate".into()),
            limit: 10,
            ..Default::default()
        };
        let records = fresh.audit_records(&query).await.unwrap();
        assert_eq!(records.len(), 1);
        let detail: serde_json::Value = serde_json::from_str(&records[0].detail).unwrap();
        assert_eq!(detail, serde_json::json!({ "via": "test", "resealed": 2 }));
        assert!(fresh.verify_audit().await.unwrap().first_broken.is_none());

        // A secret that does not open stops the rotation before its commit:
        // the database and the key file are as they were.
        let key_now = std::fs::read(&key_file).unwrap();
        db.raw(&format!("UPDATE users SET totp_secret = 'v1:AAAA' WHERE id = '{}'", b.id)).await;
        let secrets_now = stored_secrets(&db.url).await;
        let failed = fresh.clone().rotate_secret_key(&key_file, AuditEvent::new("secret_key.rotate")).await;
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&key_file).unwrap(), key_now);
        assert!(!old_key_file(&key_file).exists());
        assert_eq!(stored_secrets(&db.url).await, secrets_now);

        // The old key left by a rotation that stopped half-way is never overwritten.
        std::fs::write(old_key_file(&key_file), &old_key).unwrap();
        let unfinished = fresh.rotate_secret_key(&key_file, AuditEvent::new("secret_key.rotate")).await;
        let Err(StoreError::SecretKey(why)) = unfinished else { panic!("rotated over an unfinished rotation") };
        assert!(why.contains("did not finish"), "{why}");
        assert_eq!(std::fs::read(old_key_file(&key_file)).unwrap(), old_key);
    }
}
