//! Incident records: their facts written with the item (and backfilled when an
//! older database is upgraded), imports all-or-nothing and idempotent, and
//! collection templates kept per member.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::incident::{AgeBand, DocumentType, DocumentUsed, Incident, PersonCount, Route, Sex, Transport};
use godwit_domain::item::{BorderEnvironment, Category, FraudType, ItemContent, ItemDetails, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberKind, Organisation};
use godwit_domain::template::CollectionTemplate;
use godwit_domain::testing::NOW;
use godwit_domain::user::{Role, Subject};
use godwit_store::incidents::{ImportOutcome, ImportRow};
use godwit_store::items::ItemFilter;
use godwit_store::{Store, StoreError};
use sqlx::Connection;
use uuid::Uuid;

use crate::harness::{TestDb, backends};

fn subject(n: u128, member: &str, roles: &[Role]) -> Subject {
    Subject {
        user: Uuid::from_u128(n),
        member: MemberCode(member.into()),
        organisation: Uuid::from_u128(n + 100),
        roles: roles.iter().copied().collect(),
        clearance: Classification(3),
        member_groups: BTreeSet::new(),
    }
}

async fn members(store: &Store) -> (Subject, Subject) {
    let fji = subject(1, "FJI", &[Role::Analyst]);
    let nzl = subject(2, "NZL", &[Role::Analyst]);
    for s in [&fji, &nzl] {
        store
            .upsert_member(&Member { code: s.member.clone(), name: s.member.to_string(), kind: MemberKind::State })
            .await
            .unwrap();
        store
            .put_organisation(&Organisation {
                id: s.organisation,
                member: s.member.clone(),
                name: "Immigration".into(),
                agency: AgencyKind::Immigration,
            })
            .await
            .unwrap();
    }
    (fji, nzl)
}

fn incident(occurred_on: &str, persons: u32) -> Incident {
    Incident {
        occurred_on: occurred_on.into(),
        border_post: "Nadi International Airport".into(),
        persons,
        profile: vec![
            PersonCount { nationality: "LKA".into(), sex: Sex::Male, age_band: AgeBand::Young, count: persons - 1 },
            PersonCount { nationality: "XXA".into(), sex: Sex::Female, age_band: AgeBand::Minor, count: 1 },
        ],
        route: Route { origin: Some("LKA".into()), transit: vec!["SGP".into()], destination: Some("AUS".into()) },
        transport: Some(Transport::CommercialFlight),
        documents: vec![DocumentUsed {
            document_type: DocumentType::Passport,
            issuing_state: "NZL".into(),
            fraud_type: Some(FraudType::Counterfeit),
        }],
        ..Default::default()
    }
}

fn content(incident: Incident) -> ItemContent {
    ItemContent {
        title: "Smuggling via Nadi".into(),
        summary: String::new(),
        body: String::new(),
        category: Category::PeopleSmuggling,
        details: ItemDetails::IncidentRecord(Box::new(incident)),
        classification: Classification(1),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release: Releasability::default(),
        grading: None,
        tags: vec![],
        countries: vec![],
        environment: Some(BorderEnvironment::Air),
        valid_from: None,
        valid_until: None,
    }
}

/// One number from raw SQL, read behind the store's back.
async fn number(db: &TestDb, sql: &str) -> i64 {
    if db.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut conn).await.unwrap()
    }
}

async fn facts(db: &TestDb) -> [i64; 5] {
    [
        number(db, "SELECT COUNT(*) FROM incident_facts").await,
        number(db, "SELECT CAST(COALESCE(SUM(persons), 0) AS BIGINT) FROM incident_facts").await,
        number(db, "SELECT COUNT(*) FROM incident_persons").await,
        number(db, "SELECT COUNT(*) FROM incident_legs").await,
        number(db, "SELECT COUNT(*) FROM incident_documents").await,
    ]
}

#[tokio::test]
async fn facts_follow_the_item_and_are_backfilled_on_upgrade() {
    for db in backends(NOW).await {
        let (fji, _) = members(&db.store).await;
        let item = db.store.create_item(&fji, content(incident("2026-10-01", 3))).await.unwrap();
        assert_eq!(facts(&db).await, [1, 3, 2, 3, 1]);
        let simpler = Incident { occurred_on: "2026-10-02".into(), persons: 5, ..Default::default() };
        db.store.update_item(&fji, item.id, content(simpler)).await.unwrap();
        assert_eq!(facts(&db).await, [1, 5, 0, 0, 0]);
        assert_eq!(number(&db, "SELECT COUNT(*) FROM incident_facts WHERE occurred_month = '2026-10'").await, 1);

        let future = content(incident("2099-01-01", 2));
        match db.store.create_item(&fji, future).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "details/occurred_on"),
            other => panic!("a future incident was accepted: {other:?}"),
        }

        // A database from before version 5: the facts come back from the items.
        db.raw(
            "DROP TABLE incident_facts; DROP TABLE incident_persons; DROP TABLE incident_legs; \
             DROP TABLE incident_documents; DROP TABLE collection_templates; DROP TABLE import_mappings; \
             DELETE FROM schema_migrations WHERE version = 5",
        )
        .await;
        Store::open(&db.url).await.unwrap().close().await;
        assert_eq!(facts(&db).await, [1, 5, 0, 0, 0]);
    }
}

fn rows(from: u64, count: u64) -> Vec<ImportRow> {
    (from..from + count)
        .map(|n| ImportRow {
            row: n,
            key: format!("key-{n}"),
            content: content(incident(&format!("2026-09-{:02}", n % 28 + 1), 2)),
        })
        .collect()
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_importing_again_changes_nothing() {
    for db in backends(NOW).await {
        let (fji, nzl) = members(&db.store).await;
        let heard = std::sync::Mutex::new(Vec::new());
        let progress = |done: u64, of: u64| heard.lock().unwrap().push((done, of));

        let dry = db.store.dry_import(&fji, &rows(2, 700)).await.unwrap();
        assert_eq!(dry, ImportOutcome { created: 700, already_imported: 0 });
        assert_eq!(db.store.count_items().await.unwrap(), 0, "a dry run writes nothing");

        let done = db.store.import_incidents(&fji, "people_smuggling", rows(2, 700), &progress).await.unwrap();
        assert_eq!(done, ImportOutcome { created: 700, already_imported: 0 });
        assert_eq!(*heard.lock().unwrap(), [(500, 700), (700, 700)]);
        assert_eq!(facts(&db).await[0], 700);

        let again = db.store.import_incidents(&fji, "people_smuggling", rows(2, 710), &progress).await.unwrap();
        assert_eq!(again, ImportOutcome { created: 10, already_imported: 700 });
        assert_eq!(db.store.count_items().await.unwrap(), 710);

        let mut bad = rows(800, 5);
        bad[3].content = content(incident("2099-01-01", 2));
        match db.store.import_incidents(&fji, "people_smuggling", bad, &progress).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "rows/803/details/occurred_on"),
            other => panic!("a bad row was accepted: {other:?}"),
        }
        assert_eq!(db.store.count_items().await.unwrap(), 710, "nothing of a refused import is written");

        // The same key is another member's record for another member.
        let theirs = db.store.import_incidents(&nzl, "people_smuggling", rows(2, 3), &progress).await.unwrap();
        assert_eq!(theirs.created, 3);
        // Drafts stay with their author's member.
        let seen = db.store.list_items(&nzl, &ItemFilter { limit: 1000, ..Default::default() }).await.unwrap();
        assert_eq!(seen.items.len(), 3);
        assert!(seen.items.iter().all(|i| i.originator_member == nzl.member));

        let reader = subject(3, "FJI", &[Role::FrontLineOfficer]);
        assert!(matches!(
            db.store.import_incidents(&reader, "people_smuggling", rows(900, 1), &progress).await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn templates_and_mappings_are_kept_per_member() {
    for db in backends(NOW).await {
        let (fji, nzl) = members(&db.store).await;
        assert_eq!(db.store.collection_templates(&fji.member).await.unwrap().len(), 9);
        let mut adapted = CollectionTemplate::builtin("cruise_ships").unwrap();
        adapted.name = "Cruise ships (Fiji)".into();
        adapted.fields.retain(|f| f.key != "flag_state");
        db.store.put_collection_template(&fji, &adapted).await.unwrap();
        let mut own = adapted.clone();
        own.code = "fiji_yachts".into();
        db.store.put_collection_template(&fji, &own).await.unwrap();

        assert_eq!(db.store.collection_template(&fji.member, "cruise_ships").await.unwrap(), adapted);
        assert_eq!(db.store.collection_templates(&fji.member).await.unwrap().len(), 10);
        assert_eq!(
            db.store.collection_template(&nzl.member, "cruise_ships").await.unwrap(),
            CollectionTemplate::builtin("cruise_ships").unwrap()
        );
        assert!(matches!(db.store.collection_template(&nzl.member, "fiji_yachts").await, Err(StoreError::NotFound(_))));

        let mut broken = adapted.clone();
        broken.fields.clear();
        assert!(matches!(db.store.put_collection_template(&fji, &broken).await, Err(StoreError::Invalid(_))));

        db.store.delete_collection_template(&fji, "cruise_ships").await.unwrap();
        assert_eq!(
            db.store.collection_template(&fji.member, "cruise_ships").await.unwrap(),
            CollectionTemplate::builtin("cruise_ships").unwrap()
        );

        let mapping = BTreeMap::from([("dateofdetection".to_owned(), "date".to_owned())]);
        db.store.put_import_mapping(&fji, "people_smuggling", &mapping).await.unwrap();
        assert_eq!(db.store.import_mapping(&fji.member, "people_smuggling").await.unwrap(), mapping);
        assert!(db.store.import_mapping(&nzl.member, "people_smuggling").await.unwrap().is_empty());
    }
}
