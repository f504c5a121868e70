//! Member capacity surveys (issue 9).
//!
//! - `GET /surveys`, `POST /surveys`: the questionnaires the caller sees;
//!   design one (a draft) for the caller's member;
//! - `GET /surveys/{id}`, `PUT /surveys/{id}`: one questionnaire; change its
//!   design, or publish it to its audience (`"publish": true`);
//! - `GET /surveys/{id}/response`, `PUT /surveys/{id}/response`: the caller's
//!   member's response; save answers as a draft;
//! - `POST /surveys/{id}/response/delegate|submit|approve|return`: the steps;
//! - `GET /surveys/{id}/findings`: the findings as the caller may see them;
//! - `GET /surveys/{id}/findings/data?format=csv|xlsx`: the same as a file;
//! - `GET /surveys/{id}/findings/pdf?reason=`: the same printed to PDF.
//!
//! Rules, notifications and audit are the store's ([`godwit_store::surveys`]);
//! the disclosure rule of the findings is `godwit_domain::survey::findings`'.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use godwit_domain::survey::answers::{Answers, Response, ResponseAction, ResponseRelease};
use godwit_domain::survey::{Questionnaire, QuestionnaireDraft};
use godwit_store::surveys::{FindingsView, QuestionnaireListed};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::assessments::ExportReason;
use crate::api::incidents::ExportParams;
use crate::auth::Caller;
use crate::collect::ExportFormat;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::surveys::{ResponseView, file_name, findings_file, findings_pdf, pdf_file_name, response_view};

/// The questionnaires the caller designs, is asked to answer or reads the
/// findings of, latest closing first.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", responses((status = 200, body = [QuestionnaireListed])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<QuestionnaireListed>>> {
    Ok(Json(state.store.questionnaires(&caller.subject).await?))
}

/// Designs a questionnaire as a draft of the caller's member (its
/// secretariat, national focal point or authorising officers).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = QuestionnaireDraft,
    responses((status = 201, body = Questionnaire), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(draft): Json<QuestionnaireDraft>,
) -> ApiResult<(StatusCode, Json<Questionnaire>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_questionnaire(&caller.subject, draft).await?)))
}

/// One questionnaire: its designers, the members asked and those its
/// findings are released to see it (audited when classified).
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = Questionnaire), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Questionnaire>> {
    Ok(Json(state.store.questionnaire(&caller.subject, id).await?))
}

/// A new design, or the publication of a draft.
#[derive(Deserialize, ToSchema)]
pub struct QuestionnaireChange {
    /// `true`: publish to the audience. Once published, only the dates,
    /// markings and release of the findings may change.
    #[serde(default)]
    pub publish: bool,
    #[serde(flatten)]
    pub draft: QuestionnaireDraft,
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = QuestionnaireChange,
    responses((status = 200, body = Questionnaire), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(change): Json<QuestionnaireChange>,
) -> ApiResult<Json<Questionnaire>> {
    Ok(Json(state.store.update_questionnaire(&caller.subject, id, change.draft, change.publish).await?))
}

/// The caller's member's response, if the caller works on it or may read it,
/// with the questions asked and the sections the caller may answer.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/response", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = ResponseView), (status = 404, body = crate::error::Problem)))]
pub async fn response(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ResponseView>> {
    Ok(Json(response_view(&state.store, &caller.subject, id).await?.1))
}

/// Answers by question key: `true`/`false` (yes/no), a number (number,
/// scale), an option key (single choice) or text (free text), a list of
/// option keys (multiple choice; ranked priorities, most important first), a
/// map item → option key (matrix).
#[derive(Deserialize, ToSchema)]
pub struct AnswersBody {
    #[schema(value_type = Object)]
    pub answers: Answers,
}

async fn step(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: ResponseAction,
    answers: Answers,
) -> ApiResult<Json<Response>> {
    Ok(Json(state.store.act_on_survey_response(&caller.subject, id, action, answers).await?))
}

/// Saves answers as a draft: those of the sections the caller may answer are
/// replaced, the others kept; a draft may be incomplete. The focal point's
/// first save starts the response.
#[utoipa::path(put, path = "/api/v1/surveys/{id}/response", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = AnswersBody,
    responses((status = 200, body = Response), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<AnswersBody>,
) -> ApiResult<Json<Response>> {
    step(&state, &caller, id, ResponseAction::Save, body.answers).await
}

#[derive(Deserialize, ToSchema)]
pub struct DelegateBody {
    /// A section key.
    pub section: String,
    /// A colleague of the caller's member; `null` takes the section back.
    #[serde(default)]
    pub to: Option<Uuid>,
}

/// The focal point gives a section to a colleague (who is notified), or takes it back.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/response/delegate", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = DelegateBody,
    responses((status = 200, body = Response), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn delegate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<DelegateBody>,
) -> ApiResult<Json<Response>> {
    step(&state, &caller, id, ResponseAction::Delegate { section: body.section, to: body.to }, Answers::new()).await
}

/// The focal point sends the complete answers to the member's authorising
/// officers (who are notified) for approval.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/response/submit", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = Response), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn submit(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<Response>> {
    step(&state, &caller, id, ResponseAction::Submit, Answers::new()).await
}

/// An authorising officer of the member (not the one who submitted) approves
/// the answers with their markings and release: they are then counted, and
/// read as they are released (the designing member always).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/response/approve", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = ResponseRelease,
    responses((status = 200, body = Response), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(release): Json<ResponseRelease>,
) -> ApiResult<Json<Response>> {
    step(&state, &caller, id, ResponseAction::Approve(release), Answers::new()).await
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnBody {
    pub reason: String,
}

/// An authorising officer returns the answers to the focal point with a reason.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/response/return", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = ReturnBody,
    responses((status = 200, body = Response), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn return_answers(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<ReturnBody>,
) -> ApiResult<Json<Response>> {
    step(&state, &caller, id, ResponseAction::Return { reason: body.reason }, Answers::new()).await
}

/// The findings as the caller may see them: counts and percentages "of N
/// responding members", free text and individual answers, all only from the
/// responses released to it; how many members submitted where the findings
/// are released to it; the comparison with the earlier round. Audited.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/findings", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = FindingsView), (status = 404, body = crate::error::Problem)))]
pub async fn findings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<FindingsView>> {
    Ok(Json(state.store.survey_findings(&caller.subject, id).await?))
}

/// The findings' data, one row per answer counted (docs/surveys.md lists the
/// columns). Audited.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/findings/data", tag = "surveys",
    params(("id" = Uuid, Path), ExportParams),
    responses((status = 200, description = "The findings as the caller may see them", content_type = "text/csv"),
        (status = 404, body = crate::error::Problem)))]
pub async fn findings_data(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(params): Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let format = params.format.unwrap_or(ExportFormat::Csv);
    let (_, bytes) = findings_file(&state.store, &caller.subject, id, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", file_name(id, format));
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The findings as the caller may see them, printed to PDF with the
/// questionnaire's marking at the top and bottom of every page: counts and
/// shares per question, ranked priorities in overall order, free text, the
/// comparison with the earlier round, and how the figures were counted.
/// Audited as `survey.export` (format `pdf`, with the reason).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/findings/pdf", tag = "surveys",
    params(("id" = Uuid, Path), ExportReason),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn findings_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<ExportReason>,
) -> ApiResult<HttpResponse> {
    let (_, bytes) = findings_pdf(&state.store, &caller.subject, id, q.given()).await?;
    Ok(crate::pdf::pdf_response(bytes, &pdf_file_name(id)))
}
