//! The administration pages, driven as a browser drives them: a session cookie
//! and the CSRF token its forms carry.

use axum::http::{Method, StatusCode};
use godwit_store::audit::AuditQuery;
use uuid::Uuid;

use crate::harness::{NOW, Node, PASSWORD, PortalSession, nodes};

const ANA_FJI: Uuid = Uuid::from_u128(1000);
const ANA_NZL: Uuid = Uuid::from_u128(1007);

async fn audited(node: &Node, action: &str) -> Vec<String> {
    let query = AuditQuery { action: Some(action.into()), limit: 100, ..Default::default() };
    node.store.audit_records(&query).await.unwrap().into_iter().filter_map(|r| r.target).collect()
}

fn new_user<'a>(username: &'a str, organisation: &'a str, role: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("display_name", "New Person"),
        ("email", "new.person@example.org"),
        ("organisation", organisation),
        ("roles", role),
        ("clearance", "1"),
        ("password", "Another-Strong-Pass-9"),
    ]
}

#[tokio::test]
async fn a_national_focal_point_creates_accounts_of_its_own_member_only() {
    for node in nodes().await {
        let nfp = node.portal_login("nfp.nzl").await;
        let list = node.page(&nfp, "/admin/users").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text().contains("ana.nzl") && !list.text().contains("ana.fji"), "only its own member's accounts");
        assert!(!list.text().contains(&Uuid::from_u128(1).to_string()), "another member's organisation is offered");

        let nzl_org = Uuid::from_u128(4).to_string();
        let made = node.post_form(&nfp, "/admin/users", &new_user("new.nzl", &nzl_org, "analyst")).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        assert!(made.location().starts_with("/admin/users/"), "{}", made.location());
        let created = node.store.user_by_username("new.nzl").await.unwrap().expect("the account exists");
        assert_eq!(created.user.member.as_str(), "NZL");
        assert!(audited(&node, "user.create").await.contains(&"new.nzl".to_owned()));
        let signed_in = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({ "username": "new.nzl", "password": "Another-Strong-Pass-9" })),
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::OK, "the new account signs in");

        // Fiji's organisation: refused, beside the form, and nothing is created.
        let fji_org = Uuid::from_u128(1).to_string();
        let abroad = node.post_form(&nfp, "/admin/users", &new_user("spy.fji", &fji_org, "analyst")).await;
        assert_eq!(abroad.status, StatusCode::FORBIDDEN, "{}", abroad.text());
        assert!(abroad.text().contains("do not manage accounts"), "the reason is shown");
        assert!(node.store.user_by_username("spy.fji").await.unwrap().is_none());
        // Nor may it open or change another member's account.
        assert_eq!(node.page(&nfp, &format!("/admin/users/{ANA_FJI}")).await.status, StatusCode::NOT_FOUND);

        // A form with mistakes comes back with the messages beside the fields.
        let mut bad = new_user("X", &nzl_org, "analyst");
        bad.retain(|(k, _)| *k != "password");
        bad.push(("password", "short"));
        let invalid = node.post_form(&nfp, "/admin/users", &bad).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.text().contains("id=\"username-error\""), "{}", invalid.text());
    }
}

#[tokio::test]
async fn a_national_focal_point_cannot_grant_administrator_or_change_itself() {
    for node in nodes().await {
        let nfp = node.portal_login("nfp.nzl").await;
        let nzl_org = Uuid::from_u128(4).to_string();
        let refused = node.post_form(&nfp, "/admin/users", &new_user("boss.nzl", &nzl_org, "administrator")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
        assert!(node.store.user_by_username("boss.nzl").await.unwrap().is_none());

        let page = node.page(&nfp, &format!("/admin/users/{ANA_NZL}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let edit = |roles: &'static str| {
            vec![
                ("display_name", "ana.nzl"),
                ("email", "ana.nzl@example.org"),
                ("organisation", "00000000-0000-0000-0000-000000000004"),
                ("roles", roles),
                ("clearance", "3"),
            ]
        };
        let promote = node.post_form(&nfp, &format!("/admin/users/{ANA_NZL}"), &edit("administrator")).await;
        assert_eq!(promote.status, StatusCode::FORBIDDEN);
        assert!(!node.store.user(ANA_NZL).await.unwrap().user.roles.iter().any(|r| r.as_str() == "administrator"));
        let officer = node.post_form(&nfp, &format!("/admin/users/{ANA_NZL}"), &edit("authorising_officer")).await;
        assert_eq!(officer.status, StatusCode::SEE_OTHER, "{}", officer.text());
        assert!(node.store.user(ANA_NZL).await.unwrap().user.roles.iter().any(|r| r.as_str() == "authorising_officer"));

        // Nobody changes their own roles.
        let me = Uuid::from_u128(1011);
        let own = node
            .post_form(
                &nfp,
                &format!("/admin/users/{me}"),
                &[
                    ("display_name", "nfp.nzl"),
                    ("email", "nfp.nzl@example.org"),
                    ("organisation", "00000000-0000-0000-0000-000000000004"),
                    ("roles", "national_focal_point"),
                    ("roles", "analyst"),
                    ("clearance", "3"),
                ],
            )
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text());
    }
}

#[tokio::test]
async fn an_administrator_unlocks_a_locked_account() {
    for node in nodes().await {
        node.store.record_login_failure(ANA_FJI, 1, NOW.plus_days(1)).await.unwrap();
        let login = serde_json::json!({ "username": "ana.fji", "password": PASSWORD });
        let locked = node.call(Method::POST, "/api/v1/auth/login", None, Some(login.clone())).await;
        assert_eq!(locked.status, StatusCode::LOCKED);

        let admin = node.portal_login("admin.fji").await;
        assert!(node.page(&admin, "/admin/users").await.text().contains("ana.fji</a> <strong>(locked)</strong>"));
        let page = node.page(&admin, &format!("/admin/users/{ANA_FJI}")).await;
        assert!(page.text().contains("locked until"), "the lockout is shown");
        let unlocked = node.post_form(&admin, &format!("/admin/users/{ANA_FJI}/unlock"), &[]).await;
        assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
        assert!(!node.page(&admin, &format!("/admin/users/{ANA_FJI}")).await.text().contains("locked until"));
        assert_eq!(node.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await.status, StatusCode::OK);
        assert!(audited(&node, "user.unlock").await.contains(&"ana.fji".to_owned()));

        // Ending every session signs the person out everywhere.
        let analyst = node.portal_login("ana.fji").await;
        assert_eq!(node.page(&analyst, "/account").await.status, StatusCode::OK);
        let ended = node.post_form(&admin, &format!("/admin/users/{ANA_FJI}/end-sessions"), &[]).await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER);
        assert!(node.page(&analyst, "/account").await.location().starts_with("/login"));
        assert!(audited(&node, "session.revoke_all").await.contains(&"ana.fji".to_owned()));
    }
}

#[tokio::test]
async fn a_token_made_on_the_account_page_works_until_revoked() {
    for node in nodes().await {
        let analyst = node.portal_login("ana.fji").await;
        let made = node
            .post_form(
                &analyst,
                "/account/tokens",
                &[("token_name", "nightly export"), ("scopes", "read"), ("expires_in_days", "30")],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text());
        let text = made.text();
        let at = text.find("<code id=\"new-token\">").expect("the token is shown once") + 21;
        let token = text[at..].split('<').next().unwrap().to_owned();
        let items = node.call(Method::GET, "/api/v1/items", Some(&token), None).await;
        assert_eq!(items.status, StatusCode::OK, "the token authenticates the API");
        let page = node.page(&analyst, "/account").await;
        assert!(!page.text().contains(&token), "the secret is not shown again");
        assert!(page.text().contains("nightly export"));
        let at = page.text().find("action=\"/account/tokens/").unwrap() + 24;
        let id = page.text()[at..].split('/').next().unwrap().to_owned();

        // An administrator sees it on the account's page; the owner revokes it.
        let admin = node.portal_login("admin.fji").await;
        assert!(node.page(&admin, &format!("/admin/users/{ANA_FJI}")).await.text().contains("nightly export"));
        let revoked = node.post_form(&analyst, &format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(node.call(Method::GET, "/api/v1/items", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
        assert!(audited(&node, "token.revoke").await.contains(&id));

        // Bad input is answered beside the field.
        let bad = node
            .post_form(&analyst, "/account/tokens", &[("token_name", ""), ("scopes", "read"), ("expires_in_days", "x")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"expires_in_days-error\""));

        // An administrator revokes a token of an account it manages.
        let second = node
            .post_form(
                &analyst,
                "/account/tokens",
                &[("token_name", "second"), ("scopes", "read"), ("expires_in_days", "5")],
            )
            .await;
        let text = second.text();
        let at = text.find("<code id=\"new-token\">").unwrap() + 21;
        let token = text[at..].split('<').next().unwrap().to_owned();
        let record = node.store.api_tokens_of(ANA_FJI).await.unwrap().into_iter().find(|t| t.name == "second").unwrap();
        let by_admin =
            node.post_form(&admin, &format!("/admin/users/{ANA_FJI}/tokens/{}/revoke", record.id), &[]).await;
        assert_eq!(by_admin.status, StatusCode::SEE_OTHER);
        assert_eq!(node.call(Method::GET, "/api/v1/items", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn people_who_manage_nothing_are_refused() {
    for node in nodes().await {
        let analyst = node.portal_login("ana.fji").await;
        for path in ["/admin/users", "/admin/members", &format!("/admin/users/{ANA_FJI}")] {
            assert_eq!(node.page(&analyst, path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let nzl_org = Uuid::from_u128(4).to_string();
        assert_eq!(
            node.post_form(&analyst, "/admin/users", &new_user("x.fji", &nzl_org, "analyst")).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(!node.page(&analyst, "/").await.text().contains("href=\"/admin/users\""), "no navigation entry");
        // Without a session: the sign-in page.
        let anonymous =
            node.send(axum::http::Request::get("/admin/users").body(axum::body::Body::empty()).unwrap()).await;
        assert!(anonymous.location().starts_with("/login"));
        // Without the CSRF token: refused.
        let admin = node.portal_login("admin.fji").await;
        let forged = PortalSession { cookie: admin.cookie.clone(), csrf: "forged".into() };
        let forged = node.post_form(&forged, &format!("/admin/users/{ANA_FJI}/unlock"), &[]).await;
        assert_ne!(forged.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn membership_groups_and_organisations_follow_the_api_rules() {
    for node in nodes().await {
        let admin = node.portal_login("admin.fji").await;
        let saved =
            node.post_form(&admin, "/admin/members", &[("code", "VUT"), ("name", "Vanuatu"), ("kind", "state")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        assert_eq!(node.store.members().await.unwrap().iter().filter(|m| m.code.as_str() == "VUT").count(), 1);
        let bad =
            node.post_form(&admin, "/admin/members", &[("code", "vu"), ("name", "Vanuatu"), ("kind", "state")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"code-error\""));
        // Groups are the secretariat's.
        let group = [("code", "PIDC"), ("name", "PIDC"), ("members", "FJI"), ("members", "VUT")];
        assert_eq!(node.post_form(&admin, "/admin/groups", &group).await.status, StatusCode::FORBIDDEN);
        let secretariat = node.portal_login("sec.pidc").await;
        assert_eq!(node.page(&secretariat, "/admin/members").await.status, StatusCode::OK);
        assert_eq!(node.post_form(&secretariat, "/admin/groups", &group).await.status, StatusCode::SEE_OTHER);
        let pidc = node.store.groups().await.unwrap().into_iter().find(|g| g.code == "PIDC").unwrap();
        assert_eq!(pidc.members.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["FJI", "VUT"]);
        assert!(audited(&node, "group.put").await.contains(&"PIDC".to_owned()));
        // A national focal point adds and renames its own member's organisations only.
        let nfp = node.portal_login("nfp.nzl").await;
        let added = node
            .post_form(
                &nfp,
                "/admin/organisations",
                &[("member", "NZL"), ("name", "NZ Customs"), ("agency", "customs")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let nzl_org = Uuid::from_u128(4).to_string();
        let renamed = node
            .post_form(
                &nfp,
                "/admin/organisations",
                &[("id", &nzl_org), ("member", "NZL"), ("name", "Immigration New Zealand"), ("agency", "immigration")],
            )
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER);
        assert_eq!(node.store.organisation(Uuid::from_u128(4)).await.unwrap().name, "Immigration New Zealand");
        let fji_org = Uuid::from_u128(1).to_string();
        let abroad = node
            .post_form(
                &nfp,
                "/admin/organisations",
                &[("id", &fji_org), ("member", "FJI"), ("name", "Taken"), ("agency", "immigration")],
            )
            .await;
        assert_eq!(abroad.status, StatusCode::FORBIDDEN);
        let moved = node
            .post_form(
                &nfp,
                "/admin/organisations",
                &[("id", &fji_org), ("member", "NZL"), ("name", "Taken"), ("agency", "immigration")],
            )
            .await;
        assert_eq!(moved.status, StatusCode::FORBIDDEN, "an organisation does not change member");
        assert_ne!(node.store.organisation(Uuid::from_u128(1)).await.unwrap().name, "Taken");
    }
}
