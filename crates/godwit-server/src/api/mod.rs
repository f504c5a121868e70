//! The JSON API under `/api/v1` and its OpenAPI 3.1 document.

pub mod agreements;
pub mod analysis;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod bulletins;
pub mod directory;
pub mod incidents;
pub mod items;
pub mod regional;
pub mod requirements;
pub mod rfis;
pub mod saved_searches;
pub mod screening;
pub mod screening_lists;
pub mod search;
pub mod stix;
pub mod surveys;
pub mod threats;
pub mod users;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post, put};
use godwit_domain::marking::Tlp;
use godwit_domain::taxonomy::Taxonomies;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::state::AppState;

/// The markings this node uses, for clients that build forms.
#[derive(Serialize, ToSchema)]
pub struct Markings {
    /// Classification levels, lowest first; items carry the index.
    pub classifications: Vec<String>,
    pub tlp: Vec<Tlp>,
    /// The tag taxonomies; tags are `namespace:value`.
    pub taxonomies: Taxonomies,
}

#[utoipa::path(get, path = "/api/v1/markings", tag = "items", responses((status = 200, body = Markings)))]
pub async fn markings(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Markings>> {
    Ok(Json(Markings {
        classifications: state.store.scale().levels,
        tlp: Tlp::ALL.to_vec(),
        taxonomies: state.store.taxonomies().clone(),
    }))
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::session::SESSION_COOKIE))),
        );
    }
}

/// The problems any operation can answer before its handler decides anything,
/// documented on every operation that can meet them: 401 without a valid
/// session or token; 400 for a path, query or body that does not parse and 422
/// for one that parses but is invalid; 413 and 415 for a body that is too large
/// or not of the documented type.
struct StandardProblems;

impl StandardProblems {
    fn add(operation: &mut utoipa::openapi::path::Operation) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let takes_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
        let takes_body = operation.request_body.is_some();
        let statuses = [
            ("400", "The request does not parse.", takes_input || takes_body),
            ("401", "Not signed in, or the session or token has ended.", true),
            ("413", "The body is larger than this operation accepts.", takes_body),
            ("415", "The body is not of the documented media type.", takes_body),
            ("422", "The request parses but is invalid; `errors` names the fields.", takes_input || takes_body),
        ];
        for (status, description, applies) in statuses {
            if applies && !operation.responses.responses.contains_key(status) {
                let problem = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                let response =
                    ResponseBuilder::new().description(description).content("application/problem+json", problem);
                operation.responses.responses.insert(status.to_owned(), response.build().into());
            }
        }
    }
}

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                Self::add(operation);
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Godwit API", description = "Share immigration information and intelligence between member agencies. Errors are RFC 9457 problem+json with a stable `code`."),
    paths(
        auth::login, auth::logout, auth::me, auth::sessions, auth::revoke_session, auth::change_password,
        auth::totp_enrol, auth::totp_confirm, auth::create_token, auth::tokens, auth::revoke_token,
        items::list, items::create, items::read, items::update, items::submit, items::approve,
        items::return_to_author, items::withdraw, items::new_version, items::history,
        items::upload, items::attachments, items::download, markings,
        directory::members, directory::put_member, directory::groups, directory::put_group,
        directory::organisations, directory::create_organisation, directory::contact_points, directory::put_contact_point,
        agreements::list, agreements::read, agreements::put, agreements::confirm, agreements::documents,
        agreements::download,
        users::list, users::create, users::update,
        audit::list, audit::verify,
        search::search,
        saved_searches::list, saved_searches::create, saved_searches::read, saved_searches::update,
        saved_searches::delete, saved_searches::notifications, saved_searches::mark_read,
        saved_searches::channels, saved_searches::put_channels,
        screening::manifest, screening::traveller, screening::document,
        screening_lists::list, screening_lists::upload, screening_lists::delete,
        incidents::templates, incidents::template, incidents::put_template, incidents::delete_template,
        incidents::mapping, incidents::put_mapping, incidents::import, incidents::export,
        analysis::trend, analysis::top, analysis::routes, analysis::warnings,
        regional::regions, regional::opt_in, regional::opt_out, regional::trend, regional::top, regional::routes,
        requirements::list, requirements::create, requirements::read, requirements::update,
        requirements::link, requirements::unlink, requirements::coverage, requirements::measures,
        rfis::list, rfis::create, rfis::read, rfis::assign, rfis::answer, rfis::decline, rfis::rate, rfis::close,
        rfis::statistics,
        threats::taxonomy, threats::add_threat, threats::list, threats::create, threats::read, threats::update,
        threats::put_entry, threats::delete_entry, threats::link, threats::unlink, threats::history, threats::picture,
        assessments::list, assessments::create, assessments::read, assessments::update, assessments::history,
        surveys::list, surveys::create, surveys::read, surveys::update, surveys::response, surveys::save,
        surveys::delegate, surveys::submit, surveys::approve, surveys::return_answers, surveys::findings,
        surveys::findings_data, surveys::findings_report,
        stix::bundle, stix::import,
        assessments::pdf,
        bulletins::list, bulletins::create, bulletins::read, bulletins::update, bulletins::history, bulletins::pdf,
    ),
    components(schemas(crate::collect::ExportFormat)),
    modifiers(&SecuritySchemes, &StandardProblems),
    security(("bearer" = []), ("session_cookie" = [])),
)]
pub struct ApiDoc;

/// Routes of `/api/v1`.
pub fn routes(max_json_bytes: usize) -> Router<AppState> {
    let attachments = Router::new()
        .route("/items/{id}/attachments", post(items::upload).get(items::attachments))
        .layer(DefaultBodyLimit::max(godwit_store::items::MAX_ATTACHMENT_BYTES));
    let manifests = Router::new()
        .route("/screening/manifests", post(screening::manifest))
        .route("/screening/lists", get(screening_lists::list).post(screening_lists::upload))
        .layer(DefaultBodyLimit::max(screening::MAX_MANIFEST_BYTES));
    let imports = Router::new()
        .route("/imports/incidents", post(incidents::import))
        .route("/stix/import", post(stix::import))
        .layer(DefaultBodyLimit::max(crate::collect::MAX_IMPORT_BYTES));
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{id}", axum::routing::delete(auth::revoke_session))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/totp/enrol", post(auth::totp_enrol))
        .route("/auth/totp/confirm", post(auth::totp_confirm))
        .route("/auth/tokens", post(auth::create_token).get(auth::tokens))
        .route("/auth/tokens/{id}", axum::routing::delete(auth::revoke_token))
        .route("/items", get(items::list).post(items::create))
        .route("/items/{id}", get(items::read).put(items::update))
        .route("/items/{id}/submit", post(items::submit))
        .route("/items/{id}/approve", post(items::approve))
        .route("/items/{id}/return", post(items::return_to_author))
        .route("/items/{id}/withdraw", post(items::withdraw))
        .route("/items/{id}/versions", post(items::new_version))
        .route("/items/{id}/history", get(items::history))
        .route("/items/{id}/attachments/{attachment}", get(items::download))
        .route("/markings", get(markings))
        .route("/members", get(directory::members))
        .route("/members/{code}", put(directory::put_member))
        .route("/members/{code}/organisations", get(directory::organisations))
        .route("/groups", get(directory::groups))
        .route("/groups/{code}", put(directory::put_group))
        .route("/organisations", post(directory::create_organisation))
        .route("/contact-points", get(directory::contact_points))
        .route("/contact-points/{id}", put(directory::put_contact_point))
        .route("/agreements", get(agreements::list))
        .route("/agreements/{id}", get(agreements::read).put(agreements::put))
        .route("/agreements/{id}/confirm", post(agreements::confirm))
        .route("/agreements/{id}/documents", get(agreements::documents))
        .route("/agreements/{id}/documents/{document}", get(agreements::download))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", axum::routing::patch(users::update))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/search", get(search::search))
        .route("/saved-searches", get(saved_searches::list).post(saved_searches::create))
        .route(
            "/saved-searches/{id}",
            get(saved_searches::read).put(saved_searches::update).delete(saved_searches::delete),
        )
        .route("/notifications", get(saved_searches::notifications))
        .route("/notifications/read", post(saved_searches::mark_read))
        .route("/notifications/channels", get(saved_searches::channels).put(saved_searches::put_channels))
        .route("/screening/travellers", post(screening::traveller))
        .route("/screening/documents", post(screening::document))
        .route("/screening/lists/{id}", axum::routing::delete(screening_lists::delete))
        .route("/collection-templates", get(incidents::templates))
        .route(
            "/collection-templates/{code}",
            get(incidents::template).put(incidents::put_template).delete(incidents::delete_template),
        )
        .route("/collection-templates/{code}/mapping", get(incidents::mapping).put(incidents::put_mapping))
        .route("/exports/incidents", get(incidents::export))
        .route("/stix/bundle", get(stix::bundle))
        .route("/analysis/incidents/trend", get(analysis::trend))
        .route("/analysis/incidents/top", get(analysis::top))
        .route("/analysis/incidents/routes", get(analysis::routes))
        .route("/analysis/incidents/warnings", get(analysis::warnings))
        .route("/analysis/regional", get(regional::regions))
        .route("/analysis/regional/{region}/contribution", put(regional::opt_in).delete(regional::opt_out))
        .route("/analysis/regional/{region}/trend", get(regional::trend))
        .route("/analysis/regional/{region}/top", get(regional::top))
        .route("/analysis/regional/{region}/routes", get(regional::routes))
        .route("/requirements", get(requirements::list).post(requirements::create))
        .route("/requirements/coverage", get(requirements::coverage))
        .route("/requirements/{id}", get(requirements::read).put(requirements::update))
        .route("/requirements/{id}/links/{item}", put(requirements::link).delete(requirements::unlink))
        .route("/measures", get(requirements::measures))
        .route("/rfis", get(rfis::list).post(rfis::create))
        .route("/rfis/statistics", get(rfis::statistics))
        .route("/rfis/{id}", get(rfis::read))
        .route("/rfis/{id}/assign", post(rfis::assign))
        .route("/rfis/{id}/answer", post(rfis::answer))
        .route("/rfis/{id}/decline", post(rfis::decline))
        .route("/rfis/{id}/rate", post(rfis::rate))
        .route("/rfis/{id}/close", post(rfis::close))
        .route("/threats", get(threats::taxonomy).post(threats::add_threat))
        .route("/threat-registers", get(threats::list).post(threats::create))
        .route("/threat-registers/{member}", get(threats::read).put(threats::update))
        .route("/threat-registers/{member}/history", get(threats::history))
        .route("/threat-registers/{member}/entries/{threat}", put(threats::put_entry).delete(threats::delete_entry))
        .route(
            "/threat-registers/{member}/entries/{threat}/evidence/{item}",
            put(threats::link).delete(threats::unlink),
        )
        .route("/threat-picture", get(threats::picture))
        .route("/assessments", get(assessments::list).post(assessments::create))
        .route("/assessments/{id}", get(assessments::read).put(assessments::update))
        .route("/assessments/{id}/history", get(assessments::history))
        .route("/surveys", get(surveys::list).post(surveys::create))
        .route("/surveys/{id}", get(surveys::read).put(surveys::update))
        .route("/surveys/{id}/response", get(surveys::response).put(surveys::save))
        .route("/surveys/{id}/response/delegate", post(surveys::delegate))
        .route("/surveys/{id}/response/submit", post(surveys::submit))
        .route("/surveys/{id}/response/approve", post(surveys::approve))
        .route("/surveys/{id}/response/return", post(surveys::return_answers))
        .route("/surveys/{id}/findings", get(surveys::findings))
        .route("/surveys/{id}/findings/data", get(surveys::findings_data))
        .route("/surveys/{id}/findings/pdf", get(surveys::findings_report))
        .route("/assessments/{id}/pdf", get(assessments::pdf))
        .route("/bulletins", get(bulletins::list).post(bulletins::create))
        .route("/bulletins/{id}", get(bulletins::read).put(bulletins::update))
        .route("/bulletins/{id}/history", get(bulletins::history))
        .route("/bulletins/{id}/pdf", get(bulletins::pdf))
        .layer(DefaultBodyLimit::max(max_json_bytes))
        .merge(attachments)
        .merge(manifests)
        .merge(imports)
}
