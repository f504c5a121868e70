//! Collection plans of the demo: two regional requirements the PIDC
//! Secretariat set for the PIDC group (one answered by the planted Sri Lankan
//! landings, one overdue with the displaced counterfeit-passport scheme
//! linked) and a national one of Fiji with nothing linked yet, so that the
//! coverage page shows evidence, gaps and an overdue requirement.

use anyhow::Context;
use godwit_domain::Timestamp;
use godwit_domain::item::Item;
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::{Priority, RequirementDraft, RequirementStatus};
use godwit_domain::user::{Subject, User};
use godwit_store::Store;

async fn subject(store: &Store, users: &[User], username: &str) -> anyhow::Result<Subject> {
    let user = users.iter().find(|u| u.username == username).with_context(|| format!("no demo user {username}"))?;
    Ok(store.subject_for(user).await?)
}

fn day(now: Timestamp, days: i64) -> String {
    now.plus_days(days).to_datetime().date().to_string()
}

fn draft(reference: &str, question: &str, priority: Priority, indicators: &[&str], due_on: String) -> RequirementDraft {
    RequirementDraft {
        reference: reference.into(),
        question: question.into(),
        priority,
        indicators: indicators.iter().map(|i| (*i).to_owned()).collect(),
        due_on,
        requesting_members: Default::default(),
        release_members: Default::default(),
        release_groups: ["PIDC".to_owned()].into(),
        status: RequirementStatus::Open,
    }
}

/// Sets the requirements and links the planted records; returns how many requirements.
pub async fn seed(store: &Store, users: &[User], planted: &[Item], now: Timestamp) -> anyhow::Result<usize> {
    let secretariat = subject(store, users, "sec.pidcsec").await?;
    let analyst = subject(store, users, "ana.fji").await?;
    let nfp = subject(store, users, "nfp.fji").await?;
    let landings = store
        .create_requirement(
            &secretariat,
            RequirementDraft {
                requesting_members: [MemberCode("FJI".into()), MemberCode("NZL".into())].into(),
                ..draft(
                    "PIDC-2026-01",
                    "Which routes and methods bring Sri Lankan nationals to Pacific islands by sea?",
                    Priority::High,
                    &["clandestine landings", "transit through Indonesia", "facilitators paid in advance"],
                    day(now, 60),
                )
            },
        )
        .await?;
    let passports = store
        .create_requirement(
            &secretariat,
            RequirementDraft {
                requesting_members: [MemberCode("PNG".into())].into(),
                ..draft(
                    "PIDC-2026-02",
                    "Where do counterfeit Singapore passports blocked at one member appear next?",
                    Priority::Medium,
                    &["counterfeit SGP passports", "same route as the first detection"],
                    day(now, -10),
                )
            },
        )
        .await?;
    store
        .create_requirement(
            &nfp,
            RequirementDraft {
                release_groups: Default::default(),
                ..draft(
                    "FJI-2026-01",
                    "Are cruise-ship crew absconding at Suva recruited before embarkation?",
                    Priority::Low,
                    &["crew absconding", "recruiters named"],
                    day(now, 120),
                )
            },
        )
        .await?;
    for item in planted {
        let (requirement, indicator) = if item.content.title.starts_with("Clandestine landing") {
            (landings.id, "clandestine landings")
        } else if item.content.title.starts_with("Document fraud: counterfeit Singapore") {
            (passports.id, "counterfeit SGP passports")
        } else {
            continue;
        };
        store.link_item(&analyst, requirement, item.id, vec![indicator.to_owned()]).await?;
    }
    Ok(3)
}
