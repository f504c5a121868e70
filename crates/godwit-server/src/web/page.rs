//! What every page shares: the layout's header and navigation ([`Chrome`]),
//! rendering, and errors shown as pages or as a trip to the sign-in page.

use std::convert::Infallible;

use askama::Template;
use axum::body::Body;
use axum::http::{Extensions, HeaderMap, HeaderName, StatusCode, Version, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use godwit_domain::user::Role;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::UnboundedReceiverStream;

use crate::error::ApiError;
use crate::web::assets::{ASSETS, Assets};
use crate::web::viewer::Viewer;

/// One entry of the navigation bar.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in person, as the header shows them.
pub struct NavUser {
    pub display_name: String,
    pub username: String,
    pub member: String,
    pub roles: String,
}

/// The layout around every page.
pub struct Chrome {
    pub title: String,
    pub user: Option<NavUser>,
    pub nav: Vec<NavLink>,
    /// The session's CSRF token; every form carries it.
    pub csrf: String,
    /// Unread notifications, shown by the bell.
    pub unread: i64,
    pub assets: &'static Assets,
}

/// A section of the portal: its link, its name, and who sees it in the navigation.
type Section = (&'static str, &'static str, fn(&Viewer) -> bool);

const SECTIONS: &[Section] = &[
    ("/", "Dashboard", |_| true),
    ("/items", "Items", |v| v.caller.subject.reads_content()),
    ("/search", "Search", |v| v.caller.subject.reads_content()),
    ("/screening", "Screening", |v| v.caller.subject.screens_travellers()),
    // Focal points manage their member's lists without screening.
    ("/screening/lists", "Screening lists", |v| {
        !v.caller.subject.screens_travellers() && crate::api::screening_lists::may_manage(&v.caller.subject)
    }),
    ("/incidents", "Incidents", crate::web::incidents::collects),
    ("/analysis", "Analysis", |v| crate::analysis::may_analyse(&v.caller.subject)),
    ("/plans", "Collection plans", crate::web::plans::sees_plans),
    // The same readers as collection plans.
    ("/rfis", "Requests", crate::web::plans::sees_plans),
    ("/threats", "Threats", crate::web::plans::sees_plans),
    ("/assessments", "Assessments", crate::web::plans::sees_plans),
    ("/bulletins", "Bulletins", crate::web::plans::sees_plans),
    ("/surveys", "Surveys", crate::web::plans::sees_plans),
    ("/items?state=submitted", "Approvals", |v| v.caller.subject.has(Role::AuthorisingOfficer)),
    ("/directory", "Directory", |v| v.caller.subject.reads_content() || v.caller.user.has(Role::NationalFocalPoint)),
    ("/agreements", "Agreements", |v| v.caller.subject.reads_content() || v.caller.user.has(Role::NationalFocalPoint)),
    ("/library", "Library", |v| v.caller.subject.reads_content()),
    ("/audit", "Audit", |v| v.caller.user.has(Role::Auditor)),
    ("/admin/users", "Users", |v| crate::admin::manages_accounts(&v.caller.user)),
    ("/admin/members", "Members", |v| crate::web::admin::sees_members(&v.caller.user)),
    ("/account", "Account", |_| true),
];

impl Chrome {
    /// The layout for a signed-in viewer; `section` is the navigation entry to mark current.
    pub fn new(viewer: &Viewer, title: impl Into<String>, section: &str) -> Self {
        let user = &viewer.caller.user;
        let nav = SECTIONS
            .iter()
            .filter(|(_, _, shown)| shown(viewer))
            .map(|(href, label, _)| NavLink { href, label, current: *href == section })
            .collect();
        Chrome {
            title: title.into(),
            user: Some(NavUser {
                display_name: user.display_name.clone(),
                username: user.username.clone(),
                member: user.member.to_string(),
                roles: user.roles.iter().map(|r| role_label(*r)).collect::<Vec<_>>().join(", "),
            }),
            nav,
            csrf: viewer.csrf.clone(),
            unread: viewer.unread_notifications,
            ..Chrome::public(String::new())
        }
    }

    /// The layout for pages seen before signing in.
    pub fn public(title: impl Into<String>) -> Self {
        Chrome { title: title.into(), user: None, nav: Vec::new(), csrf: String::new(), unread: 0, assets: &ASSETS }
    }
}

/// A role in words.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Analyst => "Analyst",
        Role::AuthorisingOfficer => "Authorising officer",
        Role::NationalFocalPoint => "National focal point",
        Role::OrganisationalFocalPoint => "Organisational focal point",
        Role::FrontLineOfficer => "Front-line officer",
        Role::Secretariat => "Secretariat",
        Role::Auditor => "Auditor",
        Role::Administrator => "Administrator",
    }
}

/// Renders a page, or an error page if the template fails.
pub fn render(page: &impl Template) -> Result<Response, WebError> {
    render_html(page).map(|html| Html(html).into_response())
}

fn render_html(page: &impl Template) -> Result<String, WebError> {
    page.render().map_err(|e| {
        tracing::error!(error = %e, "template failed");
        WebError::page(StatusCode::INTERNAL_SERVER_ERROR, "The page could not be drawn.")
    })
}

/// Where a page sent in parts is cut: what comes before is sent at once,
/// what comes after when the work it shows is done.
pub const STREAM_SLOT: &str = "<!--stream-->";

/// Marks a page sent in parts; proxies that honour it do not hold the parts
/// back, and neither does the portal's own compression ([`not_streamed`]).
const STREAMED: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Whether a response may be compressed: not a page sent in parts, which
/// compression would hold back until the end.
pub fn not_streamed(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    !headers.contains_key(STREAMED)
}

/// Renders `page` and cuts it at [`STREAM_SLOT`]: the parts before and after.
pub fn render_parts(page: &impl Template) -> Result<(String, String), WebError> {
    let html = render_html(page)?;
    match html.split_once(STREAM_SLOT) {
        Some((before, after)) => Ok((before.to_owned(), after.to_owned())),
        None => {
            tracing::error!("a streamed page has no slot");
            Err(WebError::page(StatusCode::INTERNAL_SERVER_ERROR, "The page could not be drawn."))
        }
    }
}

/// A page sent part by part as `parts` yields them (a long import's
/// progress, then its report), so a person sees it move on a slow link and
/// without script.
pub fn streamed(parts: UnboundedReceiver<String>) -> Response {
    let body = Body::from_stream(UnboundedReceiverStream::new(parts).map(Ok::<_, Infallible>));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (STREAMED, "no")], body).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    message: String,
}

/// Why a page is not shown.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in, or the session ended: go to the sign-in page, then `next`.
    SignIn { next: String, notice: Option<String> },
    /// Signed in, but the roles need a second factor that is not enrolled yet.
    EnrolTotp,
    /// Shown as a page with this status.
    Page { status: StatusCode, message: String },
}

impl WebError {
    pub fn page(status: StatusCode, message: impl Into<String>) -> Self {
        WebError::Page { status, message: message.into() }
    }

    pub fn not_found() -> Self {
        Self::page(StatusCode::NOT_FOUND, "There is no such page, or it is not released to you.")
    }
}

impl From<godwit_store::StoreError> for WebError {
    fn from(e: godwit_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        if e.status == StatusCode::UNAUTHORIZED {
            return WebError::SignIn { next: "/".into(), notice: e.detail };
        }
        let mut message = e.detail.unwrap_or_else(|| "The request could not be completed.".into());
        for field in &e.errors {
            message.push_str(&format!(" {}: {}.", field.field, field.message));
        }
        WebError::Page { status: e.status, message }
    }
}

fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "The request was not understood",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Changed meanwhile",
        413 => "Too large",
        423 => "Locked",
        429 => "Too many attempts",
        s if s >= 500 => "Something went wrong on our side",
        _ => "The page cannot be shown",
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignIn { next, notice } => {
                let mut target = format!("/login?next={}", urlencode(&next));
                if let Some(notice) = notice {
                    target.push_str(&format!("&notice={}", urlencode(&notice)));
                }
                Redirect::to(&target).into_response()
            }
            WebError::EnrolTotp => Redirect::to("/account/totp").into_response(),
            WebError::Page { status, message } => {
                let page = ErrorPage {
                    chrome: Chrome::public(heading(status)),
                    status: status.as_u16(),
                    heading: heading(status),
                    message,
                };
                match page.render() {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => (status, [(header::CONTENT_TYPE, "text/plain")], heading(status)).into_response(),
                }
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
