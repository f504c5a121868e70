//! The indexer follows the outbox, rebuilds from the database, and searches
//! find text (stemmed, titles first), filter and count facets, and drop hits the
//! stored item no longer allows.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::{
    AlertType, BorderEnvironment, Category, CountryRef, CountryRole, Item, ItemContent, ItemDetails, ItemKind,
    ItemState, Releasability, ReportLevel,
};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::user::{Role, Subject};
use godwit_search::{CountryFilter, DateRange, Filters, SearchError, SearchIndex, SearchQuery, SearchResults};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use uuid::Uuid;

use crate::harness::backends;

const NOW: Timestamp = Timestamp(1_793_491_200_000);

fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

fn org(member: &str) -> Uuid {
    Uuid::from_u128(match member {
        "FJI" => 1,
        "NZL" => 2,
        _ => 3,
    })
}

fn reader(member: &str) -> Subject {
    Subject {
        user: Uuid::from_u128(500),
        member: code(member),
        organisation: org(member),
        roles: [Role::Analyst].into(),
        clearance: Classification(3),
        member_groups: BTreeSet::new(),
    }
}

/// A published FJI alert released to NZL, created `days` before NOW.
fn alert(n: u128, title: &str, body: &str, days: i64) -> Item {
    Item {
        id: Uuid::from_u128(n),
        kind: ItemKind::Alert,
        originator_member: code("FJI"),
        originator_org: org("FJI"),
        author: Uuid::from_u128(900),
        state: ItemState::Published,
        content: ItemContent {
            title: title.into(),
            summary: String::new(),
            body: body.into(),
            category: Category::DocumentFraud,
            details: ItemDetails::Alert { alert_type: AlertType::DocumentFraud, document: None },
            classification: Classification(1),
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            release: Releasability { members: [code("NZL")].into(), ..Default::default() },
            grading: None,
            tags: vec!["godwit:document-fraud".into()],
            countries: vec![CountryRef { code: "FJI".into(), role: CountryRole::IssuingState }],
            environment: Some(BorderEnvironment::Air),
            valid_from: None,
            valid_until: None,
        },
        version: 1,
        supersedes: None,
        superseded_by: None,
        created_at: NOW.plus_days(-days),
        updated_at: NOW.plus_days(-days),
        published_at: Some(NOW.plus_days(-days)),
        approved_by: Some(Uuid::from_u128(901)),
        return_comment: None,
        withdrawn_reason: None,
    }
}

fn report(n: u128, title: &str, body: &str) -> Item {
    let mut item = alert(n, title, body, 3);
    item.kind = ItemKind::IntelligenceReport;
    item.content.details = ItemDetails::IntelligenceReport { level: ReportLevel::Strategic };
    item.content.category = Category::PeopleSmuggling;
    item.content.environment = Some(BorderEnvironment::Sea);
    item.content.countries = vec![
        CountryRef { code: "IDN".into(), role: CountryRole::Origin },
        CountryRef { code: "AUS".into(), role: CountryRole::Destination },
    ];
    item.content.tags = vec!["godwit:people-smuggling".into()];
    item
}

fn mou() -> Agreement {
    Agreement {
        id: Uuid::from_u128(77),
        title: "FJI–NZL".into(),
        kind: AgreementKind::Bilateral,
        status: AgreementStatus::Active,
        parties: [code("FJI"), code("NZL")].into(),
        categories: [Category::DocumentFraud, Category::PeopleSmuggling].into(),
        max_classification: Classification(2),
        personal_data: false,
        third_party_rule: ThirdPartyRule::OriginatorConsent,
        valid_from: NOW.plus_days(-100),
        valid_until: None,
    }
}

fn world() -> Vec<Item> {
    let mut draft = alert(4, "Draft about counterfeit visas", "Not yet approved.", 1);
    draft.state = ItemState::Draft;
    vec![
        alert(1, "Counterfeit Fijian passports at Nadi", "Forged biodata pages were detected on arrival.", 10),
        alert(2, "Impostors on the Suva ferry", "Travellers used genuine passports of look-alikes.", 5),
        report(3, "Smuggling route through the Torres Strait", "Boats carrying passengers with counterfeit documents."),
        draft,
    ]
}

fn text(q: &str) -> SearchQuery {
    SearchQuery { text: q.into(), ..Default::default() }
}

fn ids(results: &SearchResults) -> Vec<u128> {
    results.hits.iter().map(|h| h.item.id.as_u128()).collect()
}

fn count(results: &SearchResults, dimension: &str, value: &str) -> u64 {
    results.facets.get(dimension).and_then(|v| v.iter().find(|f| f.value == value)).map_or(0, |f| f.count)
}

async fn seeded(store: &Store) {
    store.put_agreement(&mou(), AuditEvent::new("test.agreement")).await.unwrap();
    store.put_items(&world(), AuditEvent::new("test.seed")).await.unwrap();
}

#[tokio::test]
async fn the_indexer_follows_the_outbox_and_search_applies_the_policy() {
    for db in backends(NOW).await {
        let index = db.index("index");
        let indexer = index.indexer(db.store.clone()).unwrap();
        assert_eq!(index.status().unwrap().outbox_cursor, 0);
        seeded(&db.store).await;
        let head = db.store.outbox_head().await.unwrap();
        let done = indexer.catch_up().await.unwrap();
        assert_eq!((done.entries, done.cursor), (4, head));
        let status = index.status().unwrap();
        assert_eq!((status.documents, status.outbox_cursor), (4, head));
        // Nothing new: nothing applied, cursor unchanged.
        assert_eq!(indexer.catch_up().await.unwrap().entries, 0);

        let nzl = reader("NZL");
        // Stemmed: "counterfeiting" finds "counterfeit"; the title match ranks first.
        let found = index.search(&db.store, &nzl, &text("counterfeiting")).await.unwrap();
        assert_eq!(ids(&found), [1, 3], "{}", db.url);
        assert_eq!(found.total, 2);
        assert_eq!(count(&found, "kind", "alert"), 1);
        assert_eq!(count(&found, "kind", "intelligence_report"), 1);
        // "forged" and "forge" share a stem; the snippet marks the word.
        let found = index.search(&db.store, &nzl, &text("forge")).await.unwrap();
        assert_eq!(ids(&found), [1]);
        let snippet = found.hits[0].snippet_html.clone().unwrap_or_default();
        assert!(snippet.contains("<b>Forged</b>"), "{snippet}");
        // Phrases and exclusions.
        assert_eq!(ids(&index.search(&db.store, &nzl, &text("\"genuine passports\"")).await.unwrap()), [2]);
        assert_eq!(ids(&index.search(&db.store, &nzl, &text("passports -impostors")).await.unwrap()), [1]);
        // Unbalanced input is read leniently, never an error.
        assert!(index.search(&db.store, &nzl, &text("title:(\"passports")).await.is_ok());

        // The author's own member sees its draft; nobody else does, and a
        // member without release or agreement sees nothing at all.
        let mut author = reader("FJI");
        author.user = Uuid::from_u128(900);
        assert_eq!(ids(&index.search(&db.store, &author, &text("counterfeit visas")).await.unwrap()), [4]);
        assert!(ids(&index.search(&db.store, &nzl, &text("visas")).await.unwrap()).is_empty());
        let ton = reader("TON");
        let nothing = index.search(&db.store, &ton, &SearchQuery::default()).await.unwrap();
        assert_eq!((nothing.total, nothing.hits.len()), (0, 0));
        assert!(nothing.facets.is_empty());
        let mut admin = reader("NZL");
        admin.roles = [Role::Administrator].into();
        assert_eq!(index.search(&db.store, &admin, &text("passports")).await.unwrap().total, 0);

        // A withdrawal reaches the index through the outbox.
        let landing = index.search(&db.store, &nzl, &SearchQuery::default()).await.unwrap();
        assert_eq!((count(&landing, "originator", "FJI"), count(&landing, "state", "published")), (3, 3));
        let mut withdrawn = world().remove(0);
        withdrawn.state = ItemState::Withdrawn;
        db.store.put_items(&[withdrawn], AuditEvent::new("test.withdraw")).await.unwrap();
        let before = index.search(&db.store, &nzl, &text("passports")).await.unwrap();
        assert_eq!((ids(&before), before.total), (vec![2], 2), "re-checked, not yet re-indexed");
        indexer.catch_up().await.unwrap();
        let after = index.search(&db.store, &nzl, &text("passports")).await.unwrap();
        assert_eq!((ids(&after), after.total), (vec![2], 1));
        // Facets no longer count the replaced document of a segment already counted once.
        let landing = index.search(&db.store, &nzl, &SearchQuery::default()).await.unwrap();
        assert_eq!((count(&landing, "originator", "FJI"), count(&landing, "state", "published")), (2, 2));
        assert_eq!(count(&landing, "kind", "alert"), 1);
    }
}

#[tokio::test]
async fn hits_the_stored_item_denies_are_dropped_even_when_the_index_lags() {
    for db in backends(NOW).await {
        let index = db.index("index");
        let indexer = index.indexer(db.store.clone()).unwrap();
        seeded(&db.store).await;
        indexer.catch_up().await.unwrap();
        // Withdrawn in the database, not yet in the index: the pushed-down filter
        // still counts it, the re-check on the stored item drops it.
        let mut item = world().remove(1);
        item.state = ItemState::Withdrawn;
        db.store.put_items(&[item], AuditEvent::new("test.withdraw")).await.unwrap();
        let found = index.search(&db.store, &reader("NZL"), &text("impostors")).await.unwrap();
        assert_eq!(found.total, 1);
        assert!(found.hits.is_empty());
        // The agreement is judged at query time: suspend it and NZL sees nothing.
        let mut suspended = mou();
        suspended.status = AgreementStatus::Suspended;
        db.store.put_agreement(&suspended, AuditEvent::new("test.suspend")).await.unwrap();
        let found = index.search(&db.store, &reader("NZL"), &SearchQuery::default()).await.unwrap();
        assert_eq!((found.total, found.hits.len()), (0, 0));
    }
}

#[tokio::test]
async fn facets_filter_and_count_and_pages_follow() {
    for db in backends(NOW).await {
        let index = db.index("index");
        let indexer = index.indexer(db.store.clone()).unwrap();
        seeded(&db.store).await;
        indexer.catch_up().await.unwrap();
        let nzl = reader("NZL");

        let all = index.search(&db.store, &nzl, &SearchQuery::default()).await.unwrap();
        // Newest change first without text.
        assert_eq!(ids(&all), [3, 2, 1]);
        assert_eq!(count(&all, "originator", "FJI"), 3);
        assert_eq!(count(&all, "environment", "air"), 2);
        assert_eq!(count(&all, "environment", "sea"), 1);
        assert_eq!(count(&all, "country", "FJI"), 2);
        assert_eq!(count(&all, "country_issuing_state", "FJI"), 2);
        assert_eq!(count(&all, "country_origin", "IDN"), 1);
        assert_eq!(count(&all, "country_destination", "AUS"), 1);
        assert_eq!(count(&all, "tag", "godwit:document-fraud"), 2);
        assert_eq!(count(&all, "classification", "1"), 3);
        assert_eq!(count(&all, "tlp", "AMBER"), 3);
        assert_eq!(count(&all, "state", "published"), 3);
        assert_eq!(count(&all, "category", "people_smuggling"), 1);
        // The draft is nowhere in NZL's counts.
        assert_eq!(all.total, 3);

        let filtered = |filters: Filters| SearchQuery { filters, ..Default::default() };
        let by_origin = filtered(Filters {
            countries: vec![CountryFilter { code: "IDN".into(), role: Some(CountryRole::Origin) }],
            ..Default::default()
        });
        let found = index.search(&db.store, &nzl, &by_origin).await.unwrap();
        assert_eq!(ids(&found), [3]);
        assert_eq!(count(&found, "environment", "sea"), 1);
        assert_eq!(count(&found, "environment", "air"), 0);
        // IDN is not a destination anywhere.
        let wrong_role = filtered(Filters {
            countries: vec![CountryFilter { code: "IDN".into(), role: Some(CountryRole::Destination) }],
            ..Default::default()
        });
        assert_eq!(index.search(&db.store, &nzl, &wrong_role).await.unwrap().total, 0);
        // Values of one dimension are alternatives, dimensions all apply.
        let either = filtered(Filters {
            kinds: vec![ItemKind::Alert, ItemKind::IntelligenceReport],
            environments: vec![BorderEnvironment::Air],
            tlps: vec![Tlp::Amber],
            ..Default::default()
        });
        assert_eq!(ids(&index.search(&db.store, &nzl, &either).await.unwrap()), [2, 1]);
        let tagged = filtered(Filters { tags: vec!["godwit:people-smuggling".into()], ..Default::default() });
        assert_eq!(ids(&index.search(&db.store, &nzl, &tagged).await.unwrap()), [3]);
        // Published in the last week (item 1 was ten days ago).
        let recent =
            SearchQuery { published: DateRange { from: Some(NOW.plus_days(-7)), until: None }, ..Default::default() };
        assert_eq!(ids(&index.search(&db.store, &nzl, &recent).await.unwrap()), [3, 2]);
        let older =
            SearchQuery { created: DateRange { from: None, until: Some(NOW.plus_days(-7)) }, ..Default::default() };
        assert_eq!(ids(&index.search(&db.store, &nzl, &older).await.unwrap()), [1]);

        // Pages of two.
        let first = index.search(&db.store, &nzl, &SearchQuery { limit: 2, ..Default::default() }).await.unwrap();
        assert_eq!((ids(&first), first.next_offset), (vec![3, 2], Some(2)));
        let second =
            index.search(&db.store, &nzl, &SearchQuery { limit: 2, offset: 2, ..Default::default() }).await.unwrap();
        assert_eq!((ids(&second), second.next_offset), (vec![1], None));

        // Bad requests are named.
        let long = SearchQuery { text: "x".repeat(501), ..Default::default() };
        assert!(matches!(index.search(&db.store, &nzl, &long).await, Err(SearchError::Invalid("q", _))));
        let big = SearchQuery { limit: 101, ..Default::default() };
        assert!(matches!(index.search(&db.store, &nzl, &big).await, Err(SearchError::Invalid("limit", _))));
    }
}

#[tokio::test]
async fn a_rebuild_recreates_the_index_from_the_database_and_the_writer_is_exclusive() {
    for db in backends(NOW).await {
        seeded(&db.store).await;
        let dir = db.dir.path().join("rebuilt");
        let index = SearchIndex::open(&dir).unwrap();
        let indexer = index.indexer(db.store.clone()).unwrap();
        assert!(matches!(index.indexer(db.store.clone()), Err(SearchError::Locked(_))));
        let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = progress.clone();
        let rebuilt = indexer
            .rebuild(move |done, total| {
                assert!(done <= total);
                seen.store(done, std::sync::atomic::Ordering::SeqCst);
            })
            .await
            .unwrap();
        assert_eq!(rebuilt.items, 4);
        assert_eq!(progress.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert_eq!(rebuilt.cursor, db.store.outbox_head().await.unwrap());
        let status = index.status().unwrap();
        assert_eq!((status.documents, status.outbox_cursor), (4, rebuilt.cursor));
        // A second rebuild replaces rather than duplicates.
        indexer.rebuild(|_, _| {}).await.unwrap();
        assert_eq!(index.status().unwrap().documents, 4);
        assert_eq!(index.search(&db.store, &reader("NZL"), &text("passports")).await.unwrap().total, 2);

        // Reopened after the writer is gone, the index keeps documents and cursor.
        drop(indexer);
        drop(index);
        let reopened = SearchIndex::open(&dir).unwrap();
        assert_eq!(reopened.status().unwrap(), status);
        assert_eq!(reopened.indexer(db.store.clone()).unwrap().catch_up().await.unwrap().entries, 0);
    }
}
