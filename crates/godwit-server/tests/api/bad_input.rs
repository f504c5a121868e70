//! Bad input gets a 4xx problem, never a 5xx; the documentation is served.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::harness::nodes;

#[tokio::test]
async fn malformed_requests_get_problems_not_failures() {
    for node in nodes().await {
        let token = node.login("ana.fji").await;
        let raw = |method: Method, path: &str, content_type: &str, body: Vec<u8>| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        let cases = [
            (raw(Method::POST, "/api/v1/items", "application/json", b"{not json".to_vec()), StatusCode::BAD_REQUEST),
            (raw(Method::POST, "/api/v1/items", "application/json", vec![0xff, 0xfe, 0x80]), StatusCode::BAD_REQUEST),
            (raw(Method::POST, "/api/v1/items", "text/plain", b"{}".to_vec()), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (
                raw(Method::POST, "/api/v1/items", "application/json", b"{\"title\": 5}".to_vec()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                raw(Method::POST, "/api/v1/items", "application/json", vec![b' '; 2 * 1024 * 1024]),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                raw(Method::POST, "/api/v1/items", "application/json", "[".repeat(100_000).into_bytes()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (raw(Method::GET, "/api/v1/items/not-a-uuid", "application/json", vec![]), StatusCode::BAD_REQUEST),
            (raw(Method::GET, "/api/v1/items?limit=-4", "application/json", vec![]), StatusCode::BAD_REQUEST),
            (
                raw(Method::GET, "/api/v1/items?limit=100000", "application/json", vec![]),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                raw(Method::GET, "/api/v1/items?cursor=x.y", "application/json", vec![]),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (raw(Method::GET, "/api/v1/nothing/here", "application/json", vec![]), StatusCode::NOT_FOUND),
            (
                raw(Method::POST, "/api/v1/items", "application/json", br#"{"title": "a\u0000b"}"#.to_vec()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (raw(Method::GET, "/api/v1/audit?action=%00", "application/json", vec![]), StatusCode::BAD_REQUEST),
            (raw(Method::DELETE, "/api/v1/auth/tokens/a%00b", "application/json", vec![]), StatusCode::BAD_REQUEST),
            (
                raw(Method::GET, "/api/v1/items/0195d5c6-0000-7000-8000-000000000000", "application/json", vec![]),
                StatusCode::NOT_FOUND,
            ),
        ];
        for (request, expected) in cases {
            let what = format!("{} {}", request.method(), request.uri());
            let response = node.send(request).await;
            assert_eq!(response.status, expected, "{what}: {}", String::from_utf8_lossy(&response.bytes));
            assert_eq!(response.headers[header::CONTENT_TYPE], "application/problem+json", "{what}");
        }
        let unauthenticated = node.call(Method::GET, "/api/v1/items", None, None).await;
        assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
        let forged = node.call(Method::GET, "/api/v1/items", Some("forged-token"), None).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_api_is_documented_and_headers_are_strict() {
    for node in nodes().await {
        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(doc.json["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/v1/auth/login",
            "/api/v1/items",
            "/api/v1/items/{id}/approve",
            "/api/v1/agreements",
            "/api/v1/audit",
            "/api/v1/requirements/{id}/links/{item}",
            "/api/v1/measures",
            "/api/v1/threat-registers/{member}/entries/{threat}",
            "/api/v1/threat-picture",
        ] {
            assert!(doc.json["paths"].get(path).is_some(), "{path} undocumented");
        }
        let ui = node.call(Method::GET, "/api/docs/", None, None).await;
        assert_eq!(ui.status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&ui.bytes).contains("swagger"));
        let health = node.call(Method::GET, "/healthz", None, None).await;
        for name in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
            assert!(health.headers.contains_key(name), "{name} missing");
        }
        assert!(health.headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    }
}
