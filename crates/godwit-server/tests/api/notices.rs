//! Notices of early warning and collection plans (issue 4, points 6b and 7),
//! delivered by the notifier as saved searches' notifications are:
//!
//! - a displacement that new records create reaches, once, every analysing
//!   user who may read both records, by portal and by the channels they chose,
//!   audited; not a user who may read only one of them, whose notifications
//!   never name the record kept from them;
//! - requirements: their requesting members are told when one is set or
//!   changed, reminded as it falls due and when overdue (once per due date);
//!   the person who set one is told of a link only when they may read the item;
//! - item pages and the item API show the requirements an item is linked to,
//!   those the viewer sees.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use godwit_server::ServerConfig;
use godwit_server::config::{SmtpConfig, SmtpTls};
use godwit_server::notify::{Notifier, Run};
use godwit_store::audit::{AuditQuery, AuditRecord};
use godwit_store::notices::NoticeKind;
use godwit_store::subscriptions::Notification;
use serde_json::{Value, json};

use crate::harness::{Node, nodes_with};
use crate::saved_searches::{receiver, smtp_sink};

fn notifier(node: &Node) -> Notifier {
    Notifier::new(node.store.clone(), node.search.clone(), Arc::new(ServerConfig::default()))
}

/// A document-fraud record of `date` using `document` (type, issuing state, fraud type), released to `release`.
fn record(title: &str, date: &str, document: (&str, &str, &str), release: &[&str]) -> Value {
    json!({
        "title": title,
        "category": "document_fraud",
        "details": {
            "kind": "incident_record",
            "occurred_on": date,
            "persons": 1,
            "profile": [{ "nationality": "LKA", "count": 1 }],
            "documents": [{ "document_type": document.0, "issuing_state": document.1, "fraud_type": document.2 }]
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": release }
    })
}

/// Every notification of `user`, newest first, as the API lists them.
async fn notifications(node: &Node, user: &str) -> Vec<Value> {
    let token = node.login(user).await;
    let list = node.call(Method::GET, "/api/v1/notifications?limit=200", Some(&token), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    list.json["notifications"].as_array().unwrap().clone()
}

/// The notifications of `kind` of `user`, newest first, from the store (some
/// roles must enrol a second factor before they may use the API).
async fn stored(node: &Node, user: &str, kind: NoticeKind) -> Vec<Notification> {
    let record = node.store.user_by_username(user).await.unwrap().unwrap();
    let mut list = node.store.notifications_of(record.user.id, false, 200).await.unwrap();
    list.retain(|n| n.kind == kind);
    list
}

/// The audit records of `action`.
async fn audited(node: &Node, action: &str) -> Vec<AuditRecord> {
    let query = AuditQuery { action: Some(action.into()), limit: 100, ..Default::default() };
    node.store.audit_records(&query).await.unwrap()
}

fn of_kind(list: &[Value], kind: &str) -> Vec<Value> {
    list.iter().filter(|n| n["kind"] == kind).cloned().collect()
}

fn nodes() -> impl std::future::Future<Output = Vec<Node>> {
    nodes_with(ServerConfig { login_attempts_per_minute: 1_000, ..ServerConfig::default() })
}

#[tokio::test]
async fn a_displacement_is_notified_once_to_readers_of_both_records() {
    for node in nodes().await {
        let notifier = notifier(&node);
        // The pass starts following the outbox from here.
        notifier.run_once().await.unwrap();
        let (hook, posts) = receiver().await;
        let nzl = node.login("ana.nzl").await;
        let set = json!({ "notify_email": false, "webhook_url": hook });
        let saved = node.call(Method::PUT, "/api/v1/notifications/channels", Some(&nzl), Some(set)).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);

        let (ana_fji, officer_fji) = (node.login("ana.fji").await, node.login("officer.fji").await);
        let officer_nzl = node.login("officer.nzl").await;
        const PASSPORT: (&str, &str, &str) = ("passport", "NZL", "counterfeit");
        const VISA: (&str, &str, &str) = ("visa", "AUS", "forged");
        // Fiji told New Zealand of the passport scheme in March, kept the visa
        // scheme of April to itself; New Zealand saw both in October and told Fiji.
        let fji_passport =
            node.publish(&ana_fji, &officer_fji, record("Passports at Nadi", "2026-03-10", PASSPORT, &["NZL"])).await;
        let fji_visa =
            node.publish(&ana_fji, &officer_fji, record("Kept visas at Nadi", "2026-04-05", VISA, &[])).await;
        let nzl_passport =
            node.publish(&nzl, &officer_nzl, record("Passports at Auckland", "2026-10-02", PASSPORT, &["FJI"])).await;
        let nzl_visa =
            node.publish(&nzl, &officer_nzl, record("Visas at Auckland", "2026-10-05", VISA, &["FJI"])).await;

        // Two processes at once: each pair once per reader.
        let other = notifier.clone();
        let (a, b) = tokio::join!(notifier.run_once(), other.run_once());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(notifier.run_once().await.unwrap(), Run::default(), "nothing new");
        let mut recorded = 0;
        for user in node.store.users(None).await.unwrap() {
            let mut pairs: Vec<_> =
                stored(&node, &user.username, NoticeKind::Displacement).await.iter().map(|n| n.item_id).collect();
            let all = pairs.len();
            pairs.sort_unstable();
            pairs.dedup();
            assert_eq!(pairs.len(), all, "{}: a pair twice", user.username);
            recorded += all as u64;
        }
        assert_eq!(a.notified + b.notified, recorded, "{a:?} {b:?}");

        // Fiji's analysts read all four records: both schemes.
        let fiji = of_kind(&notifications(&node, "ana.fji").await, "displacement");
        let mut about: Vec<&str> = fiji.iter().map(|n| n["item_id"].as_str().unwrap()).collect();
        about.sort_unstable();
        let mut expected = vec![nzl_passport.as_str(), nzl_visa.as_str()];
        expected.sort_unstable();
        assert_eq!(about, expected, "{fiji:?}");
        let visa = fiji.iter().find(|n| n["item_id"] == nzl_visa.as_str()).unwrap();
        assert!(visa["title"].as_str().unwrap().contains("Kept visas at Nadi"), "{visa}");
        assert_eq!(visa["url"], format!("/items/{nzl_visa}"));
        assert_eq!(stored(&node, "officer.fji", NoticeKind::Displacement).await.len(), 2);

        // New Zealand may not read Fiji's visa record: only the passport scheme
        // (whose first record it reads), and nothing of the record kept from it.
        let theirs = notifications(&node, "ana.nzl").await;
        let displaced = of_kind(&theirs, "displacement");
        assert_eq!(displaced.len(), 1, "{theirs:?}");
        let title = displaced[0]["title"].as_str().unwrap();
        assert!(title.contains("Passports at Nadi") && title.contains("Passports at Auckland"), "{title}");
        assert_eq!(displaced[0]["item_id"], nzl_passport.as_str());
        assert!(!fji_passport.is_empty());
        let all = serde_json::to_string(&theirs).unwrap();
        assert!(!all.contains("Kept visas") && !all.contains(&fji_visa), "{all}");

        // Tonga reads none of the records; the administrator analyses nothing.
        for user in ["ana.ton", "nfp.ton", "admin.fji", "auditor.fji", "border.fji"] {
            assert!(stored(&node, user, NoticeKind::Displacement).await.is_empty(), "{user}");
        }

        // New Zealand's webhook got its one notice, audited without the secret.
        let sent = posts.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0]["kind"], "displacement");
        assert_eq!(sent[0]["item_id"], nzl_passport.as_str());
        assert!(!sent[0].to_string().contains("Kept visas"));
        let records = audited(&node, "notification.deliver").await;
        assert_eq!(records.len(), 1, "{records:?}");
        let detail = &records[0].detail;
        assert!(detail.contains("\"kind\":\"displacement\"") && !detail.contains("s3cret"), "{detail}");

        // The bell counts them.
        let session = node.portal_login("ana.nzl").await;
        let page = node.page(&session, "/notifications").await.text();
        assert!(page.contains("Early warning") && page.contains(&format!("/items/{nzl_passport}")), "{page}");
    }
}

fn requirement(reference: &str, due_on: &str) -> Value {
    json!({
        "reference": reference,
        "question": "Which routes do Sri Lankan nationals take towards New Zealand?",
        "priority": "high",
        "indicators": ["transit through Singapore"],
        "due_on": due_on,
        "requesting_members": ["NZL"],
        "release_members": ["FJI"]
    })
}

/// Titles of `user`'s requirement notices, oldest first.
async fn requirement_titles(node: &Node, user: &str) -> Vec<String> {
    let mut titles: Vec<String> =
        stored(node, user, NoticeKind::Requirement).await.into_iter().map(|n| n.title).collect();
    titles.reverse();
    titles
}

#[tokio::test]
async fn requirements_notify_their_requesters_remind_them_and_tell_the_owner_of_links() {
    for node in nodes().await {
        // New Zealand's analyst takes notices by email too.
        let (port, mails) = smtp_sink().await;
        let smtp = SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            from: "Godwit <godwit@example.org>".into(),
            username: None,
            password: None,
            tls: SmtpTls::None,
        };
        let config = ServerConfig { smtp: Some(smtp), ..ServerConfig::default() };
        let notifier = Notifier::new(node.store.clone(), node.search.clone(), Arc::new(config));
        let by_email = json!({ "notify_email": true });
        let nzl = node.login("ana.nzl").await;
        let chosen = node.call(Method::PUT, "/api/v1/notifications/channels", Some(&nzl), Some(by_email)).await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.json);
        let sec = node.login("sec.pidc").await;
        // Due in four days (the clock stands at 2026-11-01).
        let created = node
            .call(Method::POST, "/api/v1/requirements", Some(&sec), Some(requirement("PIDC-7", "2026-11-05")))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();

        // New Zealand requested it: its users who see it are told, by the bell.
        let nzl = requirement_titles(&node, "ana.nzl").await;
        assert_eq!(nzl.len(), 1, "{nzl:?}");
        assert_eq!(requirement_titles(&node, "nfp.nzl").await, nzl);
        assert!(nzl[0].starts_with("New requirement PIDC-7 (high priority, due 2026-11-05)"), "{nzl:?}");
        let listed = of_kind(&notifications(&node, "ana.nzl").await, "requirement");
        assert_eq!(listed[0]["url"], format!("/plans/{id}"));
        // Fiji collects against it but did not request it; the secretariat set it;
        // Tonga does not see it; the auditor and front line read no requirement.
        for user in ["ana.fji", "sec.pidc", "ana.ton", "auditor.fji", "border.fji"] {
            assert!(requirement_titles(&node, user).await.is_empty(), "{user}");
        }

        // Falling due: New Zealand and the secretariat's management are reminded, once.
        // Four users of New Zealand and the secretariat's focal point; the
        // analyst's emails of the new requirement and of the reminder go.
        let run = notifier.run_once().await.unwrap();
        assert_eq!(run, Run { notified: 5, delivered: 2, failed: 0 });
        let sent = mails.lock().unwrap().clone();
        assert!(sent.iter().all(|m| m.contains("To: ana.nzl@example.org") && m.contains(&id)), "{sent:?}");
        assert!(sent.iter().all(|m| m.contains("Subject: Godwit: collection plan")), "{sent:?}");
        assert_eq!(notifier.run_once().await.unwrap(), Run::default());
        assert_eq!(
            requirement_titles(&node, "ana.nzl").await[1],
            "Requirement PIDC-7 is due on 2026-11-05: Which routes do Sri Lankan nationals take towards New Zealand?"
        );
        assert_eq!(requirement_titles(&node, "sec.pidc").await.len(), 1);
        assert!(requirement_titles(&node, "ana.fji").await.is_empty());

        // Moved back to October: a change, then overdue.
        let path = format!("/api/v1/requirements/{id}");
        let moved = node.call(Method::PUT, &path, Some(&sec), Some(requirement("PIDC-7", "2026-10-25"))).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.json);
        assert_eq!(notifier.run_once().await.unwrap(), Run { notified: 5, delivered: 2, failed: 0 });
        let nzl = requirement_titles(&node, "ana.nzl").await;
        assert_eq!(nzl.len(), 4, "{nzl:?}");
        assert!(nzl[2].starts_with("Requirement PIDC-7 changed (open, due 2026-10-25)"), "{nzl:?}");
        assert!(nzl[3].starts_with("Requirement PIDC-7 is overdue (due 2026-10-25)"), "{nzl:?}");
        assert_eq!(notifier.run_once().await.unwrap(), Run::default());

        // Fiji links a record the secretariat may read (unclassified, TLP:CLEAR,
        // released to it) and one it may not: the secretariat hears of the first only.
        let mut open = record("Open record", "2026-10-14", ("passport", "NZL", "counterfeit"), &["PIDCSEC", "TON"]);
        open["classification"] = json!(0);
        open["tlp"] = json!("CLEAR");
        let open = node.publish_fiji(open).await;
        let kept = node.publish_fiji(record("Kept record", "2026-10-15", ("visa", "AUS", "forged"), &["NZL"])).await;
        let fji = node.login("ana.fji").await;
        for item in [&open, &kept] {
            let link = node
                .call(
                    Method::PUT,
                    &format!("/api/v1/requirements/{id}/links/{item}"),
                    Some(&fji),
                    Some(json!({ "indicators": ["transit through Singapore"] })),
                )
                .await;
            assert_eq!(link.status, StatusCode::NO_CONTENT, "{}", link.json);
        }
        let sec_titles = requirement_titles(&node, "sec.pidc").await;
        assert_eq!(sec_titles.last().unwrap(), "FJI linked \"Open record\" to requirement PIDC-7", "{sec_titles:?}");
        let all = format!("{:?}", stored(&node, "sec.pidc", NoticeKind::Requirement).await);
        assert!(!all.contains("Kept record") && !all.contains(&kept), "{all}");

        // The item API and page name the requirement to Fiji, not to Tonga,
        // which may read the record but not see the requirement.
        let read = node.call(Method::GET, &format!("/api/v1/items/{open}"), Some(&fji), None).await;
        assert_eq!(read.json["requirements"][0]["reference"], "PIDC-7", "{}", read.json);
        assert_eq!(read.json["requirements"][0]["url"], format!("/plans/{id}"));
        let ton = node.login("ana.ton").await;
        let theirs = node.call(Method::GET, &format!("/api/v1/items/{open}"), Some(&ton), None).await;
        assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.json);
        assert_eq!(theirs.json["requirements"], json!([]));
        let page = node.page(&node.portal_login("ana.fji").await, &format!("/items/{open}")).await.text();
        assert!(page.contains("Collection plans") && page.contains(&format!(r#"href="/plans/{id}""#)), "{page}");
        let page = node.page(&node.portal_login("ana.ton").await, &format!("/items/{open}")).await.text();
        assert!(!page.contains("PIDC-7"), "{page}");
    }
}

#[tokio::test]
async fn notice_channels_are_checked_and_audited() {
    for node in nodes().await {
        let token = node.login("ana.nzl").await;
        let bad = json!({ "notify_email": true, "webhook_url": "ftp://example.org/in" });
        let refused = node.call(Method::PUT, "/api/v1/notifications/channels", Some(&token), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        assert_eq!(refused.json["errors"][0]["field"], "webhook_url");
        let unknown = json!({ "sms": true });
        let refused = node.call(Method::PUT, "/api/v1/notifications/channels", Some(&token), Some(unknown)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        let good = json!({ "notify_email": true, "webhook_url": "https://hooks.example.org/in?key=s3cret" });
        let saved = node.call(Method::PUT, "/api/v1/notifications/channels", Some(&token), Some(good.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
        let read = node.call(Method::GET, "/api/v1/notifications/channels", Some(&token), None).await;
        assert_eq!(read.json, good);
        let records = audited(&node, "notice_channels.update").await;
        assert_eq!(records.len(), 1, "{records:?}");
        assert!(!records[0].detail.contains("s3cret"));

        // The portal form, with a bad URL named beside its field.
        let session = node.portal_login("ana.nzl").await;
        let form = node
            .post_form(&session, "/notifications/channels", &[("notify_email", "on"), ("webhook_url", "gopher://x")])
            .await;
        assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(form.text().contains("webhook_url-error"));
        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(doc.json["paths"].get("/api/v1/notifications/channels").is_some());
    }
}
