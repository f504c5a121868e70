//! The demo's bulletins: the PIDC Secretariat's monthly intelligence
//! bulletin of last month for the PIDC group, and the Bali Process RSO's
//! bi-monthly information bulletin of the last two-month period for the
//! Bali Process, each with a foreword. They hold what the demo's members
//! published in their period that every member of their audience may read.

use anyhow::Context;
use godwit_domain::Timestamp;
use godwit_domain::bulletin::{BulletinDraft, Edition, Month};
use godwit_domain::marking::Classification;
use godwit_domain::member::Audience;
use godwit_domain::user::User;
use godwit_store::Store;

/// Who compiles, which edition, for which group, and the foreword.
const BULLETINS: &[(&str, Edition, &str, &str)] = &[
    (
        "sec.pidcsec",
        Edition::MonthlyIntelligence,
        "PIDC",
        "This month members reported **fraudulent documents** at air borders and new recruitment of \
         crews for people-smuggling ventures by sea.\n\nThe secretariat thanks every member that released \
         its alerts and reports to the PIDC: the more members share, the fuller this bulletin.",
    ),
    (
        "sec.rso",
        Edition::BimonthlyInformation,
        "BALI",
        "New guidance and assessments released to Bali Process members in the period, and the incident \
         records they shared.",
    ),
];

/// The month before the one holding `now`.
fn last_month(now: Timestamp) -> Month {
    Month::of(now.to_datetime().date()).plus(-1)
}

pub async fn seed(store: &Store, users: &[User], now: Timestamp) -> anyhow::Result<usize> {
    for (username, edition, group, foreword) in BULLETINS {
        let user =
            users.iter().find(|u| u.username == *username).with_context(|| format!("no demo user {username}"))?;
        let subject = store.subject_for(user).await?;
        let audience = Audience { groups: [(*group).to_owned()].into(), ..Audience::default() };
        // The last whole period of its edition before this month.
        let period = edition.start(last_month(now));
        let draft = BulletinDraft {
            classification: Classification(1),
            foreword: (*foreword).to_owned(),
            ..BulletinDraft::new(*edition, period, audience)
        };
        store.create_document(&subject, draft).await.with_context(|| format!("the bulletin of {username}"))?;
    }
    Ok(BULLETINS.len())
}
