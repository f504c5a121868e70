//! A questionnaire's findings as a file, the same for the API, the portal and
//! the CLI: as data (CSV or XLSX), one row per answer counted, in the
//! questionnaire's order, each saying how many members responded ("of N"),
//! or as a printed report (PDF) under the questionnaire's marking. Both come
//! from the findings the store computed for the reader, so they hold nothing
//! the disclosure rule withholds (free text only from answers released to it).

use godwit_domain::marking::ClassificationScale;
use godwit_domain::survey::Questionnaire;
use godwit_domain::survey::answers::{Response, answers_for_member};
use godwit_domain::survey::findings::{Count, Findings, QuestionFindings, Tally, TextAnswer};
use godwit_domain::user::Subject;
use godwit_report::{Bar, Block, Report, Section, Span};
use godwit_sheets::export::{Out, named_table_xlsx, table_csv};
use godwit_store::audit::AuditEvent;
use godwit_store::documents::check_export_reason;
use godwit_store::surveys::FindingsView;
use godwit_store::{Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

use crate::collect::ExportFormat;
use crate::pdf::{PdfError, marked_report, typeset};

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
/// answer and `theme` the theme it is listed under (once per theme it
/// matches); `responding` the N of "of N responding members".
pub const HEADERS: [&str; 11] = [
    "section",
    "question",
    "question_text",
    "row",
    "answer",
    "value",
    "percent",
    "rank",
    "member",
    "theme",
    "responding",
];

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
        let mut row = |item: Out, answer: Out, value: Out, percent: Out, rank: Out, member: Out, theme: Out| {
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
                theme,
                number(responding),
            ]);
        };
        match &q.tally {
            Tally::Options { options } => {
                for o in options {
                    row(blank(), text(&o.label), number(o.count as f64), number(o.percent), blank(), blank(), blank());
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
                            blank(),
                        );
                    }
                }
            }
            Tally::Ranking { order } => {
                for (place, r) in order.iter().enumerate() {
                    let place = number((place + 1) as f64);
                    row(blank(), text(&r.label), number(r.points as f64), blank(), place, blank(), blank());
                }
            }
            Tally::Numbers { min, max, median, total } => {
                let figures = [("minimum", *min), ("median", *median), ("maximum", *max), ("total", Some(*total))];
                for (name, figure) in figures {
                    if let Some(figure) = figure {
                        row(blank(), text(name), number(figure as f64), blank(), blank(), blank(), blank());
                    }
                }
            }
            Tally::Text { answers, themes } if themes.is_empty() => {
                for a in answers {
                    row(blank(), text(&a.text), blank(), blank(), blank(), text(a.member.as_str()), blank());
                }
            }
            Tally::Text { themes, .. } => {
                for (theme, a) in themes.iter().flat_map(|t| t.answers.iter().map(move |a| (t, a))) {
                    row(blank(), text(&a.text), blank(), blank(), blank(), text(a.member.as_str()), text(&theme.label));
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

/// Records that `reader` downloaded the findings `view` as `format`, with
/// `detail` added: N, and the members whose answers it counts and shows.
/// Audited as `survey.export`.
async fn record_export(
    store: &Store,
    reader: &Subject,
    view: &FindingsView,
    format: &str,
    mut detail: serde_json::Map<String, serde_json::Value>,
) -> Result<(), StoreError> {
    detail.insert("format".into(), format.into());
    detail.insert("responding".into(), view.findings.responding.into());
    detail.insert("answers_of".into(), serde_json::json!(view.released.iter().map(|r| &r.member).collect::<Vec<_>>()));
    let event = AuditEvent::new("survey.export").by(reader.user, &reader.member).on(view.questionnaire.id);
    store.record(&[event.with(serde_json::Value::Object(detail))]).await
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
    let detail = serde_json::Map::from_iter([("rows".to_owned(), count.into())]);
    record_export(store, reader, &view, format.extension(), detail).await?;
    Ok((view, bytes))
}

/// The findings of questionnaire `id` as `reader` may see them, printed to
/// PDF under the questionnaire's marking; the download audited as
/// `survey.export` (format `pdf`, with `reason`) after it was made.
pub async fn findings_pdf(
    store: &Store,
    reader: &Subject,
    id: Uuid,
    reason: &str,
) -> Result<(FindingsView, Vec<u8>), PdfError> {
    check_export_reason(reason)?;
    let view = store.survey_findings(reader, id).await?;
    let bytes = typeset(findings_report(&view, &store.scale())).await?;
    let detail = serde_json::Map::from_iter([("reason".to_owned(), reason.into())]);
    record_export(store, reader, &view, "pdf", detail).await?;
    Ok((view, bytes))
}

/// The file name of the findings as PDF.
pub fn pdf_file_name(id: Uuid) -> String {
    format!("survey-{id}-findings.pdf")
}

/// "member" or "members", for `count` of them.
fn members(count: usize) -> &'static str {
    if count == 1 { "member" } else { "members" }
}

/// Who responded and whose answers are counted, in words, as the portal, the
/// PDF and the CLI lead with it: how many members submitted only where the
/// findings are released to the reader (as the list of questionnaires).
pub fn responding_line(view: &FindingsView) -> String {
    let n = view.findings.responding;
    match view.findings.submitted {
        Some(submitted) => format!(
            "{submitted} responding {} of {} asked; counted: the {n} whose answers are released to you",
            members(submitted),
            view.asked
        ),
        None => format!("{n} responding {} whose answers are released to you, of {} asked", members(n), view.asked),
    }
}

/// How the figures of `findings` were counted, in words: the disclosure rule
/// as it applied to this reader.
pub fn basis_note(findings: &Findings) -> String {
    let n = findings.responding;
    let not_counted = match findings.submitted.map(|s| s.saturating_sub(n)) {
        Some(0) | None => String::new(),
        Some(other) => format!(
            " The answers of {other} other {} that responded are not released to you and are not counted.",
            members(other)
        ),
    };
    format!(
        "Counts and shares are of {n} responding {} whose answers are released to you: only answers \
         released to you are counted, so that no figure gives away an answer you may not read.{not_counted} A \
         share is a count of {n}, rounded half up to a whole per cent.",
        members(n)
    )
}

/// Free-text answers as a list, each under its member's code.
fn text_list(answers: &[TextAnswer]) -> Block {
    Block::List {
        items: answers
            .iter()
            .map(|a| {
                vec![Span { strong: true, ..Span::plain(a.member.as_str()) }, Span::plain(format!(": {}", a.text))]
            })
            .collect(),
    }
}

/// The blocks that print one question's findings, `n` the responding members.
fn question_blocks(q: &QuestionFindings, n: usize) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading { text: q.text.clone() },
        Block::note(format!(
            "Answered by {} of the {n} responding members whose answers are released to you.",
            q.answered
        )),
    ];
    let share = |o: &Count| format!("{} ({}%)", o.count, o.percent);
    match &q.tally {
        Tally::Options { options } => blocks.push(Block::BarChart {
            title: format!("Members, of {n} responding"),
            bars: options
                .iter()
                .map(|o| Bar { label: format!("{} ({}%)", o.label, o.percent), value: o.count as u64 })
                .collect(),
        }),
        Tally::Matrix { rows } => {
            let header = std::iter::once(String::new())
                .chain(rows.first().into_iter().flat_map(|r| r.options.iter().map(|o| o.label.clone())))
                .collect();
            let rows = rows
                .iter()
                .map(|r| std::iter::once(r.label.clone()).chain(r.options.iter().map(share)).collect())
                .collect();
            blocks.push(Block::table(header, rows));
        }
        Tally::Ranking { order } => {
            blocks.push(Block::paragraph(
                "In order of overall priority: a member's first choice earns as many points as there are \
                 options, its second one fewer, and so on.",
            ));
            let header = ["Place", "Priority", "Points", "Ranked first by", "Ranked by"].map(String::from).to_vec();
            let rows = order
                .iter()
                .enumerate()
                .map(|(place, r)| {
                    vec![
                        (place + 1).to_string(),
                        r.label.clone(),
                        r.points.to_string(),
                        r.first.to_string(),
                        r.ranked_by.to_string(),
                    ]
                })
                .collect();
            blocks.push(Block::table(header, rows));
        }
        Tally::Numbers { min, max, median, total } => {
            let figure = |v: &Option<i64>| v.map_or_else(|| "–".to_owned(), |x| x.to_string());
            blocks.push(Block::table(
                ["Lowest", "Median", "Highest", "Total"].map(String::from).to_vec(),
                vec![vec![figure(min), figure(median), figure(max), total.to_string()]],
            ));
        }
        Tally::Text { answers, .. } if answers.is_empty() => {
            blocks.push(Block::note("No answer released to you."));
        }
        Tally::Text { answers, themes } if themes.is_empty() => blocks.push(text_list(answers)),
        Tally::Text { themes, .. } => {
            blocks.push(Block::note("By theme: an answer that matches several themes is listed under each."));
            for theme in themes {
                let title = Span { strong: true, ..Span::plain(format!("{} ({})", theme.label, theme.answers.len())) };
                blocks.push(Block::Paragraph { spans: vec![title] });
                if !theme.answers.is_empty() {
                    blocks.push(text_list(&theme.answers));
                }
            }
        }
    }
    blocks
}

/// The findings `view` as a printable report under the questionnaire's
/// marking: how they were counted, each section's questions, the comparison
/// with the earlier round.
pub fn findings_report(view: &FindingsView, scale: &ClassificationScale) -> Report {
    let q = &view.questionnaire;
    let f = &view.findings;
    let n = f.responding;
    let counted = Section::new("How the figures are counted").with(Block::paragraph(basis_note(f)));
    let sections = q.draft.sections.iter().map(|s| {
        let blocks = f.questions.iter().filter(|x| x.section == s.key).flat_map(|x| question_blocks(x, n));
        Section { heading: s.title.clone(), blocks: blocks.collect() }
    });
    let mut report: Vec<Section> = std::iter::once(counted).chain(sections).collect();
    if !view.changes.is_empty() {
        let text_of = |key: &str| q.draft.question(key).map_or_else(|| key.to_owned(), |x| x.text.clone());
        let shown =
            |measure: &str, value: u32| if measure == "rank" { format!("#{value}") } else { format!("{value}%") };
        let rows = view
            .changes
            .iter()
            .map(|c| vec![text_of(&c.question), c.label.clone(), shown(c.measure, c.then), shown(c.measure, c.now)])
            .collect();
        report.push(
            Section::new("Compared with the earlier round")
                .with(Block::paragraph(
                    "Shares of the responding members, and the places of ranked priorities, then and now; the \
                     earlier round counted under the same rule, over the answers released to you.",
                ))
                .with(Block::table(["Question", "Answer", "Then", "Now"].map(String::from).to_vec(), rows)),
        );
    }
    let round = if q.draft.round.is_empty() { String::new() } else { format!(", round {}", q.draft.round) };
    marked_report(
        &q.envelope(),
        scale,
        format!("Findings: {}", q.draft.title),
        format!(
            "A survey by {}{round}, open {} to {}: {}.",
            q.member,
            q.draft.opens_on,
            q.draft.closes_on,
            responding_line(view)
        ),
        report,
    )
}
