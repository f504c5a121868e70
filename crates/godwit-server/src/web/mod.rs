//! The portal: server-rendered pages for every role. Reading works without
//! JavaScript; a small vendored htmx makes a few interactions quicker. Pages go
//! through the same store functions as the JSON API, so the access policy and
//! the audit trail are the same whichever door a person uses.
//!
//! - [`viewer`]: who is looking (session cookie), CSRF for forms, sign-in redirects.
//! - [`page`]: the layout every page shares, errors as pages.
//! - [`assets`]: CSS and scripts compiled into the binary, cached by content hash.
//! - one module per area: [`signin`], [`account`], [`dashboard`], [`items`] and
//!   [`item_form`], [`search`] and [`saved`], [`plans`] (collection plans), [`regional`] (regional aggregates), [`rfis`] (requests for information), [`threats`] (threat registers, drawn by [`threat_charts`]), [`assessments`] and [`bulletins`] (documents for an audience), [`surveys`] (member capacity surveys, designed in [`survey_editor`] with [`survey_form`]), [`screening`] and [`screening_lists`], [`directory`], [`agreements`], [`library`], [`audit`],
//!   [`admin`] (accounts and membership); [`chart`] draws SVG charts.

pub mod account;
pub mod admin;
pub mod agreements;
pub mod analysis;
pub mod assessments;
pub mod assets;
pub mod audit;
pub mod bulletins;
pub mod chart;
pub mod dashboard;
pub mod directory;
pub mod documents;
pub mod forms;
pub mod incident_form;
pub mod incidents;
pub mod item_form;
pub mod items;
pub mod library;
pub mod map;
pub mod page;
pub mod plans;
pub mod regional;
pub mod rfis;
pub mod saved;
pub mod screening;
pub mod screening_lists;
pub mod search;
pub mod signin;
pub mod survey_editor;
pub mod survey_form;
pub mod surveys;
pub mod threat_charts;
pub mod threats;
pub mod viewer;
pub mod warnings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// Every portal route. Uploads get the attachment limit (plus room for the
/// form around the file); other forms `max_form_bytes`.
pub fn routes(max_form_bytes: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/items/{id}/attachments", post(items::upload))
        .route("/agreements/{id}/documents", post(agreements::upload))
        .layer(DefaultBodyLimit::max(godwit_store::items::MAX_ATTACHMENT_BYTES + 64 * 1024));
    let manifests = Router::new()
        .route("/screening", get(screening::form).post(screening::submit))
        .route("/screening/lists", get(screening_lists::show).post(screening_lists::upload))
        .layer(DefaultBodyLimit::max(crate::api::screening::MAX_MANIFEST_BYTES + 64 * 1024));
    let sheets = Router::new()
        .route("/incidents/import", post(incidents::import))
        .layer(DefaultBodyLimit::max(crate::collect::MAX_IMPORT_BYTES + 64 * 1024));
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(signin::form).post(signin::submit))
        .route("/logout", post(signin::logout))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/sessions/{id}/revoke", post(account::revoke_session))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/totp", get(account::totp_page_get))
        .route("/account/totp/start", post(account::totp_start))
        .route("/account/totp/confirm", post(account::totp_confirm))
        .route("/items", get(items::list).post(item_form::create))
        .route("/items/new", get(item_form::new_form))
        .route("/items/coverage", get(item_form::coverage_fragment))
        .route("/items/{id}", get(items::show).post(item_form::update))
        .route("/items/{id}/edit", get(item_form::edit_form))
        .route("/items/{id}/history", get(items::history))
        .route("/items/{id}/versions", post(items::new_version))
        .route("/items/{id}/workflow/{action}", post(items::act))
        .route("/items/{id}/attachments/{attachment}", get(items::download))
        .route("/search", get(search::show))
        .route("/incidents", get(incidents::show))
        .route("/analysis", get(analysis::show))
        .route("/analysis/warnings", get(warnings::show))
        .route("/analysis/regional", get(regional::show))
        .route("/analysis/regional/contribution", post(regional::contribute))
        .route("/incidents/export", get(incidents::export))
        .route("/incidents/templates/{code}", get(incidents::blank_sheet).post(incidents::save_template))
        .route("/incidents/templates/{code}/edit", get(incidents::edit_template))
        .route("/incidents/templates/{code}/reset", post(incidents::reset_template))
        .route("/incidents/templates/{code}/mapping", post(incidents::save_column_mapping))
        .route("/screening/document", post(screening::check_mrz))
        .route("/screening/lists/{id}/delete", post(screening_lists::delete))
        .route("/saved-searches", get(saved::list).post(saved::create))
        .route("/saved-searches/{id}", post(saved::update))
        .route("/saved-searches/{id}/edit", get(saved::edit))
        .route("/saved-searches/{id}/delete", post(saved::delete))
        .route("/notifications", get(saved::notifications))
        .route("/notifications/read", post(saved::mark_read))
        .route("/notifications/channels", post(saved::set_channels))
        .route("/directory", get(directory::contacts))
        .route("/agreements", get(agreements::list).post(agreements::create))
        .route("/agreements/new", get(agreements::new_form))
        .route("/agreements/{id}", get(agreements::show))
        .route("/agreements/{id}/edit", get(agreements::edit_form).post(agreements::amend))
        .route("/agreements/{id}/documents/{document}", get(agreements::download))
        .route("/agreements/{id}/{action}", post(agreements::act))
        .route("/plans", get(plans::show).post(plans::create))
        .route("/plans/{id}", get(plans::show_one))
        .route("/plans/{id}/links", post(plans::link))
        .route("/plans/{id}/links/{item}/delete", post(plans::unlink))
        .route("/plans/{id}/status", post(plans::set_status))
        .route("/rfis", get(rfis::show).post(rfis::create))
        .route("/rfis/{id}", get(rfis::show_one))
        .route("/rfis/{id}/{step}", post(rfis::act))
        .route("/threats", get(threats::show).post(threats::open))
        .route("/threats/taxonomy", post(threats::add_threat))
        .route("/threats/{member}", get(threats::show_register).post(threats::settings))
        .route("/threats/{member}/history", get(threats::history))
        .route("/threats/{member}/method", post(threats::method))
        .route("/threat-registers/{id}", get(threats::by_id))
        .route("/assessments", get(assessments::list).post(assessments::create))
        .route("/assessments/new", get(assessments::new))
        .route("/assessments/{id}", get(assessments::show))
        .route("/assessments/{id}/edit", get(assessments::edit).post(assessments::save))
        .route("/assessments/{id}/pdf", get(assessments::pdf))
        .route("/assessments/{id}/history", get(assessments::history))
        .route("/bulletins", get(bulletins::list).post(bulletins::create))
        .route("/bulletins/new", get(bulletins::new))
        .route("/bulletins/{id}", get(bulletins::show))
        .route("/bulletins/{id}/edit", get(bulletins::edit).post(bulletins::save))
        .route("/bulletins/{id}/foreword", post(bulletins::foreword))
        .route("/bulletins/{id}/pdf", get(bulletins::pdf))
        .route("/surveys", get(surveys::list))
        .route("/surveys/new", get(survey_editor::new_form).post(survey_editor::create))
        .route("/surveys/{id}", get(surveys::show))
        .route("/surveys/{id}/design", get(survey_editor::design).post(survey_editor::rearrange))
        .route("/surveys/{id}/settings", post(survey_editor::save_settings))
        .route("/surveys/{id}/sections", post(survey_editor::put_section))
        .route("/surveys/{id}/sections/{key}", get(survey_editor::section_form).post(survey_editor::put_section))
        .route("/surveys/{id}/questions", get(survey_editor::new_question).post(survey_editor::put_question))
        .route("/surveys/{id}/questions/{key}", get(survey_editor::question_form).post(survey_editor::put_question))
        .route("/surveys/{id}/publish", post(surveys::publish))
        .route("/surveys/{id}/answer", get(surveys::answer_form).post(surveys::answer))
        .route("/surveys/{id}/findings", get(surveys::findings))
        .route("/surveys/{id}/findings/data", get(surveys::findings_data))
        .route("/surveys/{id}/findings/pdf", get(surveys::findings_report))
        .route("/surveys/{id}/{step}", post(surveys::act))
        .route("/threats/{member}/entries", post(threats::assess))
        .route("/threats/{member}/entries/{threat}/delete", post(threats::delete_entry))
        .route("/threats/{member}/entries/{threat}/evidence", post(threats::link))
        .route("/threats/{member}/entries/{threat}/evidence/{item}/delete", post(threats::unlink))
        .route("/library", get(library::show))
        .route("/audit", get(audit::show))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", get(admin::user).post(admin::update_user))
        .route("/admin/users/{id}/tokens/{token}/revoke", post(admin::revoke_user_token))
        .route("/admin/users/{id}/{action}", post(admin::user_action))
        .route("/admin/members", get(admin::members).post(admin::put_member))
        .route("/admin/groups", post(admin::put_group))
        .route("/admin/organisations", post(admin::put_organisation))
        .route("/static/{hash}/{name}", get(assets::serve))
        .layer(DefaultBodyLimit::max(max_form_bytes))
        .merge(uploads)
        .merge(manifests)
        .merge(sheets)
}
