//! The demo's capacity survey, shaped like the PIDC information-sharing
//! questionnaire of March 2017 (seed 003 §4.11 and §5): provisions for
//! sharing, information systems, capacity to analyse and to share, and the
//! support members want in order of priority. The secretariat asks the PIDC's
//! member states; a year ago it asked five of them the same questions, so the
//! findings compare the two rounds. This round most members have submitted
//! (Papua New Guinea released its answers to the secretariat only), Vanuatu's
//! answers await its officer's approval and Solomon Islands' are a draft.
//! Each step is taken on a day inside the round (a store with its own clock).

use std::sync::Arc;

use anyhow::Context;
use godwit_domain::item::Releasability;
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::survey::QuestionnaireDraft;
use godwit_domain::survey::answers::{AnswerValue, Answers, ResponseAction, ResponseRelease};
use godwit_domain::user::{Subject, User};
use godwit_domain::{FixedClock, Timestamp};
use godwit_store::Store;
use serde_json::json;
use uuid::Uuid;

/// The members asked: the PIDC's member states (the secretariat designs).
const ASKED: &[&str] = &["FJI", "PNG", "WSM", "TON", "VUT", "SLB", "NZL", "AUS"];

/// The questionnaire of a round open from `opens` to `closes` (days from now).
fn questionnaire(
    round: &str,
    (opens, closes): (i64, i64),
    previous: Option<Uuid>,
    now: Timestamp,
) -> anyhow::Result<QuestionnaireDraft> {
    let day = |d: i64| now.plus_days(d).to_datetime().date().to_string();
    let choices = |pairs: &[(&str, &str)]| -> serde_json::Value {
        pairs.iter().map(|(key, label)| json!({ "key": key, "label": label })).collect()
    };
    let yes_no = |key: &str, text: &str, required: bool| json!({ "key": key, "text": text, "kind": { "type": "yes_no" }, "required": required });
    let draft = json!({
        "title": "Capacity to collect, store, share and analyse information",
        "description": "The Information Sharing Working Group asks each Member about its capacity to collect, store, share and analyse information, and the support it would want from the PIDC. Answers are approved by the Member's authorising officer; findings are reported to all Members as percentages of responding Members.",
        "round": round,
        "previous_round": previous,
        "opens_on": day(opens),
        "closes_on": day(closes),
        "audience": { "members": ASKED },
        "release": { "groups": ["PIDC"] },
        "classification": 1,
        "tlp": "AMBER",
        "sections": [
            { "key": "policy", "title": "Policy and legislation", "questions": [
                yes_no("sharing_provisions", "Does your legislation or policy contain provisions allowing for sharing of information with other Members?", true),
                yes_no("privacy_laws", "Do privacy laws complicate information sharing?", true),
            ]},
            { "key": "systems", "title": "Information systems", "questions": [
                yes_no("abmis", "Do you have an automated border management system (ABMIS) in place?", true),
                { "key": "abmis_plans", "text": "Are you working towards developing one?", "kind": { "type": "yes_no" }, "required": true,
                  "show_if": { "question": "abmis", "any_of": ["no"] } },
                { "key": "traveller_storage", "text": "How is inbound and outbound information about travellers stored?", "required": true,
                  "kind": { "type": "multiple_choice", "options": choices(&[("none", "Not stored"), ("excel", "In spreadsheets"), ("arrival_cards", "Arrival cards (paper)"), ("statistics", "With the statistics department"), ("abmis", "On the ABMIS")]) } },
                yes_no("high_risk_standard", "Do you have a standardised and consistent method to store information about high-risk individuals?", true),
                yes_no("charting", "Do you have access to automated analysis and charting capability?", true),
                yes_no("api", "Do you have access to Advanced Passenger Information (API)?", true),
            ]},
            { "key": "analysis", "title": "Capacity to analyse information", "questions": [
                yes_no("targeting", "Do you have officers who undertake a targeting function?", true),
                { "key": "intelligence_section", "text": "Do you have an intelligence section?", "required": true,
                  "kind": { "type": "single_choice", "options": choices(&[("yes", "Yes"), ("planned", "Not yet, we are looking to establish one"), ("no", "No")]) } },
                { "key": "intelligence_officers", "text": "How many officers work on intelligence?", "kind": { "type": "number", "min": 0, "max": 500 } },
                { "key": "readiness", "text": "How established is each capability?",
                  "kind": { "type": "matrix",
                            "items": choices(&[("collect", "Collecting"), ("store", "Storing"), ("share", "Sharing"), ("analyse", "Analysing")]),
                            "options": choices(&[("none", "Not in place"), ("basic", "Basic"), ("established", "Established")]) } },
            ]},
            { "key": "sharing", "title": "Capacity to share information", "questions": [
                yes_no("contact_points", "Do you have official contact points to facilitate the sharing of information?", true),
                { "key": "alerts", "text": "How regularly do you contribute to alerts and bulletins?", "required": true,
                  "kind": { "type": "scale", "min": 1, "max": 5, "low_label": "never", "high_label": "every month" } },
                yes_no("classifications", "Do you have formal security classifications to manage information?", true),
            ]},
            { "key": "priorities", "title": "Priorities for support", "questions": [
                { "key": "support", "text": "Rank the support you need from the PIDC, most important first.", "required": true,
                  "kind": { "type": "ranking", "options": choices(&[
                      ("sops", "Policies, SOPs and guidelines"),
                      ("legislation", "Legislation"),
                      ("training", "Capacity building and training manuals"),
                      ("systems", "Systems for collection, analysis and sharing"),
                      ("products", "Model intelligence products and templates")]) } },
                { "key": "ict", "text": "Which services of the PIDC website would help you?",
                  "kind": { "type": "multiple_choice", "options": choices(&[
                      ("file_sharing", "File and information sharing"),
                      ("backup", "Data back-up"),
                      ("products", "Password-protected intelligence products"),
                      ("training", "Online training manuals and courses"),
                      ("legislation", "Regional model legislation")]) } },
                { "key": "comments", "text": "Anything else the Working Group should know?", "kind": { "type": "free_text" },
                  "themes": [
                      { "key": "systems", "label": "Information systems", "keywords": ["abmis", "system", "spreadsheet", "database"] },
                      { "key": "training", "label": "Training and workshops", "keywords": ["training", "workshop", "course"] },
                      { "key": "agencies", "label": "Records of other agencies", "keywords": ["agency", "agencies", "department"] } ] },
            ]},
        ],
    });
    serde_json::from_value(draft).context("the demo questionnaire")
}

/// One member's answers.
struct Profile {
    member: &'static str,
    sharing: bool,
    privacy: bool,
    /// `Ok`: an ABMIS is in place; `Err(plans)`: none, and whether one is
    /// being developed (asked only then).
    abmis: Result<(), bool>,
    storage: &'static [&'static str],
    high_risk: bool,
    charting: bool,
    api: bool,
    targeting: bool,
    section: &'static str,
    officers: i64,
    /// Collecting, storing, sharing, analysing.
    readiness: [&'static str; 4],
    contact_points: bool,
    alerts: i64,
    classifications: bool,
    support: &'static [&'static str],
    ict: &'static [&'static str],
    comment: &'static str,
}

impl Profile {
    fn answers(&self) -> Answers {
        let yes = AnswerValue::Bool;
        let list = |keys: &[&str]| AnswerValue::List(keys.iter().map(|k| (*k).to_owned()).collect());
        let mut a = Answers::from([
            ("sharing_provisions".to_owned(), yes(self.sharing)),
            ("privacy_laws".to_owned(), yes(self.privacy)),
            ("abmis".to_owned(), yes(self.abmis.is_ok())),
            ("traveller_storage".to_owned(), list(self.storage)),
            ("high_risk_standard".to_owned(), yes(self.high_risk)),
            ("charting".to_owned(), yes(self.charting)),
            ("api".to_owned(), yes(self.api)),
            ("targeting".to_owned(), yes(self.targeting)),
            ("intelligence_section".to_owned(), AnswerValue::Text(self.section.into())),
            ("intelligence_officers".to_owned(), AnswerValue::Number(self.officers)),
            ("contact_points".to_owned(), yes(self.contact_points)),
            ("alerts".to_owned(), AnswerValue::Number(self.alerts)),
            ("classifications".to_owned(), yes(self.classifications)),
            ("support".to_owned(), list(self.support)),
            ("ict".to_owned(), list(self.ict)),
        ]);
        if let Err(plans) = self.abmis {
            a.insert("abmis_plans".into(), yes(plans));
        }
        let items = ["collect", "store", "share", "analyse"];
        let grid = items.iter().zip(self.readiness).map(|(i, o)| ((*i).to_owned(), o.to_owned())).collect();
        a.insert("readiness".into(), AnswerValue::Map(grid));
        if !self.comment.is_empty() {
            a.insert("comments".into(), AnswerValue::Text(self.comment.into()));
        }
        a
    }
}

#[allow(clippy::too_many_arguments)]
const fn profile(
    member: &'static str,
    (sharing, privacy): (bool, bool),
    abmis: Result<(), bool>,
    storage: &'static [&'static str],
    (high_risk, charting, api): (bool, bool, bool),
    (targeting, section, officers): (bool, &'static str, i64),
    readiness: [&'static str; 4],
    (contact_points, alerts, classifications): (bool, i64, bool),
    (support, ict): (&'static [&'static str], &'static [&'static str]),
    comment: &'static str,
) -> Profile {
    Profile {
        member,
        sharing,
        privacy,
        abmis,
        storage,
        high_risk,
        charting,
        api,
        targeting,
        section,
        officers,
        readiness,
        contact_points,
        alerts,
        classifications,
        support,
        ict,
        comment,
    }
}

const ALL_ICT: &[&str] = &["file_sharing", "backup", "products", "training", "legislation"];
const B: &str = "basic";
const E: &str = "established";
const N: &str = "none";

/// This round's answers, in the order they were given.
const THIS_ROUND: &[Profile] = &[
    profile(
        "FJI",
        (true, true),
        Ok(()),
        &["abmis", "statistics"],
        (false, false, true),
        (true, "yes", 4),
        [E, B, B, B],
        (true, 4, true),
        (&["sops", "training", "legislation", "systems", "products"], ALL_ICT),
        "Our ABMIS went live in 2025; analysis is still done in spreadsheets.",
    ),
    profile(
        "PNG",
        (false, true),
        Err(true),
        &["arrival_cards", "excel"],
        (false, false, false),
        (false, "planned", 1),
        [B, N, N, N],
        (false, 2, false),
        (&["legislation", "sops", "systems", "training", "products"], ALL_ICT),
        "Arrival cards at Jacksons are keyed in weeks later.",
    ),
    profile(
        "WSM",
        (true, true),
        Err(true),
        &["excel", "statistics"],
        (false, false, false),
        (true, "planned", 2),
        [B, B, B, N],
        (true, 3, false),
        (&["sops", "legislation", "training", "products", "systems"], &["file_sharing", "training", "legislation"]),
        "",
    ),
    profile(
        "TON",
        (false, false),
        Err(false),
        &["arrival_cards"],
        (false, false, false),
        (false, "no", 0),
        [B, N, N, N],
        (false, 1, false),
        (&["training", "sops", "legislation", "systems", "products"], &["training", "products", "backup"]),
        "We need training before systems.",
    ),
    profile(
        "NZL",
        (true, true),
        Ok(()),
        &["abmis"],
        (true, true, true),
        (true, "yes", 40),
        [E, E, E, E],
        (true, 5, true),
        (&["systems", "products", "sops", "training", "legislation"], &["file_sharing", "products"]),
        "Willing to host a regional analysts' workshop.",
    ),
    profile(
        "AUS",
        (true, true),
        Ok(()),
        &["abmis"],
        (true, true, true),
        (true, "yes", 120),
        [E, E, E, E],
        (true, 5, true),
        (&["products", "systems", "sops", "training", "legislation"], &["file_sharing", "products"]),
        "",
    ),
    profile(
        "VUT",
        (false, true),
        Err(true),
        &["excel", "arrival_cards"],
        (false, false, false),
        (true, "planned", 2),
        [B, B, N, N],
        (true, 2, false),
        (&["sops", "legislation", "training", "systems", "products"], ALL_ICT),
        "Citizenship records are held by another agency.",
    ),
    profile(
        "SLB",
        (false, false),
        Err(true),
        &["arrival_cards"],
        (false, false, false),
        (false, "no", 0),
        [N, N, N, N],
        (false, 1, false),
        (&["legislation", "training", "sops", "systems", "products"], ALL_ICT),
        "",
    ),
];

/// The earlier round: fewer members, less in place.
const EARLIER_ROUND: &[Profile] = &[
    profile(
        "FJI",
        (true, true),
        Err(true),
        &["excel", "statistics"],
        (false, false, false),
        (true, "planned", 2),
        [B, B, B, N],
        (true, 3, true),
        (&["legislation", "sops", "systems", "training", "products"], ALL_ICT),
        "",
    ),
    profile(
        "PNG",
        (false, true),
        Err(false),
        &["arrival_cards"],
        (false, false, false),
        (false, "no", 0),
        [B, N, N, N],
        (false, 1, false),
        (&["legislation", "systems", "sops", "training", "products"], ALL_ICT),
        "",
    ),
    profile(
        "WSM",
        (false, true),
        Err(true),
        &["excel"],
        (false, false, false),
        (false, "planned", 1),
        [B, B, N, N],
        (true, 2, false),
        (&["legislation", "sops", "training", "products", "systems"], ALL_ICT),
        "",
    ),
    profile(
        "TON",
        (false, false),
        Err(false),
        &["arrival_cards"],
        (false, false, false),
        (false, "no", 0),
        [B, N, N, N],
        (false, 1, false),
        (&["training", "legislation", "sops", "systems", "products"], ALL_ICT),
        "",
    ),
    profile(
        "VUT",
        (false, true),
        Err(true),
        &["arrival_cards"],
        (false, false, false),
        (false, "no", 0),
        [B, N, N, N],
        (false, 1, false),
        (&["legislation", "sops", "training", "systems", "products"], ALL_ICT),
        "",
    ),
];

/// How far a member's answers got this round.
#[derive(Clone, Copy, PartialEq)]
enum Step {
    Draft,
    AwaitingApproval,
    /// Approved and released to the PIDC group, or only to the secretariat.
    Submitted {
        to_group: bool,
    },
}

fn step_of(member: &str) -> Step {
    match member {
        "SLB" => Step::Draft,
        "VUT" => Step::AwaitingApproval,
        "PNG" => Step::Submitted { to_group: false },
        _ => Step::Submitted { to_group: true },
    }
}

fn person<'u>(users: &'u [User], username: &str) -> anyhow::Result<&'u User> {
    users.iter().find(|u| u.username == username).with_context(|| format!("no demo user {username}"))
}

/// Writes both rounds and the answers; returns the current round's id.
pub async fn seed(store: &Store, users: &[User], now: Timestamp) -> anyhow::Result<Uuid> {
    let clock = Arc::new(FixedClock::new(now));
    let store = store.with_clock(clock.clone());
    let subject = |username: String| {
        let store = store.clone();
        async move { anyhow::Ok(store.subject_for(person(users, &username)?).await?) }
    };
    let secretariat = subject("sec.pidcsec".into()).await?;

    // Rounds are named by their year, as the PIDC names its questionnaires.
    let year = now.to_datetime().year();

    // The earlier round, answered a year ago.
    clock.set(now.plus_days(-400));
    let earlier = questionnaire(&(year - 1).to_string(), (-395, -365), None, now)?;
    let earlier = store.create_questionnaire(&secretariat, earlier).await.context("the earlier questionnaire")?;
    store.update_questionnaire(&secretariat, earlier.id, earlier.draft.clone(), true).await?;
    for (n, p) in EARLIER_ROUND.iter().enumerate() {
        clock.set(now.plus_days(-390 + n as i64 * 3));
        let lower = p.member.to_lowercase();
        let (nfp, officer) = (subject(format!("nfp.{lower}")).await?, subject(format!("auth.{lower}")).await?);
        answer(&store, &nfp, earlier.id, p, true).await?;
        approve(&store, &officer, earlier.id, Some(&["PIDC"])).await?;
    }

    // This round, open for three more weeks.
    clock.set(now.plus_days(-30));
    let draft = questionnaire(&year.to_string(), (-28, 21), Some(earlier.id), now)?;
    let current = store.create_questionnaire(&secretariat, draft).await.context("the questionnaire")?;
    store.update_questionnaire(&secretariat, current.id, current.draft.clone(), true).await?;
    for (n, p) in THIS_ROUND.iter().enumerate() {
        clock.set(now.plus_days(-25 + n as i64 * 2));
        let lower = p.member.to_lowercase();
        let (nfp, officer) = (subject(format!("nfp.{lower}")).await?, subject(format!("auth.{lower}")).await?);
        let step = step_of(p.member);
        answer(&store, &nfp, current.id, p, step != Step::Draft).await?;
        if let Step::Submitted { to_group } = step {
            clock.set(now.plus_days(-24 + n as i64 * 2));
            approve(&store, &officer, current.id, to_group.then_some(&["PIDC"][..])).await?;
        }
    }
    Ok(current.id)
}

/// The focal point saves `p`'s answers and, when `submit`, sends them for approval.
async fn answer(store: &Store, nfp: &Subject, id: Uuid, p: &Profile, submit: bool) -> anyhow::Result<()> {
    store
        .act_on_survey_response(nfp, id, ResponseAction::Save, p.answers())
        .await
        .with_context(|| format!("answers of {}", p.member))?;
    if submit {
        store.act_on_survey_response(nfp, id, ResponseAction::Submit, Answers::new()).await?;
    }
    Ok(())
}

/// The officer approves at IN-CONFIDENCE / AMBER, released to `groups` besides the secretariat.
async fn approve(store: &Store, officer: &Subject, id: Uuid, groups: Option<&[&str]>) -> anyhow::Result<()> {
    let release = Releasability {
        groups: groups.unwrap_or_default().iter().map(|g| (*g).to_owned()).collect(),
        ..Releasability::default()
    };
    let approval =
        ResponseRelease { classification: Classification(1), tlp: Tlp::Amber, caveats: Caveats::default(), release };
    store.act_on_survey_response(officer, id, ResponseAction::Approve(approval), Answers::new()).await?;
    Ok(())
}
