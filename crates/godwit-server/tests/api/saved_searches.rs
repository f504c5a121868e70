//! Saved searches that notify: an analyst of New Zealand saves a search with
//! portal, email and webhook notification; Fiji publishes (four eyes) an alert
//! released to New Zealand; the notifier records one notification, POSTs it to
//! a webhook receiver and mails it to a tiny SMTP sink, both audited. A Tongan
//! analyst with the same search hears nothing. Running again, or two notifiers
//! at once, never notifies twice; a failing webhook shows on the saved search.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use godwit_server::ServerConfig;
use godwit_server::config::{SmtpConfig, SmtpTls};
use godwit_server::notify::{Notifier, Run};
use godwit_store::audit::AuditQuery;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::harness::{Node, nodes_with};

pub type Kept<T> = Arc<Mutex<Vec<T>>>;

/// A webhook receiver on a free local port; returns its URL and what it got.
pub async fn receiver() -> (String, Kept<Value>) {
    let got: Kept<Value> = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| async move {
            keep.lock().unwrap().push(body);
            StatusCode::NO_CONTENT
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook?key=s3cret"), got)
}

/// Just enough SMTP to accept mail: returns the port and the messages (DATA).
pub async fn smtp_sink() -> (u16, Kept<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Kept<String> = Arc::default();
    let keep = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            keep.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 end with .\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// Fiji publishes (analyst, then authorising officer) an alert released to New Zealand.
async fn publish(node: &Node, title: &str) -> String {
    let content = json!({
        "title": title,
        "summary": "Counterfeit passports seen at Nadi.",
        "body": "Forged biodata pages on passports presented at NAN.",
        "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud" },
        "classification": 2,
        "tlp": "AMBER",
        "release": { "members": ["NZL"] },
        "environment": "air"
    });
    node.publish_fiji(content).await
}

async fn save(node: &Node, token: &str, body: Value) -> (StatusCode, Value) {
    let response = node.call(Method::POST, "/api/v1/saved-searches", Some(token), Some(body)).await;
    (response.status, response.json)
}

async fn notifications(node: &Node, token: &str) -> Value {
    let response = node.call(Method::GET, "/api/v1/notifications", Some(token), None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.json);
    response.json
}

#[tokio::test]
async fn saved_searches_notify_once_and_only_their_readers() {
    let (port, mails) = smtp_sink().await;
    let config = ServerConfig {
        login_attempts_per_minute: 1_000,
        public_url: Some("https://godwit.example.org".into()),
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            from: "Godwit <godwit@example.org>".into(),
            username: None,
            password: None,
            tls: SmtpTls::None,
        }),
        ..ServerConfig::default()
    };
    for node in nodes_with(config.clone()).await {
        let (hook, posts) = receiver().await;
        mails.lock().unwrap().clear();
        let notifier = Notifier::new(node.store.clone(), node.search.clone(), Arc::new(config.clone()));
        let nzl = node.login("ana.nzl").await;
        let ton = node.login("ana.ton").await;

        // Bad input is named; people who read no items keep no saved searches.
        for (body, field) in [
            (json!({ "name": "", "query": "q=passports" }), "name"),
            (json!({ "name": "x", "query": "kind=spaceship" }), "query"),
            (json!({ "name": "x", "query": "from=yesterday" }), "query"),
            (json!({ "name": "x", "webhook_url": "ftp://example.org/in" }), "webhook_url"),
            (json!({ "name": "x", "webhook_url": "javascript:alert(1)" }), "webhook_url"),
        ] {
            let (status, json) = save(&node, &nzl, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {json}");
            assert_eq!(json["errors"][0]["field"], field, "{body}: {json}");
        }
        let admin = node.login("admin.fji").await;
        assert_eq!(save(&node, &admin, json!({ "name": "all" })).await.0, StatusCode::FORBIDDEN);

        let (status, saved) = save(
            &node,
            &nzl,
            json!({ "name": "FP passports", "query": "q=passports&kind=alert", "notify_email": true, "webhook_url": hook }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        assert_eq!(
            (saved["notify_portal"].as_bool(), saved["run_url"].as_str()),
            (Some(true), Some("/search?q=passports&kind=alert"))
        );
        let search_id = saved["id"].as_str().unwrap().to_owned();
        // Tonga saves the same search: the alert is not released to Tonga.
        let (status, _) =
            save(&node, &ton, json!({ "name": "passports", "query": "q=passports", "webhook_url": hook })).await;
        assert_eq!(status, StatusCode::CREATED);

        let id = publish(&node, "Counterfeit passports, series FP12").await;
        // Not before the index has the item: the notifier waits for it.
        assert_eq!(notifier.run_once().await.unwrap(), Run::default());
        node.catch_up().await;
        let run = notifier.run_once().await.unwrap();
        assert_eq!(run, Run { notified: 1, delivered: 2, failed: 0 }, "one match, by email and webhook");

        let got = posts.lock().unwrap().clone();
        assert_eq!(
            got,
            vec![json!({
                "kind": "saved_search",
                "subscription": search_id,
                "item_id": id,
                "title": "Counterfeit passports, series FP12",
                "url": format!("https://godwit.example.org/items/{id}"),
            })],
            "exactly one POST, carrying no more than id, title and link"
        );
        let sent = mails.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].contains("To: ana.nzl@example.org"), "{}", sent[0]);
        assert!(sent[0].contains(&id), "{}", sent[0]);

        let listed = notifications(&node, &nzl).await;
        assert_eq!(listed["unread"], 1, "{listed}");
        assert_eq!(listed["notifications"][0]["item_id"], id.as_str());
        assert_eq!(listed["notifications"][0]["title"], "Counterfeit passports, series FP12");
        assert_eq!(listed["notifications"][0]["saved_search"], search_id.as_str());
        assert_eq!(notifications(&node, &ton).await["unread"], 0, "Tonga may not read it: never notified");

        // Running again notifies nobody twice.
        assert_eq!(notifier.run_once().await.unwrap(), Run::default());
        // Nor do two processes at once.
        let second = publish(&node, "Passports of series FP13").await;
        node.catch_up().await;
        let other = Notifier::new(node.store.clone(), node.search.clone(), Arc::new(config.clone()));
        let (a, b) = tokio::join!(notifier.run_once(), other.run_once());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.notified + b.notified, a.delivered + b.delivered), (1, 2), "{a:?} {b:?}");
        assert_eq!(posts.lock().unwrap().len(), 2);
        assert_eq!(posts.lock().unwrap()[1]["item_id"], second.as_str());
        assert_eq!(notifications(&node, &nzl).await["unread"], 2);

        // Every delivery is in the audit trail, without the receiver's secret.
        let audit = node
            .store
            .audit_records(&AuditQuery {
                action: Some("notification.deliver".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.len(), 4, "{audit:?}");
        assert!(audit.iter().all(|r| r.actor_user.as_deref() == Some(saved["owner"].as_str().unwrap())));
        assert!(audit.iter().any(|r| r.detail.contains("/hook\"") && !r.detail.contains("s3cret")), "{audit:?}");

        // Mark read: one, then all.
        let first = listed["notifications"][0]["id"].as_str().unwrap();
        let marked =
            node.call(Method::POST, "/api/v1/notifications/read", Some(&nzl), Some(json!({ "ids": [first] }))).await;
        assert_eq!(marked.json["marked"], 1, "{}", marked.json);
        let marked =
            node.call(Method::POST, "/api/v1/notifications/read", Some(&nzl), Some(json!({ "all": true }))).await;
        assert_eq!(marked.json["marked"], 1, "{}", marked.json);
        assert_eq!(notifications(&node, &nzl).await["unread"], 0);

        // A webhook that fails is retried later and shows on the saved search.
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let changed = node
            .call(
                Method::PUT,
                &format!("/api/v1/saved-searches/{search_id}"),
                Some(&nzl),
                Some(json!({ "name": "FP passports", "query": "q=passports", "webhook_url": format!("http://{closed}/gone") })),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
        publish(&node, "Passports of series FP14").await;
        node.catch_up().await;
        let run = notifier.run_once().await.unwrap();
        assert_eq!(run, Run { notified: 1, delivered: 0, failed: 1 }, "portal only, and a failed webhook");
        let read = node.call(Method::GET, &format!("/api/v1/saved-searches/{search_id}"), Some(&nzl), None).await;
        assert_eq!(read.json["delivery_problem"]["channel"], "webhook", "{}", read.json);
        assert_eq!(read.json["delivery_problem"]["gave_up"], false, "{}", read.json);
        // Others cannot see or delete it.
        let theirs = node.call(Method::GET, &format!("/api/v1/saved-searches/{search_id}"), Some(&ton), None).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let gone = node.call(Method::DELETE, &format!("/api/v1/saved-searches/{search_id}"), Some(&ton), None).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        let gone = node.call(Method::DELETE, &format!("/api/v1/saved-searches/{search_id}"), Some(&nzl), None).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        let list = node.call(Method::GET, "/api/v1/saved-searches", Some(&nzl), None).await;
        assert_eq!(list.json, json!([]));
    }
}

/// The portal: the search page offers to save the search, the form names bad
/// fields beside them, the Saved searches page lists the search, and the header
/// counts unread notifications, which the Notifications page lists and marks read.
#[tokio::test]
async fn the_portal_saves_searches_and_shows_notifications() {
    use axum::body::Body;
    use axum::http::{Request, header};

    let config = ServerConfig { login_attempts_per_minute: 1_000, ..ServerConfig::default() };
    for node in nodes_with(config.clone()).await {
        let login = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "ana.nzl", "password": crate::harness::PASSWORD })),
            )
            .await;
        let cookie = login.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        let csrf = login.json["csrf_token"].as_str().unwrap().to_owned();
        let get = |path: &str| Request::get(path).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let post = |path: &str, form: &str| {
            Request::post(path)
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_owned()))
                .unwrap()
        };
        let html = |r: &crate::harness::Response| String::from_utf8_lossy(&r.bytes).into_owned();

        let page = node.send(get("/search?q=passports")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            html(&page).contains("Save this search") && html(&page).contains("value=\"q=passports\""),
            "{}",
            html(&page)
        );

        let refused = node.send(post("/saved-searches", "name=x&query=q%3Dpassports")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "no CSRF token, no save");
        let bad = node
            .send(post(
                "/saved-searches",
                &format!("csrf={csrf}&name=&query=kind%3Dspaceship&notify_portal=on&webhook_url=gopher%3A%2F%2Fx"),
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["name-error", "query-error", "webhook_url-error"] {
            assert!(html(&bad).contains(&format!("id=\"{field}\"")), "{field}: {}", html(&bad));
        }
        let saved = node
            .send(post(
                "/saved-searches",
                &format!("csrf={csrf}&name=FP+passports&query=q%3Dpassports&notify_portal=on"),
            ))
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", html(&saved));
        let list = node.send(get("/saved-searches")).await;
        assert!(html(&list).contains("FP passports") && html(&list).contains("/search?q=passports"), "{}", html(&list));

        publish(&node, "Counterfeit passports, series FP12").await;
        node.catch_up().await;
        Notifier::new(node.store.clone(), node.search.clone(), Arc::new(config.clone())).run_once().await.unwrap();
        let front = node.send(get("/search")).await;
        assert!(html(&front).contains("aria-label=\"1 unread\""), "{}", html(&front));
        let listed = node.send(get("/notifications")).await;
        assert!(html(&listed).contains("Counterfeit passports, series FP12"), "{}", html(&listed));
        let read = node.send(post("/notifications/read", &format!("csrf={csrf}"))).await;
        assert_eq!(read.status, StatusCode::SEE_OTHER);
        assert!(!html(&node.send(get("/notifications")).await).contains("aria-label=\"1 unread\""));
    }
}
