//! Sign-in, second factor, lockout, CSRF, sessions and API tokens.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::harness::{PASSWORD, nodes};

#[tokio::test]
async fn wrong_passwords_lock_the_account() {
    for node in nodes().await {
        for _ in 0..5 {
            let r = node
                .call(
                    Method::POST,
                    "/api/v1/auth/login",
                    None,
                    Some(json!({ "username": "ana.nzl", "password": "Wrong-Password-1" })),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert_eq!(r.headers["content-type"], "application/problem+json");
        }
        let locked = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "ana.nzl", "password": PASSWORD })),
            )
            .await;
        assert_eq!(locked.status, StatusCode::LOCKED, "{}", locked.json);
        assert!(locked.json["detail"].as_str().unwrap().contains("locked"));
        let unknown = node
            .call(Method::POST, "/api/v1/auth/login", None, Some(json!({ "username": "nobody", "password": PASSWORD })))
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn privileged_roles_need_their_second_factor() {
    for node in nodes().await {
        let without = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "officer.fji", "password": PASSWORD })),
            )
            .await;
        assert_eq!((without.status, without.json["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("totp_required")));
        // The same answer for a wrong password: it says nothing about the password.
        let body = json!({ "username": "officer.fji", "password": "Wrong-Password-1" });
        let wrong_password = node.call(Method::POST, "/api/v1/auth/login", None, Some(body)).await;
        assert_eq!(wrong_password.json["code"], without.json["code"]);
        let wrong = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "officer.fji", "password": PASSWORD, "totp": "000000" })),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        node.login("officer.fji").await;

        // An NFP without a second factor may only enrol.
        let login = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "nfp.fji", "password": PASSWORD })),
            )
            .await;
        assert_eq!(login.json["totp_enrolment_required"], true);
        let token = login.json["token"].as_str().unwrap();
        let blocked = node.call(Method::GET, "/api/v1/items", Some(token), None).await;
        assert_eq!(blocked.json["code"], "totp_enrolment_required");
        let enrol = node.call(Method::POST, "/api/v1/auth/totp/enrol", Some(token), None).await;
        let secret = enrol.json["secret"].as_str().unwrap();
        assert!(enrol.json["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"));
        let code =
            godwit_server::auth::credentials::totp_code(secret, u64::try_from(crate::harness::NOW.0 / 1000).unwrap())
                .unwrap();
        let confirm =
            node.call(Method::POST, "/api/v1/auth/totp/confirm", Some(token), Some(json!({ "code": code }))).await;
        assert_eq!(confirm.status, StatusCode::NO_CONTENT, "{}", confirm.json);
        assert_eq!(node.call(Method::GET, "/api/v1/items", Some(token), None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    for node in nodes().await {
        let login = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": "ana.fji", "password": PASSWORD })),
            )
            .await;
        let cookie = login.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let pair = cookie.split(';').next().unwrap().to_owned();
        let csrf = login.json["csrf_token"].as_str().unwrap().to_owned();
        let post = |with_csrf: bool| {
            let mut request =
                Request::builder().method(Method::POST).uri("/api/v1/auth/logout").header(header::COOKIE, pair.clone());
            if with_csrf {
                request = request.header("x-csrf-token", csrf.clone());
            }
            request.body(Body::empty()).unwrap()
        };
        let get =
            Request::builder().uri("/api/v1/auth/me").header(header::COOKIE, pair.clone()).body(Body::empty()).unwrap();
        assert_eq!(node.send(get).await.status, StatusCode::OK, "cookie reads need no token");
        let refused = node.send(post(false)).await;
        assert_eq!((refused.status, refused.json["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));
        assert_eq!(node.send(post(true)).await.status, StatusCode::NO_CONTENT);
        let after =
            Request::builder().uri("/api/v1/auth/me").header(header::COOKIE, pair.clone()).body(Body::empty()).unwrap();
        assert_eq!(node.send(after).await.status, StatusCode::UNAUTHORIZED, "logout ends the session");
    }
}

#[tokio::test]
async fn sessions_can_be_listed_and_revoked() {
    for node in nodes().await {
        let first = node.login("ana.fji").await;
        let second = node.login("ana.fji").await;
        let sessions = node.call(Method::GET, "/api/v1/auth/sessions", Some(&first), None).await;
        let list = sessions.json.as_array().unwrap();
        assert_eq!(list.len(), 2);
        let other = list.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
        let revoked = node.call(Method::DELETE, &format!("/api/v1/auth/sessions/{other}"), Some(&first), None).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(
            node.call(Method::GET, "/api/v1/auth/me", Some(&second), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(node.call(Method::GET, "/api/v1/auth/me", Some(&first), None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn read_only_api_tokens_cannot_write() {
    for node in nodes().await {
        let session = node.login("ana.fji").await;
        let created = node
            .call(
                Method::POST,
                "/api/v1/auth/tokens",
                Some(&session),
                Some(json!({ "name": "feed", "scopes": ["read"], "expires_in_days": 30 })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let token = created.json["token"].as_str().unwrap();
        assert!(token.starts_with("gwt_"));
        assert_eq!(node.call(Method::GET, "/api/v1/items", Some(token), None).await.status, StatusCode::OK);
        let write = node.call(Method::POST, "/api/v1/items", Some(token), Some(json!({}))).await;
        assert_eq!(write.status, StatusCode::FORBIDDEN);
        let listed = node.call(Method::GET, "/api/v1/auth/tokens", Some(&session), None).await;
        assert!(listed.json[0].get("token_hash").is_none(), "hashes never leave the node");
    }
}

#[tokio::test]
async fn focal_points_manage_only_their_own_and_grant_no_more_than_they_hold() {
    for node in nodes().await {
        let admin = node.login("admin.fji").await;
        let new_user = |name: &str, member: &str, org: u128, roles: &[&str]| {
            json!({ "username": name, "display_name": "New", "email": "new@example.org",
                    "member": member, "organisation": uuid::Uuid::from_u128(org), "roles": roles, "clearance": 1, "password": "Another-Strong-Pass-9" })
        };
        let made = node
            .call(Method::POST, "/api/v1/users", Some(&admin), Some(new_user("new.fji", "FJI", 1, &["analyst"])))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
        let duplicate = node
            .call(Method::POST, "/api/v1/users", Some(&admin), Some(new_user("new.fji", "FJI", 1, &["analyst"])))
            .await;
        assert_eq!(duplicate.status, StatusCode::CONFLICT);
        // An administrator cannot make itself a reader at another member…
        let elsewhere = node
            .call(Method::POST, "/api/v1/users", Some(&admin), Some(new_user("spy.ton", "TON", 5, &["analyst"])))
            .await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{}", elsewhere.json);
        let second_nfp = node
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&admin),
                Some(new_user("nfp2.ton", "TON", 5, &["national_focal_point"])),
            )
            .await;
        assert_eq!(second_nfp.status, StatusCode::FORBIDDEN, "TON has its NFP already");
        // …but may give a member without one its first national focal point.
        let first_nfp = node
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&admin),
                Some(new_user("nfp.wsm", "WSM", 6, &["national_focal_point"])),
            )
            .await;
        assert_eq!(first_nfp.status, StatusCode::CREATED, "{}", first_nfp.json);
        let analyst = node.login("ana.fji").await;
        let refused = node
            .call(Method::POST, "/api/v1/users", Some(&analyst), Some(new_user("x.fji", "FJI", 1, &["analyst"])))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let weak = node.call(Method::POST, "/api/v1/users", Some(&admin), Some(json!({ "username": "weak.one", "display_name": "W", "email": "w@example.org",
            "member": "FJI", "organisation": uuid::Uuid::from_u128(1), "roles": ["analyst"], "clearance": 0, "password": "short" }))).await;
        assert_eq!(weak.json["errors"][0]["field"], "password");
        let users = node.call(Method::GET, "/api/v1/users", Some(&admin), None).await;
        assert!(users.json.as_array().unwrap().len() >= 12);
        // Group membership decides who receives group releases: the secretariat's call only.
        let group = json!({ "code": "PIDC", "name": "PIDC", "members": ["FJI", "NZL", "TON", "WSM"] });
        assert_eq!(
            node.call(Method::PUT, "/api/v1/groups/PIDC", Some(&admin), Some(group.clone())).await.status,
            StatusCode::FORBIDDEN
        );
        let secretariat = node.login("sec.pidc").await;
        assert_eq!(
            node.call(Method::PUT, "/api/v1/groups/PIDC", Some(&secretariat), Some(group)).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn agreements_come_into_force_only_when_every_party_confirms() {
    for node in nodes().await {
        let proposal = json!({
            "id": uuid::Uuid::from_u128(500), "title": "Tonga–New Zealand MoU", "kind": "bilateral", "status": "active",
            "parties": ["NZL", "TON"], "categories": ["document_fraud"], "max_classification": 2, "personal_data": false,
            "third_party_rule": "originator_consent", "valid_from": "2026-01-01T00:00:00Z", "valid_until": null
        });
        let path = format!("/api/v1/agreements/{}", uuid::Uuid::from_u128(500));
        let outsider = node.login("nfp.fji").await;
        assert_eq!(
            node.call(Method::PUT, &path, Some(&outsider), Some(proposal.clone())).await.status,
            StatusCode::FORBIDDEN
        );
        let tonga = node.login("nfp.ton").await;
        let proposed = node.call(Method::PUT, &path, Some(&tonga), Some(proposal)).await;
        assert_eq!(proposed.status, StatusCode::OK, "{}", proposed.json);
        assert_eq!(
            (proposed.json["status"].as_str(), proposed.json["in_force"].as_bool()),
            (Some("proposed"), Some(false))
        );
        assert_eq!(proposed.json["confirmed_by"], json!(["TON"]));
        let nzl = node.login("nfp.nzl").await;
        let confirmed = node.call(Method::POST, &format!("{path}/confirm"), Some(&nzl), None).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.json);
        assert_eq!(
            (confirmed.json["status"].as_str(), confirmed.json["in_force"].as_bool()),
            (Some("active"), Some(true))
        );
        let again = node.call(Method::POST, &format!("{path}/confirm"), Some(&nzl), None).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
}
