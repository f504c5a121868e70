//! Hostile HTTP input (issue 8, point 2): attachment names that try to climb
//! out of their directory or into the response headers, sign-in redirects that
//! try to leave the node, bodies that are too large or not UTF-8. Each is
//! refused or neutralised with a 4xx, never a 5xx.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::harness::{Node, PASSWORD, nodes};

/// Whether a header value could carry another header or reach a browser changed.
fn is_plain_header(value: &str) -> bool {
    value.chars().all(|c| c == ' ' || c.is_ascii_graphic() || !c.is_ascii())
}

async fn draft(node: &Node, token: &str) -> String {
    let content = json!({
        "title": "Forged visas at Nadi", "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud" },
        "classification": 1, "tlp": "AMBER"
    });
    let created = node.call(Method::POST, "/api/v1/items", Some(token), Some(content)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    created.json["id"].as_str().unwrap().to_owned()
}

fn upload(token: &str, item: &str, filename: &str, body: Vec<u8>) -> Request<Body> {
    let query = serde_html_form::to_string([("filename", filename)]).unwrap();
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/items/{item}/attachments?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn hostile_attachment_names_are_stored_harmless_and_served_without_header_injection() {
    let long = "a".repeat(5_000) + ".pdf";
    let names = [
        "../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/etc/shadow",
        "..",
        "...",
        "report.pdf\r\nSet-Cookie: session=stolen",
        "a\"; filename*=UTF-8''evil.html",
        "tab\there.txt",
        "\u{202e}fdp.exe",
        "rapport d\u{2019}enquête.pdf",
        long.as_str(),
    ];
    for node in nodes().await {
        let token = node.login("ana.fji").await;
        let item = draft(&node, &token).await;
        for name in names {
            let stored = node.send(upload(&token, &item, name, b"%PDF-1.7 a scan".to_vec())).await;
            if stored.status != StatusCode::CREATED {
                assert_eq!(stored.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {}", stored.text());
                continue;
            }
            let filename = stored.json["filename"].as_str().unwrap();
            assert!(
                !filename.contains(['/', '\\']) && !filename.starts_with('.') && filename.chars().count() <= 200,
                "{name:?} stored as {filename:?}"
            );
            assert!(!filename.chars().any(char::is_control), "{name:?} stored as {filename:?}");
            let id = stored.json["id"].as_str().unwrap();
            let path = format!("/api/v1/items/{item}/attachments/{id}");
            let download = node.call(Method::GET, &path, Some(&token), None).await;
            assert_eq!(download.status, StatusCode::OK, "{name:?}");
            assert!(!download.headers.contains_key(header::SET_COOKIE), "{name:?}");
            let disposition = String::from_utf8_lossy(download.headers[header::CONTENT_DISPOSITION].as_bytes());
            assert!(is_plain_header(&disposition), "{name:?}: {disposition:?}");
            // One quoted file name, nothing after it.
            let quoted = disposition.strip_prefix("attachment; filename=\"").and_then(|d| d.strip_suffix('"'));
            assert!(quoted.is_some_and(|q| !q.contains('"')), "{name:?}: {disposition:?}");
        }
        // A NUL byte is refused before any handler sees it.
        let nul = node.send(upload(&token, &item, "a\0.pdf", b"%PDF-1.7".to_vec())).await;
        assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn sign_in_redirects_stay_on_the_node() {
    let hostile = [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\nSet-Cookie: session=stolen",
        " //evil.example/",
        "/login?next=//evil.example/",
        "javascript:alert(1)",
    ];
    for node in nodes().await {
        for next in hostile {
            let page = Request::builder()
                .uri(format!("/login?{}", serde_html_form::to_string([("next", next)]).unwrap()))
                .body(Body::empty())
                .unwrap();
            let page = node.send(page).await;
            assert_eq!(page.status, StatusCode::OK, "{next:?}");
            assert!(!page.text().contains("evil.example"), "{next:?} is offered back by the sign-in form");

            let form = serde_html_form::to_string([("username", "ana.fji"), ("password", PASSWORD), ("next", next)]);
            let signed_in = Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.unwrap()))
                .unwrap();
            let signed_in = node.send(signed_in).await;
            assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{next:?}: {}", signed_in.text());
            let location = signed_in.location();
            assert_eq!(location, "/", "{next:?}");
        }
        // A path on the node is where sign-in leads.
        let form =
            serde_html_form::to_string([("username", "ana.fji"), ("password", PASSWORD), ("next", "/items?q=a")]);
        let request = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.unwrap()))
            .unwrap();
        assert_eq!(node.send(request).await.location(), "/items?q=a");
    }
}

#[tokio::test]
async fn bodies_that_are_not_utf8_or_too_large_are_refused_cleanly() {
    for node in nodes().await {
        let token = node.login("ana.fji").await;
        let session = node.portal_login("ana.fji").await;
        let form = |path: &str, body: Vec<u8>| {
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::COOKIE, &session.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let csrf = format!("csrf={}", session.csrf);
        // Form fields that are not UTF-8 are read lossily (U+FFFD), as browsers
        // do: the request then fails as any bad sign-in or bad item does.
        let cases = [
            (form("/login", b"username=\xff\xfe&password=x".to_vec()), StatusCode::UNAUTHORIZED),
            (form("/login", b"username=%ff%fe&password=%c3%28".to_vec()), StatusCode::UNAUTHORIZED),
            (form("/items", [csrf.as_bytes(), b"&title=\xc3\x28"].concat()), StatusCode::UNPROCESSABLE_ENTITY),
            (form("/items", [csrf.as_bytes(), &vec![b'a'; 8 * 1024 * 1024]].concat()), StatusCode::PAYLOAD_TOO_LARGE),
        ];
        for (request, expected) in cases {
            let what = format!("{} {}", request.method(), request.uri());
            let response = node.send(request).await;
            assert_eq!(response.status, expected, "{what}: {}", response.text());
        }
        let item = draft(&node, &token).await;
        let big = vec![b'x'; godwit_store::items::MAX_ATTACHMENT_BYTES + 1];
        let response = node.send(upload(&token, &item, "big.pdf", big)).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        let json = |body: Vec<u8>| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        for body in [b"{\"username\": \"\xff\"}".to_vec(), "{".repeat(100_000).into_bytes()] {
            let status = node.send(json(body)).await.status;
            assert!(status.is_client_error(), "{status}");
        }
    }
}
