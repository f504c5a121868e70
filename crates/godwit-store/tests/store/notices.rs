//! Notifications are once per user and topic (migration 12), and notices go
//! by the channels their user chose; a database of version 11 keeps its saved
//! searches' notifications once across the upgrade.

use godwit_domain::testing::NOW;
use godwit_store::Store;
use godwit_store::notices::{Notice, NoticeChannels, NoticeKind};
use godwit_store::subscriptions::{Channel, Match, SavedSearchInput};
use uuid::Uuid;

use crate::harness::{backends, user};

fn notice(user: Uuid, topic: &str) -> Notice {
    Notice {
        user,
        kind: NoticeKind::Requirement,
        topic: topic.into(),
        about: Uuid::from_u128(99),
        title: "Requirement PIDC-1 is due".into(),
    }
}

#[tokio::test]
async fn a_topic_is_notified_once_per_user_and_by_the_channels_chosen() {
    for db in backends(NOW).await {
        let (a, b) = (user(&db.store, 10).await, user(&db.store, 11).await);
        let channels = NoticeChannels { notify_email: true, webhook_url: Some("https://hooks.example.org/in".into()) };
        db.store.set_notice_channels(a.id, &a.member, &channels).await.unwrap();
        assert_eq!(db.store.notice_channels(a.id).await.unwrap(), channels);
        assert_eq!(db.store.notice_channels(b.id).await.unwrap(), NoticeChannels::default());

        let due = [notice(a.id, "requirement:1:due"), notice(b.id, "requirement:1:due")];
        assert_eq!(db.store.record_notices(&due).await.unwrap(), 2);
        assert_eq!(db.store.record_notices(&due).await.unwrap(), 0, "the same topic again");
        assert_eq!(db.store.unread_notifications(a.id).await.unwrap(), 1);
        let listed = db.store.notifications_of(b.id, false, 10).await.unwrap();
        assert_eq!((listed[0].kind, listed[0].saved_search), (NoticeKind::Requirement, None));

        // Only the user who chose them gets email and webhook deliveries.
        let deliveries = db.store.due_deliveries(10).await.unwrap();
        let mut channels: Vec<_> = deliveries.iter().map(|d| (d.owner, d.channel.as_str())).collect();
        channels.sort_unstable();
        assert_eq!(channels, [(a.id, "email"), (a.id, "webhook")]);
        let hook = deliveries.iter().find(|d| d.channel == Channel::Webhook).unwrap();
        assert_eq!(hook.webhook_url.as_deref(), Some("https://hooks.example.org/in"));
        assert_eq!((hook.kind, hook.saved_search.is_none()), (NoticeKind::Requirement, true));

        // A mark moved by another process: nothing recorded.
        let mark = db.store.notifier_mark("test").await.unwrap();
        let later = [notice(a.id, "requirement:1:overdue")];
        assert_eq!(db.store.record_notices_at_mark("test", mark, mark + 1, &later).await.unwrap(), Some(1));
        assert_eq!(db.store.record_notices_at_mark("test", mark, mark + 1, &later).await.unwrap(), None);
        assert_eq!(db.store.notifier_mark("test").await.unwrap(), mark + 1);
    }
}

#[tokio::test]
async fn saved_search_notifications_stay_once_across_the_upgrade() {
    for db in backends(NOW).await {
        let owner = user(&db.store, 10).await;
        let input = SavedSearchInput { name: "passports".into(), notify_portal: true, ..SavedSearchInput::default() };
        let search = db.store.create_saved_search(owner.id, &owner.member, &input).await.unwrap();
        let found = [Match { item_id: Uuid::from_u128(7), item_version: 1, title: "Passports".into() }];
        let recorded = db.store.record_matches(&search, search.mark + 1, &found).await.unwrap().unwrap();
        assert_eq!(recorded.len(), 1);

        // Back to version 11: no kinds, topics, channels or marks, and the old index.
        db.raw(
            "DROP INDEX notifications_once_per_user; ALTER TABLE notifications DROP COLUMN kind; \
             ALTER TABLE notifications DROP COLUMN topic; DROP TABLE notice_channels; DROP TABLE notifier_marks; \
             CREATE UNIQUE INDEX notifications_once ON notifications (saved_search_id, item_id, item_version); \
             DELETE FROM schema_migrations WHERE version = 12",
        )
        .await;
        let store = Store::open(&db.url).await.unwrap();
        let search = store.saved_search(owner.id, search.id).await.unwrap();
        let again = store.record_matches(&search, search.mark + 1, &found).await.unwrap().unwrap();
        assert!(again.is_empty(), "the match was notified before the upgrade");
        let listed = store.notifications_of(owner.id, false, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].kind, listed[0].saved_search), (NoticeKind::SavedSearch, Some(search.id)));
        store.close().await;
    }
}
