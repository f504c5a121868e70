//! Reminders of dates falling due, on both backends: a request for
//! information before its due date and once overdue, a threat register's
//! entry before its review date and once overdue; each once per recipient,
//! only to those who may see what it names.

use std::collections::BTreeSet;
use std::sync::Arc;

use godwit_domain::FixedClock;
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::rfi::{Recipient, RfiAction};
use godwit_domain::risk::Trend;
use godwit_domain::testing::NOW;
use godwit_domain::threat::{EntryDraft, RegisterSettings};
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::notices::NoticeKind;
use uuid::Uuid;

use crate::harness::backends;
use crate::rfis::{code, draft, region};

/// The store of `url` with its clock `days` after [`NOW`].
async fn on_day(url: &str, days: i64) -> Store {
    Store::open_with_clock(url, Arc::new(FixedClock::new(NOW.plus_days(days)))).await.unwrap()
}

/// The titles of `user`'s notifications of `kind`, newest first.
async fn bell(store: &Store, user: &Subject, kind: NoticeKind) -> Vec<String> {
    let all = store.notifications_of(user.user, false, 50).await.unwrap();
    all.into_iter().filter(|n| n.kind == kind).map(|n| n.title).collect()
}

#[tokio::test]
async fn a_request_is_recalled_before_it_is_due_and_when_overdue_once_each() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        // Due on the day of NOW (2027-01-15).
        let rfi = store.create_rfi(&p.asker, draft(Recipient::Member(code("FJI")))).await.unwrap();
        assert_eq!(on_day(&db.url, -8).await.remind_rfis().await.unwrap(), 0, "more than a week ahead");
        assert_eq!(store.remind_rfis().await.unwrap(), 1, "the receiving contact point, nobody being assigned");
        assert_eq!(store.remind_rfis().await.unwrap(), 0, "once");
        assert_eq!(
            bell(store, &p.fiji_nfp, NoticeKind::Rfi).await.first().map(String::as_str),
            Some("Request is due on 2027-01-15: Passports in series K4")
        );

        store.act_on_rfi(&p.fiji_nfp, rfi.id, RfiAction::Assign { to: p.fiji_analyst.user }).await.unwrap();
        let late = on_day(&db.url, 1).await;
        assert_eq!(late.remind_rfis().await.unwrap(), 2, "the assignee and the asker");
        assert_eq!(late.remind_rfis().await.unwrap(), 0, "once");
        for who in [&p.fiji_analyst, &p.asker] {
            let titles = bell(&late, who, NoticeKind::Rfi).await;
            assert_eq!(
                titles.first().map(String::as_str),
                Some("Request is overdue (due 2027-01-15): Passports in series K4")
            );
        }
        for outsider in [&p.tonga_nfp, &p.australia] {
            assert!(bell(&late, outsider, NoticeKind::Rfi).await.is_empty());
        }

        // Answered or declined, a request is not recalled.
        let declined = store.create_rfi(&p.asker, draft(Recipient::Member(code("FJI")))).await.unwrap();
        store.act_on_rfi(&p.fiji_nfp, declined.id, RfiAction::Decline { reason: "Not ours".into() }).await.unwrap();
        assert_eq!(on_day(&db.url, 2).await.remind_rfis().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_register_entry_is_recalled_before_review_and_when_overdue() {
    for db in backends(NOW).await {
        let store = &db.store;
        let p = region(store).await;
        let settings = RegisterSettings {
            classification: Classification::LOWEST,
            tlp: Tlp::Clear,
            ..RegisterSettings::new("Fiji threat register")
        };
        let register = store.create_threat_register(&p.fiji_officer, settings).await.unwrap();
        let entry = |review_on: &str| EntryDraft {
            assessment: String::new(),
            likelihood: 3,
            consequence: 4,
            trend: Trend::Stable,
            mitigations: vec![],
            review_on: review_on.into(),
        };
        let fji = code("FJI");
        store.put_threat_entry(&p.fiji_analyst, &fji, "document-fraud", entry("2027-01-20")).await.unwrap();
        store.put_threat_entry(&p.fiji_analyst, &fji, "visa-regimes", entry("2027-03-01")).await.unwrap();

        let editors = [&p.fiji_nfp, &p.fiji_analyst, &p.fiji_officer];
        assert_eq!(store.remind_threat_reviews().await.unwrap(), editors.len() as u64);
        assert_eq!(store.remind_threat_reviews().await.unwrap(), 0, "once");
        for who in editors {
            let notices = store.notifications_of(who.user, false, 10).await.unwrap();
            let reviews: Vec<(Uuid, &str)> = notices
                .iter()
                .filter(|n| n.kind == NoticeKind::ThreatReview)
                .map(|n| (n.item_id, n.title.as_str()))
                .collect();
            assert_eq!(
                reviews,
                [(
                    register.id,
                    "The review of \"Document fraud and quality\" in Fiji threat register is due on 2027-01-20"
                )]
            );
        }
        // Other members never hear of it, released or not.
        for outsider in [&p.asker, &p.tonga_nfp, &p.australia] {
            assert!(bell(store, outsider, NoticeKind::ThreatReview).await.is_empty());
        }
        let overdue = on_day(&db.url, 6).await;
        assert_eq!(overdue.remind_threat_reviews().await.unwrap(), editors.len() as u64);
        let titles: BTreeSet<String> =
            bell(&overdue, &p.fiji_analyst, NoticeKind::ThreatReview).await.into_iter().collect();
        assert!(titles.contains(
            "The review of \"Document fraud and quality\" in Fiji threat register is overdue (due 2027-01-20)"
        ));
    }
}
