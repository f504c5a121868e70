//! Threat and risk registers in the portal: `/threats` draws the regional
//! picture (heat map, risk-matrix plot, notable differences) from the
//! registers released to the viewer, with the taxonomy; `/threats/{member}` is
//! one register with its entries, evidence, forms to assess threats and set
//! the register's markings and release; `/threats/{member}/history` lists every
//! change. Rules, history and audit are the store's, as for the API.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::item::{Envelope, Releasability};
use godwit_domain::marking::{Caveats, ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::risk::{POINTS, Rating, RiskMethod, Trend};
use godwit_domain::threat::{EntryDraft, Mitigation, Register, RegisterSettings, Threat, releases_register};
use godwit_store::threats::{Change, RegionalPicture, RegisterView};
use uuid::Uuid;

use crate::api::items::MarkingView;
use crate::api::threats::member_code;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::page::{Chrome, WebError, render};
use crate::web::plans::{Done, item_id_from, sees_plans};
use crate::web::threat_charts::{heat_map, matrix_plot, rating_colours, trend_arrow};
use crate::web::viewer::{Viewer, WebForm};

fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Threat registers are for those who read intelligence."))
    }
}

/// A register's marking banner, in the shape `banner.html` draws.
pub struct Banner {
    pub marking: MarkingView,
    pub level: u8,
    pub tlp_class: String,
}

impl Banner {
    fn of(register: &Register, state: &AppState) -> Self {
        Self::of_envelope(&register.envelope(), &state.store.scale())
    }

    /// The banner of anything marked like an item.
    pub fn of_envelope(envelope: &Envelope, scale: &ClassificationScale) -> Self {
        Banner {
            marking: MarkingView::of_envelope(envelope, scale),
            level: envelope.classification.0.min(3),
            tlp_class: envelope.tlp.as_str().replace('+', ""),
        }
    }
}

/// A rating as a coloured badge.
pub struct Badge {
    pub word: &'static str,
    pub style: String,
}

fn badge(rating: Rating) -> Badge {
    let (fill, ink) = rating_colours(rating);
    Badge { word: rating.as_str(), style: format!("background:{fill};color:{ink}") }
}

/// One difference in words: `extreme for FJI; low for NZL`.
pub struct DifferenceRow {
    pub threat: String,
    pub summary: String,
    /// Two ratings or more apart: emphasised.
    pub notable: bool,
}

fn members(list: &[MemberCode]) -> String {
    list.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ")
}

#[derive(Template)]
#[template(path = "threats.html")]
struct PicturePage {
    chrome: Chrome,
    heat_map: Option<String>,
    matrix_plot: Option<String>,
    /// Threat name, then per member the rating and trend, for the table.
    table: Vec<(String, Vec<String>)>,
    picture: RegionalPicture,
    differences: Vec<DifferenceRow>,
    /// The registers the viewer reads: (member, title, banner text).
    registers: Vec<(String, String, String)>,
    own: Option<String>,
    /// Entries of the viewer's own register past their review date.
    overdue_reviews: Vec<String>,
    opens: bool,
    taxonomy: Vec<Threat>,
    adds_threats: bool,
    done: Option<&'static str>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let picture = state.store.regional_picture(subject).await?;
    let registers = state.store.threat_registers(subject).await?;
    let own_register = registers.iter().find(|r| r.member == subject.member);
    // The plot is shaded with the viewer's own matrix when it has a register.
    let method = own_register.map(|r| r.settings.method.clone()).unwrap_or_default();
    let taxonomy = state.store.threat_taxonomy().await?;
    let name_of = |code: &str| taxonomy.iter().find(|t| t.code == code).map_or(code.to_owned(), |t| t.name.clone());
    let overdue_reviews = match own_register {
        Some(r) => {
            let view = state.store.threat_register_view(subject, &r.member).await?;
            view.entries.iter().filter(|e| e.review_overdue).map(|e| name_of(&e.entry.threat)).collect()
        }
        None => Vec::new(),
    };
    let differences = picture
        .differences
        .iter()
        .map(|d| DifferenceRow {
            threat: name_of(&d.threat),
            summary: format!(
                "{} for {}; {} for {}",
                d.highest,
                members(&d.highest_members),
                d.lowest,
                members(&d.lowest_members)
            ),
            notable: d.notable,
        })
        .collect();
    let table = picture
        .threats
        .iter()
        .map(|t| {
            let row = picture
                .members
                .iter()
                .map(|m| {
                    picture.cells.iter().find(|c| c.threat == t.code && c.member == *m).map_or("–".into(), |c| {
                        format!("{} {} ({}×{})", c.rating, trend_arrow(c.trend), c.likelihood, c.consequence)
                    })
                })
                .collect();
            (t.name.clone(), row)
        })
        .collect();
    let drawn = !picture.cells.is_empty();
    let shown = PicturePage {
        chrome: Chrome::new(&viewer, "Threats and risks", "/threats"),
        heat_map: drawn.then(|| heat_map(&picture)),
        matrix_plot: drawn.then(|| matrix_plot(&picture, &method)),
        table,
        differences,
        registers: registers
            .iter()
            .map(|r| {
                let banner = Banner::of(r, &state).marking.banner;
                (r.member.to_string(), r.settings.title.clone(), banner)
            })
            .collect(),
        own: own_register.map(|r| r.member.to_string()),
        overdue_reviews,
        opens: own_register.is_none() && releases_register(subject, &subject.member),
        adds_threats: godwit_domain::threat::edits_register(subject, &subject.member),
        taxonomy,
        picture,
        done: match done.done.as_deref() {
            Some("threat") => Some("The threat was added to the taxonomy."),
            _ => None,
        },
    };
    render(&shown)
}

#[derive(serde::Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    title: String,
}

/// Opens the viewer's member's register, released to nobody else.
pub async fn open(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<OpenForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let register =
        state.store.create_threat_register(&viewer.caller.subject, RegisterSettings::new(form.title.trim())).await?;
    Ok(Redirect::to(&format!("/threats/{}?done=opened", register.member)).into_response())
}

#[derive(serde::Deserialize)]
pub struct ThreatForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

/// Adds a threat to the taxonomy.
pub async fn add_threat(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ThreatForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let threat = Threat { code: form.code, name: form.name, description: form.description, added_by: None };
    state.store.add_threat(&viewer.caller.subject, threat).await?;
    Ok(Redirect::to("/threats?done=threat").into_response())
}

/// An entry as its row shows it.
pub struct EntryRow {
    pub threat: String,
    pub name: String,
    pub assessment: String,
    pub likelihood: String,
    pub consequence: String,
    pub badge: Badge,
    pub trend: String,
    pub mitigations: Vec<Mitigation>,
    pub review_on: String,
    pub overdue: bool,
    /// (id, title, kind, originator) of the evidence the viewer may read.
    pub evidence: Vec<(Uuid, String, String, String)>,
}

#[derive(Template)]
#[template(path = "threat_register.html")]
struct RegisterPage {
    chrome: Chrome,
    banner: Banner,
    view: RegisterView,
    rows: Vec<EntryRow>,
    /// The matrix as words: one row per likelihood, highest first.
    matrix: Vec<(String, Vec<Badge>)>,
    consequences: Vec<String>,
    /// The assessment form, filled with the entry chosen by `?threat=`.
    form: EntryFormValues,
    threats: Vec<Threat>,
    likelihood_words: Vec<(u8, String)>,
    consequence_words: Vec<(u8, String)>,
    trends: &'static [Trend],
    levels: Vec<(u8, String)>,
    tlps: &'static [Tlp],
    /// The matrix form, highest likelihood first.
    method_rows: Vec<MethodRow>,
    ratings: &'static [Rating],
    release_members: String,
    release_groups: String,
    done: Option<&'static str>,
}

/// One likelihood point of the matrix form: its word, and per consequence
/// the field's name (`m{l}{c}`) and the rating chosen.
pub struct MethodRow {
    pub point: u8,
    pub word: String,
    pub cells: Vec<(String, Rating)>,
}

/// What the assessment form shows.
#[derive(Default)]
pub struct EntryFormValues {
    pub threat: String,
    pub assessment: String,
    pub likelihood: u8,
    pub consequence: u8,
    pub trend: String,
    /// `strategy | owner`, one per line.
    pub mitigations: String,
    pub review_on: String,
}

#[derive(serde::Deserialize)]
pub struct RegisterQuery {
    done: Option<String>,
    /// The threat whose entry the form is filled with.
    threat: Option<String>,
}

fn matrix_rows(method: &RiskMethod) -> Vec<(String, Vec<Badge>)> {
    (1..=POINTS)
        .rev()
        .map(|l| {
            let row = (1..=POINTS).filter_map(|c| method.rate(l, c)).map(badge).collect();
            (format!("{l} {}", method.likelihood_word(l)), row)
        })
        .collect()
}

pub async fn show_register(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(member): Path<String>,
    Query(query): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    let view = state.store.threat_register_view(&viewer.caller.subject, &member).await?;
    let threats = state.store.threat_taxonomy().await?;
    let method = &view.register.settings.method;
    let name_of = |code: &str| threats.iter().find(|t| t.code == code).map_or(code.to_owned(), |t| t.name.clone());
    let rows: Vec<EntryRow> = view
        .entries
        .iter()
        .map(|e| {
            let d = &e.entry.draft;
            EntryRow {
                threat: e.entry.threat.clone(),
                name: name_of(&e.entry.threat),
                assessment: d.assessment.clone(),
                likelihood: format!("{} {}", d.likelihood, method.likelihood_word(d.likelihood)),
                consequence: format!("{} {}", d.consequence, method.consequence_word(d.consequence)),
                badge: badge(e.rating),
                trend: format!("{} {}", trend_arrow(d.trend), d.trend),
                mitigations: d.mitigations.clone(),
                review_on: d.review_on.clone(),
                overdue: e.review_overdue,
                evidence: e
                    .evidence
                    .iter()
                    .map(|i| (i.id, i.title.clone(), i.kind.to_string(), i.originator_member.to_string()))
                    .collect(),
            }
        })
        .collect();
    let chosen = query.threat.as_deref().and_then(|t| view.entries.iter().find(|e| e.entry.threat == t));
    let form = match chosen {
        Some(e) => EntryFormValues {
            threat: e.entry.threat.clone(),
            assessment: e.entry.draft.assessment.clone(),
            likelihood: e.entry.draft.likelihood,
            consequence: e.entry.draft.consequence,
            trend: e.entry.draft.trend.to_string(),
            mitigations: e
                .entry
                .draft
                .mitigations
                .iter()
                .map(|m| format!("{} | {}", m.strategy, m.owner))
                .collect::<Vec<_>>()
                .join("\n"),
            review_on: e.entry.draft.review_on.clone(),
        },
        None => EntryFormValues {
            threat: query.threat.unwrap_or_default(),
            likelihood: 3,
            consequence: 3,
            trend: Trend::Stable.to_string(),
            ..EntryFormValues::default()
        },
    };
    let settings = &view.register.settings;
    let scale = state.store.scale();
    let shown = RegisterPage {
        chrome: Chrome::new(&viewer, view.register.settings.title.clone(), "/threats"),
        banner: Banner::of(&view.register, &state),
        matrix: matrix_rows(method),
        consequences: (1..=POINTS).map(|c| format!("{c} {}", method.consequence_word(c))).collect(),
        likelihood_words: (1..=POINTS).map(|p| (p, method.likelihood_word(p))).collect(),
        consequence_words: (1..=POINTS).map(|p| (p, method.consequence_word(p))).collect(),
        trends: Trend::ALL,
        method_rows: (1..=POINTS)
            .rev()
            .map(|l| {
                let cells = (1..=POINTS).filter_map(|c| method.rate(l, c).map(|r| (format!("m{l}{c}"), r))).collect();
                MethodRow { point: l, word: method.likelihood_word(l), cells }
            })
            .collect(),
        ratings: Rating::ALL,
        levels: scale.all().map(|c| (c.0, scale.name(c).to_owned())).collect(),
        tlps: &Tlp::ALL,
        release_members: members(&settings.release.members.iter().cloned().collect::<Vec<_>>()),
        release_groups: settings.release.groups.iter().cloned().collect::<Vec<_>>().join(", "),
        rows,
        form,
        threats,
        done: match query.done.as_deref() {
            Some("opened") => Some("The register was opened. It is released to nobody outside your member."),
            Some("assessed") => Some("The assessment was saved."),
            Some("deleted") => Some("The assessment was removed."),
            Some("linked") => Some("The evidence was linked."),
            Some("unlinked") => Some("The evidence was unlinked."),
            Some("settings") => Some("The markings and release were saved."),
            Some("method") => Some("The scales and the matrix were saved; every entry is rated with them."),
            _ => None,
        },
        view,
    };
    render(&shown)
}

#[derive(serde::Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    threat: String,
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    consequence: String,
    #[serde(default)]
    trend: String,
    #[serde(default)]
    mitigations: String,
    #[serde(default)]
    review_on: String,
}

fn point(field: &str, text: &str) -> Result<u8, ApiError> {
    text.trim().parse().map_err(|_| ApiError::invalid(field, "choose a point from 1 to 5"))
}

impl EntryForm {
    fn draft(&self) -> Result<EntryDraft, ApiError> {
        let mut mitigations = Vec::new();
        for (n, line) in self.mitigations.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let (strategy, owner) = line
                .split_once('|')
                .ok_or_else(|| ApiError::invalid(&format!("mitigations/{n}"), "write “strategy | owner”"))?;
            mitigations.push(Mitigation { strategy: strategy.trim().into(), owner: owner.trim().into() });
        }
        Ok(EntryDraft {
            assessment: self.assessment.clone(),
            likelihood: point("likelihood", &self.likelihood)?,
            consequence: point("consequence", &self.consequence)?,
            trend: Trend::parse(self.trend.trim())
                .ok_or_else(|| ApiError::invalid("trend", "rising, stable or falling"))?,
            mitigations,
            review_on: self.review_on.clone(),
        })
    }
}

/// Saves the assessment of one threat.
pub async fn assess(
    State(state): State<AppState>,
    Path(member): Path<String>,
    WebForm { viewer, form }: WebForm<EntryForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    state.store.put_threat_entry(&viewer.caller.subject, &member, form.threat.trim(), form.draft()?).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=assessed")).into_response())
}

pub async fn delete_entry(
    State(state): State<AppState>,
    Path((member, threat)): Path<(String, String)>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    state.store.delete_threat_entry(&viewer.caller.subject, &member, &threat).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=deleted")).into_response())
}

#[derive(serde::Deserialize)]
pub struct EvidenceForm {
    /// An item's id or its page address.
    #[serde(default)]
    item: String,
}

/// Links an item the viewer may read (by id or address) as evidence.
pub async fn link(
    State(state): State<AppState>,
    Path((member, threat)): Path<(String, String)>,
    WebForm { viewer, form }: WebForm<EvidenceForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    let item = item_id_from(&form.item)?;
    state.store.set_threat_evidence(&viewer.caller.subject, &member, &threat, item, true).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=linked")).into_response())
}

pub async fn unlink(
    State(state): State<AppState>,
    Path((member, threat, item)): Path<(String, String, Uuid)>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    state.store.set_threat_evidence(&viewer.caller.subject, &member, &threat, item, false).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=unlinked")).into_response())
}

#[derive(serde::Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    tlp: String,
    /// Member codes separated by commas.
    #[serde(default)]
    members: String,
    /// Group codes separated by commas.
    #[serde(default)]
    groups: String,
    #[serde(default)]
    no_third_party: Option<String>,
    #[serde(default)]
    not_for_judicial_use: Option<String>,
}

/// Saves the title, markings and release; the risk method is kept ([`method`] changes it).
pub async fn settings(
    State(state): State<AppState>,
    Path(member): Path<String>,
    WebForm { viewer, form }: WebForm<SettingsForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    let subject = &viewer.caller.subject;
    let current = state.store.threat_register(subject, &member).await?;
    let classification = state
        .store
        .scale()
        .parse(&form.classification)
        .ok_or_else(|| WebError::from(ApiError::invalid("classification", "choose a level")))?;
    let tlp = Tlp::parse(form.tlp.trim()).ok_or_else(|| WebError::from(ApiError::invalid("tlp", "choose a TLP")))?;
    let list = |text: &str| -> Vec<String> {
        text.split([',', ' ', ';']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
    };
    let settings = RegisterSettings {
        title: form.title,
        category: current.settings.category,
        classification,
        tlp,
        caveats: Caveats {
            no_third_party: form.no_third_party.is_some(),
            not_for_judicial_use: form.not_for_judicial_use.is_some(),
            ..current.settings.caveats
        },
        release: Releasability {
            members: list(&form.members).into_iter().map(|c| MemberCode(c.to_uppercase())).collect(),
            groups: list(&form.groups).into_iter().collect(),
            organisations: current.settings.release.organisations,
        },
        method: current.settings.method,
    };
    state.store.update_threat_register(subject, &member, settings).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=settings")).into_response())
}

/// The risk method from the matrix form: words `l1`–`l5` and `c1`–`c5`,
/// ratings `m{likelihood}{consequence}`.
fn method_from(form: &BTreeMap<String, String>) -> Result<RiskMethod, ApiError> {
    let words = |prefix: char| -> Vec<String> {
        (1..=POINTS)
            .map(|p| form.get(&format!("{prefix}{p}")).map(|w| w.trim().to_owned()).unwrap_or_default())
            .collect()
    };
    let mut matrix = Vec::new();
    for l in 1..=POINTS {
        let mut row = Vec::new();
        for c in 1..=POINTS {
            let field = format!("m{l}{c}");
            let rating = form.get(&field).and_then(|r| Rating::parse(r.trim()));
            row.push(rating.ok_or_else(|| ApiError::invalid(&field, "choose low, medium, high or extreme"))?);
        }
        matrix.push(row);
    }
    Ok(RiskMethod { likelihood: words('l'), consequence: words('c'), matrix })
}

/// Saves the scales' words and the matrix, keeping title, markings and
/// release; by whoever may change the register's settings (the store checks).
pub async fn method(
    State(state): State<AppState>,
    Path(member): Path<String>,
    WebForm { viewer, form }: WebForm<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    let subject = &viewer.caller.subject;
    let current = state.store.threat_register(subject, &member).await?;
    let settings = RegisterSettings { method: method_from(&form)?, ..current.settings };
    state.store.update_threat_register(subject, &member, settings).await?;
    Ok(Redirect::to(&format!("/threats/{member}?done=method")).into_response())
}

/// A register by its id, where a review reminder points: its page, if the
/// viewer may read it (else not found).
pub async fn by_id(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let register = state
        .store
        .threat_registers(&viewer.caller.subject)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(godwit_store::StoreError::NotFound("threat register"))?;
    Ok(Redirect::to(&format!("/threats/{}", register.member)).into_response())
}

/// One change, in words.
pub struct ChangeRow {
    pub at: String,
    pub action: String,
    pub threat: String,
    pub by: String,
    pub before: String,
    pub after: String,
    pub item: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "threat_history.html")]
struct HistoryPage {
    chrome: Chrome,
    member: String,
    title: String,
    rows: Vec<ChangeRow>,
}

fn shown_json(value: &Option<serde_json::Value>) -> String {
    value.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()).unwrap_or_default()
}

pub async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(member): Path<String>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let member = member_code(&member)?;
    let subject = &viewer.caller.subject;
    let register = state.store.threat_register(subject, &member).await?;
    let changes: Vec<Change> = state.store.threat_register_history(subject, &member).await?;
    // People are named to their own member; others see the member only.
    let names: BTreeMap<Uuid, String> = if subject.member == member {
        state.store.users(Some(&member)).await?.into_iter().map(|u| (u.id, u.display_name)).collect()
    } else {
        BTreeMap::new()
    };
    let rows = changes
        .into_iter()
        .map(|c| ChangeRow {
            at: c.at.to_rfc3339().replace('T', " ").chars().take(16).collect(),
            action: c.action,
            threat: c.threat.unwrap_or_default(),
            by: names.get(&c.changed_by).cloned().unwrap_or_else(|| c.changed_member.to_string()),
            before: shown_json(&c.before),
            after: shown_json(&c.after),
            item: c.item,
        })
        .collect();
    render(&HistoryPage {
        chrome: Chrome::new(&viewer, format!("History of {}", register.settings.title), "/threats"),
        member: member.to_string(),
        title: register.settings.title,
        rows,
    })
}
