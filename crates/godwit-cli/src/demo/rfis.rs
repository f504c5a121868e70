//! Requests for information of the demo: who asks whom follows seed 003 §5.1
//! (Australia and New Zealand ask most, then Fiji and Vanuatu), and the
//! requests stand at every step: open, assigned, overdue, answered with a
//! response item released to the requester, rated, declined with a reason,
//! one asked of the PIDC group and taken by Fiji. Each step is written on the
//! day it happened (a store handle with its own clock), so that the times to
//! answer in the statistics look like practice.

use std::sync::Arc;

use anyhow::Context;
use godwit_domain::item::{Category, ItemContent, ItemDetails, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{Rating, Recipient, RfiAction, RfiDraft};
use godwit_domain::user::{Subject, User};
use godwit_domain::workflow::Action;
use godwit_domain::{FixedClock, Timestamp};
use godwit_store::Store;
use godwit_store::items::Method;

/// How far a request got: each step with the days after asking it was taken.
enum Fate {
    Open,
    Assigned,
    Answered { after: i64 },
    Rated { after: i64, score: u8, comment: &'static str },
    Declined { after: i64, reason: &'static str },
}

struct Scenario {
    from: &'static str,
    /// A member code, or `PIDC` for the group.
    to: &'static str,
    title: &'static str,
    question: &'static str,
    priority: Priority,
    /// Days before now it was asked, and days after that it is due.
    asked: i64,
    due_in: i64,
    category: Category,
    fate: Fate,
    /// Who answers a group request.
    answerer: Option<&'static str>,
}

fn ask(
    from: &'static str,
    to: &'static str,
    (title, question): (&'static str, &'static str),
    priority: Priority,
    (asked, due_in): (i64, i64),
    category: Category,
    fate: Fate,
) -> Scenario {
    Scenario { from, to, title, question, priority, asked, due_in, category, fate, answerer: None }
}

fn scenarios() -> Vec<Scenario> {
    use Category::*;
    use Fate::*;
    use Priority::*;
    vec![
        ask("AUS", "FJI", ("Fijian passports in series FQ4", "Were passports FQ4100200 to FQ4100260 issued by the Fiji Immigration Department, and to whom were they delivered?"), High, (40, 10), DocumentFraud, Rated { after: 3, score: 5, comment: "Exactly what we needed; the three unissued numbers matched our detections." }),
        ask("AUS", "PNG", ("Vessel sighted near Daru", "Has a fishing vessel with six to ten passengers been reported leaving Daru for the Torres Strait in the last fortnight?"), High, (3, 5), PeopleSmuggling, Assigned),
        ask("AUS", "IDN", ("Facilitators operating from Kupang", "Which facilitators are known to organise boat departures from Kupang towards Ashmore Reef, and what fees do they ask?"), High, (55, 21), PeopleSmuggling, Rated { after: 12, score: 4, comment: "Useful; fee levels differ from ours." }),
        ask("NZL", "FJI", ("Crew changes of the cruise ship Pacific Dawn", "Did crew of the Pacific Dawn sign off in Suva in September without onward tickets?"), Medium, (30, 14), CruiseShips, Declined { after: 5, reason: "Fiji holds no crew-change records for this vessel; the request has been passed to the Maritime Safety Authority." }),
        ask("NZL", "TON", ("Deportee with ties to Tonga", "Is the offender removed from New Zealand in August known to Tongan authorities, and is a return travel document pending?"), Medium, (25, 21), CriminalDeportees, Open),
        ask("NZL", "PIDC", ("Sri Lankan nationals transiting the Pacific by sea", "Has any member detected Sri Lankan nationals arriving by sea or transiting on fishing vessels since June?"), High, (45, 30), IrregularMigration, Rated { after: 9, score: 3, comment: "Partial: dates but no vessel names." }),
        ask("FJI", "AUS", ("Sponsors of visa applications", "Are the three Suva-based sponsors named in our note known to Australia for fraudulent sponsorship?"), Medium, (12, 14), ImmigrationFraud, Answered { after: 2 }),
        ask("VUT", "NZL", ("Recruitment agencies for seasonal work", "Are the recruitment agencies named in our note registered with the Recognised Seasonal Employer scheme?"), Medium, (35, 14), TraffickingInPersons, Assigned),
        ask("AUS", "NZL", ("Labour-trafficking case in Hawke's Bay", "Which nationals were identified as victims in the Hawke's Bay case, and through which transit airports did they travel?"), High, (20, 7), TraffickingInPersons, Rated { after: 1, score: 5, comment: "Fast and complete." }),
        ask("NZL", "AUS", ("Impostors using genuine NZL passports", "Have Australian airports detected impostors travelling on genuine New Zealand passports since July?"), Low, (2, 14), DocumentFraud, Open),
        ask("AUS", "VUT", ("Citizenship by investment passports", "How many Vanuatu passports issued under the investment programme were reported lost or stolen this year?"), Medium, (28, 14), DocumentFraud, Declined { after: 4, reason: "The programme's records are held by the Citizenship Commission, not Immigration; please ask through the focal point there." }),
        ask("TON", "NZL", ("Overstayers returning with new identities", "Has New Zealand detected former overstayers returning on Tongan passports issued under a different name?"), Medium, (50, 21), ImmigrationFraud, Rated { after: 6, score: 4, comment: "Thank you; two cases match ours." }),
        ask("PNG", "AUS", ("Asylum seekers crossing at Wutung", "Does Australia hold reports of third-country nationals planning to cross from Jayapura at Wutung?"), Low, (6, 20), IrregularMigration, Open),
        ask("AUS", "FJI", ("Counterfeit residence permits", "Has Fiji seen counterfeit Australian residence permit labels in Chinese passports at Nadi?"), Medium, (15, 10), DocumentFraud, Answered { after: 4 }),
    ]
    .into_iter()
    .map(|mut s| {
        if s.to == "PIDC" {
            s.answerer = Some("FJI");
        }
        s
    })
    .collect()
}

fn person<'u>(users: &'u [User], username: &str) -> anyhow::Result<&'u User> {
    users.iter().find(|u| u.username == username).with_context(|| format!("no demo user {username}"))
}

/// Writes the demo's requests and every step of them; returns how many
/// response items it created.
pub async fn seed(store: &Store, users: &[User], now: Timestamp) -> anyhow::Result<usize> {
    let clock = Arc::new(FixedClock::new(now));
    let store = store.with_clock(clock.clone());
    let as_user = |username: String| {
        let store = store.clone();
        async move {
            let user = person(users, &username)?;
            anyhow::Ok(store.subject_for(user).await?)
        }
    };
    let mut responses = 0;
    for s in &scenarios() {
        let asked_at = now.plus_days(-s.asked);
        clock.set(asked_at);
        let asker = as_user(format!("ana.{}", s.from.to_lowercase())).await?;
        let recipient =
            if s.to == "PIDC" { Recipient::Group(s.to.into()) } else { Recipient::Member(MemberCode(s.to.into())) };
        let draft = RfiDraft {
            title: s.title.into(),
            question: s.question.into(),
            priority: s.priority,
            due_on: asked_at.plus_days(s.due_in).to_datetime().date().to_string(),
            classification: Classification(1),
            recipient,
            release_members: Default::default(),
            release_groups: Default::default(),
        };
        let rfi = store.create_rfi(&asker, draft).await.with_context(|| format!("request {}", s.title))?;
        if matches!(s.fate, Fate::Open) {
            continue;
        }
        let answering = s.answerer.unwrap_or(s.to).to_lowercase();
        let nfp = as_user(format!("nfp.{answering}")).await?;
        let analyst = as_user(format!("ana.{answering}")).await?;
        clock.set(asked_at.plus_days(1).min(now));
        store.act_on_rfi(&nfp, rfi.id, RfiAction::Assign { to: analyst.user }).await?;
        let responded = asked_at.plus_days(match &s.fate {
            Fate::Answered { after } | Fate::Rated { after, .. } | Fate::Declined { after, .. } => *after,
            Fate::Open | Fate::Assigned => continue,
        });
        clock.set(responded);
        if let Fate::Declined { reason, .. } = &s.fate {
            store.act_on_rfi(&nfp, rfi.id, RfiAction::Decline { reason: (*reason).into() }).await?;
            continue;
        }
        let officer = as_user(format!("auth.{answering}")).await?;
        let item = respond(&store, &analyst, &officer, rfi.id, s).await?;
        responses += 1;
        store.act_on_rfi(&analyst, rfi.id, RfiAction::Answer { item }).await?;
        if let Fate::Rated { score, comment, .. } = &s.fate {
            clock.set(responded.plus_days(1).min(now));
            let rating = Rating { score: *score, comment: (*comment).into() };
            store.act_on_rfi(&asker, rfi.id, RfiAction::Rate(rating)).await?;
        }
    }
    Ok(responses)
}

/// The answer: a response written by `analyst`, approved by `officer`,
/// released to the asking member.
async fn respond(
    store: &Store,
    analyst: &Subject,
    officer: &Subject,
    request: uuid::Uuid,
    s: &Scenario,
) -> anyhow::Result<uuid::Uuid> {
    let content = ItemContent {
        title: format!("Response: {}", s.title),
        summary: format!("{}'s answer to the request of {}.", analyst.member, s.from),
        body: format!(
            "## Question\n\n{}\n\n## Answer\n\nThe records of {} were checked; the findings are set out below and \
             may be used for intelligence purposes only.\n",
            s.question, analyst.member
        ),
        category: s.category,
        details: ItemDetails::RfiResponse { request },
        classification: Classification::LOWEST,
        tlp: Tlp::Clear,
        caveats: Caveats { not_for_judicial_use: true, ..Caveats::default() },
        release: Releasability { members: [MemberCode(s.from.into())].into(), ..Default::default() },
        grading: None,
        tags: vec!["rfi:response".into()],
        countries: vec![],
        environment: None,
        valid_from: None,
        valid_until: None,
    };
    let item = store.create_item(analyst, content).await?;
    store.act_on_item(analyst, item.id, Action::Submit, None, Method::Portal).await?;
    store
        .act_on_item(officer, item.id, Action::Approve, Some("Cleared for release to the requester."), Method::Portal)
        .await?;
    Ok(item.id)
}
