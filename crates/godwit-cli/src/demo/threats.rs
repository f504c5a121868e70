//! Threat and risk registers of the demo: seven members assess the threats of
//! seed 004, released variously (to PIDC, to the Bali Process, to two named
//! members, to one partner under an agreement, to nobody), so that the
//! regional picture differs by viewer, shows members rating a threat very
//! differently, and some reviews are overdue.

use anyhow::Context;
use godwit_domain::Timestamp;
use godwit_domain::item::{Item, Releasability};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::risk::Trend::{self, Falling, Rising, Stable};
use godwit_domain::threat::{EntryDraft, Mitigation, RegisterSettings};
use godwit_domain::user::User;
use godwit_store::Store;

/// One assessment: threat, likelihood, consequence, trend, review in days from now.
type Assessment = (&'static str, u8, u8, Trend, i64);

/// A member's register: its markings, whom it is released to, its assessments.
struct DemoRegister {
    member: &'static str,
    classification: u8,
    tlp: Tlp,
    members: &'static [&'static str],
    groups: &'static [&'static str],
    assessments: &'static [Assessment],
}

const REGISTERS: &[DemoRegister] = &[
    DemoRegister {
        member: "FJI",
        classification: 1,
        tlp: Tlp::Amber,
        members: &[],
        groups: &["PIDC"],
        assessments: &[
            ("document-fraud", 5, 4, Rising, 30),
            ("changing-routes", 4, 4, Rising, -12),
            ("no-notice-of-arrival", 4, 3, Stable, 45),
            ("visa-regimes", 3, 2, Stable, 90),
            ("protection-needs", 2, 4, Stable, -3),
            ("airport-design", 2, 2, Falling, 120),
        ],
    },
    DemoRegister {
        member: "NZL",
        classification: 0,
        tlp: Tlp::Clear,
        members: &[],
        groups: &["PIDC"],
        assessments: &[
            ("document-fraud", 2, 1, Falling, 60),
            ("changing-routes", 3, 4, Rising, 30),
            ("changing-organisers", 3, 3, Stable, 75),
            ("biometrics-compromised", 2, 5, Rising, 150),
            ("facilitation-vs-control", 4, 2, Stable, 40),
        ],
    },
    DemoRegister {
        member: "AUS",
        classification: 0,
        tlp: Tlp::Clear,
        members: &[],
        groups: &["PIDC", "BALI"],
        assessments: &[
            ("document-fraud", 4, 4, Stable, 20),
            ("changing-routes", 4, 5, Rising, 35),
            ("changing-methods", 4, 4, Rising, 50),
            ("biometrics-compromised", 3, 4, Rising, 100),
            ("protection-needs", 3, 4, Stable, -20),
            ("facilitation-vs-control", 4, 3, Stable, 60),
        ],
    },
    DemoRegister {
        member: "TON",
        classification: 0,
        tlp: Tlp::Clear,
        members: &["FJI", "NZL"],
        groups: &[],
        assessments: &[
            ("no-notice-of-arrival", 5, 4, Rising, 15),
            ("traditional-border-crossing", 2, 2, Stable, 180),
            ("document-fraud", 3, 3, Stable, -30),
            ("changing-routes", 2, 3, Stable, 80),
        ],
    },
    DemoRegister {
        member: "PNG",
        classification: 2,
        tlp: Tlp::Amber,
        members: &["AUS"],
        groups: &[],
        assessments: &[
            ("traditional-border-crossing", 5, 3, Stable, 60),
            ("no-notice-of-arrival", 5, 4, Rising, 25),
            ("document-fraud", 3, 4, Rising, 40),
        ],
    },
    DemoRegister {
        member: "IDN",
        classification: 0,
        tlp: Tlp::Clear,
        members: &[],
        groups: &["BALI"],
        assessments: &[
            ("changing-routes", 5, 4, Rising, 30),
            ("changing-organisers", 4, 4, Rising, 30),
            ("visa-regimes", 4, 3, Stable, 90),
            ("airport-design", 3, 3, Stable, 120),
        ],
    },
    DemoRegister {
        member: "WSM",
        classification: 1,
        tlp: Tlp::Amber,
        members: &[],
        groups: &[],
        assessments: &[("no-notice-of-arrival", 3, 3, Stable, 60), ("document-fraud", 2, 3, Stable, 60)],
    },
];

/// Mitigation strategies of seed 004, each with the unit that owns it.
const STRATEGIES: &[(&str, &str)] = &[
    ("Information and intelligence sharing through Godwit", "Intelligence unit"),
    ("Document fraud detection training", "Border operations"),
    ("Cooperation with source and transit countries", "International cooperation desk"),
    ("Advance passenger information screening", "Targeting centre"),
    ("Impostor recognition training", "Border operations"),
    ("Public awareness of people smuggling and trafficking", "Communications"),
];

/// Opens the registers, assesses the threats and links one planted record
/// as evidence of Fiji's document fraud; returns how many registers.
pub async fn seed(store: &Store, users: &[User], planted: &[Item], now: Timestamp) -> anyhow::Result<usize> {
    for (n, demo) in REGISTERS.iter().enumerate() {
        let username = format!("auth.{}", demo.member.to_lowercase());
        let user = users.iter().find(|u| u.username == username).with_context(|| format!("no demo user {username}"))?;
        let subject = store.subject_for(user).await?;
        let member = MemberCode(demo.member.into());
        let settings = RegisterSettings {
            classification: Classification(demo.classification),
            tlp: demo.tlp,
            release: Releasability {
                members: demo.members.iter().map(|m| MemberCode((*m).into())).collect(),
                groups: demo.groups.iter().map(|g| (*g).to_owned()).collect(),
                organisations: Default::default(),
            },
            ..RegisterSettings::new(format!("{} threat and risk register", demo.member))
        };
        store.create_threat_register(&subject, settings).await.with_context(|| format!("register of {member}"))?;
        for (k, (threat, likelihood, consequence, trend, review)) in demo.assessments.iter().enumerate() {
            let strategy = |i: usize| STRATEGIES.get((n + k + i) % STRATEGIES.len()).copied().unwrap_or_default();
            let draft = EntryDraft {
                assessment: format!("Assessed by {} from the last quarter's reporting.", demo.member),
                likelihood: *likelihood,
                consequence: *consequence,
                trend: *trend,
                mitigations: [strategy(0), strategy(3)]
                    .into_iter()
                    .map(|(s, owner)| Mitigation { strategy: s.into(), owner: owner.into() })
                    .collect(),
                review_on: now.plus_days(*review).to_datetime().date().to_string(),
            };
            store
                .put_threat_entry(&subject, &member, threat, draft)
                .await
                .with_context(|| format!("{member} {threat}"))?;
        }
        if demo.member == "FJI" {
            let readable = store.readable_items(&subject, &planted.iter().map(|i| i.id).collect::<Vec<_>>()).await?;
            if let Some(item) = readable.first() {
                store.set_threat_evidence(&subject, &member, "document-fraud", item.id, true).await?;
            }
        }
    }
    Ok(REGISTERS.len())
}
