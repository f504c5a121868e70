//! A questionnaire's findings as a file (CSV or XLSX), the same for the API,
//! the portal and the CLI: one row per answer counted, in the questionnaire's
//! order, each saying how many members responded ("of N"). The rows come from
//! the findings the store computed for the reader, so they hold nothing the
//! disclosure rule withholds (free text only from answers released to it).

use godwit_domain::survey::Questionnaire;
use godwit_domain::survey::answers::{Response, answers_for_member};
use godwit_domain::survey::findings::{Findings, Tally};
use godwit_domain::user::Subject;
use godwit_sheets::export::{Out, named_table_xlsx, table_csv};
use godwit_store::audit::AuditEvent;
use godwit_store::surveys::FindingsView;
use godwit_store::{Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

use crate::collect::ExportFormat;

/// A member's response as the caller works on it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponseView {
    /// `null` until the member's focal point first saves answers.
    pub response: Option<Response>,
    /// The keys of the questions asked given the answers so far: a question
    /// whose condition is not met is not asked, and its answer not kept.
    pub asked: Vec<String>,
    /// The sections the caller may answer: all for the member's focal point,
    /// those delegated to it for a colleague.
    pub editable_sections: Vec<String>,
}

/// The questionnaire `id` and the caller's member's response to it, if the
/// caller may read both (the store's rules).
pub async fn response_view(
    store: &Store,
    subject: &Subject,
    id: Uuid,
) -> Result<(Questionnaire, ResponseView), StoreError> {
    let q = store.questionnaire(subject, id).await?;
    let response = store.survey_response(subject, id).await?;
    let editable_sections = match &response {
        Some(r) => r.editable_sections(&q.draft, subject).into_iter().collect(),
        None if q.asks(subject) && answers_for_member(subject, &subject.member) => {
            q.draft.sections.iter().map(|s| s.key.clone()).collect()
        }
        None => Vec::new(),
    };
    let asked = q.draft.asked(&response.as_ref().map(|r| r.answers.clone()).unwrap_or_default()).into_iter().collect();
    Ok((q, ResponseView { response, asked, editable_sections }))
}

/// The columns: `row` is a matrix item; `value` a count of members (choices,
/// scales, matrices), Borda points (ranked priorities) or a figure (numbers);
/// `rank` the overall place of a priority; `member` the author of a free-text
/// answer; `responding` the N of "of N responding members".
pub const HEADERS: [&str; 10] =
    ["section", "question", "question_text", "row", "answer", "value", "percent", "rank", "member", "responding"];

fn text(t: &str) -> Out {
    Out::Text(t.to_owned())
}

fn number(n: impl Into<f64>) -> Out {
    Out::Number(n.into())
}

fn blank() -> Out {
    Out::Text(String::new())
}

/// The rows of `findings`, in [`HEADERS`] order.
pub fn rows(findings: &Findings) -> Vec<Vec<Out>> {
    let responding = findings.responding as f64;
    let mut out = Vec::new();
    for q in &findings.questions {
        let mut row = |item: Out, answer: Out, value: Out, percent: Out, rank: Out, member: Out| {
            out.push(vec![
                text(&q.section),
                text(&q.key),
                text(&q.text),
                item,
                answer,
                value,
                percent,
                rank,
                member,
                number(responding),
            ]);
        };
        match &q.tally {
            Tally::Options { options } => {
                for o in options {
                    row(blank(), text(&o.label), number(o.count as f64), number(o.percent), blank(), blank());
                }
            }
            Tally::Matrix { rows } => {
                for r in rows {
                    for o in &r.options {
                        row(
                            text(&r.label),
                            text(&o.label),
                            number(o.count as f64),
                            number(o.percent),
                            blank(),
                            blank(),
                        );
                    }
                }
            }
            Tally::Ranking { order } => {
                for (place, r) in order.iter().enumerate() {
                    row(blank(), text(&r.label), number(r.points as f64), blank(), number((place + 1) as f64), blank());
                }
            }
            Tally::Numbers { min, max, median, total } => {
                let figures = [("minimum", *min), ("median", *median), ("maximum", *max), ("total", Some(*total))];
                for (name, figure) in figures {
                    if let Some(figure) = figure {
                        row(blank(), text(name), number(figure as f64), blank(), blank(), blank());
                    }
                }
            }
            Tally::Text { answers } => {
                for a in answers {
                    row(blank(), text(&a.text), blank(), blank(), blank(), text(a.member.as_str()));
                }
            }
        }
    }
    out
}

/// The file name of a download.
pub fn file_name(id: Uuid, format: ExportFormat) -> String {
    format!("survey-{id}-findings.{}", format.extension())
}

/// The findings of questionnaire `id` as `reader` may see them, and as a file
/// in `format`. The read is audited by the store (`survey.findings`), the
/// download as `survey.export`.
pub async fn findings_file(
    store: &Store,
    reader: &Subject,
    id: Uuid,
    format: ExportFormat,
) -> Result<(FindingsView, Vec<u8>), StoreError> {
    let view = store.survey_findings(reader, id).await?;
    let rows = rows(&view.findings);
    let count = rows.len();
    let bytes = match format {
        ExportFormat::Csv => table_csv(&HEADERS, rows.into_iter()),
        ExportFormat::Xlsx => named_table_xlsx("Findings", &HEADERS, rows.into_iter())
            .map_err(|e| StoreError::Corrupt(format!("writing the workbook: {e}")))?,
    };
    store
        .record(&[AuditEvent::new("survey.export").by(reader.user, &reader.member).on(id).with(serde_json::json!({
            "format": format.extension(),
            "rows": count,
            "basis": view.findings.basis,
            "responding": view.findings.responding,
        }))])
        .await?;
    Ok((view, bytes))
}
