use std::collections::BTreeSet;

use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::marking::ClassificationScale;
use godwit_domain::regional::Period;
use godwit_domain::user::{Role, password_policy_violation};
use godwit_domain::{Clock, SystemClock, Timestamp};
use godwit_store::Store;
use godwit_store::items::ItemFilter;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::catalogue::demo_items;
use super::items::{ItemFactory, Staff};
use super::people::{DEMO_PASSWORD, users};
use super::region::Region;

const NOW: Timestamp = Timestamp(1_790_000_000_000);

#[test]
fn every_generated_item_is_valid_and_every_kind_and_state_occurs() {
    let mut rng = StdRng::seed_from_u64(11);
    let region = Region::build(&mut rng);
    let people = users(&region, &mut rng);
    let factory = ItemFactory::new(&region, Staff::from_users(&people), NOW);
    let items = demo_items(&factory, &mut rng);
    assert!(items.len() >= 300, "only {} items", items.len());
    for item in &items {
        assert_eq!(item.content.validate(&ClassificationScale::default(), NOW), Ok(()), "{}", item.content.title);
        assert!(item.created_at <= NOW && item.updated_at <= NOW, "{} is in the future", item.content.title);
        assert!(item.created_at.0 >= NOW.plus_days(-560).0);
    }
    let kinds: BTreeSet<ItemKind> = items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), ItemKind::ALL.len());
    let states: BTreeSet<ItemState> = items.iter().map(|i| i.state).collect();
    assert_eq!(states.len(), ItemState::ALL.len());
    for old in items.iter().filter(|i| i.state == ItemState::Superseded) {
        let newer = items.iter().find(|i| Some(i.id) == old.superseded_by).expect("successor");
        assert_eq!(newer.supersedes, Some(old.id));
    }
}

#[test]
fn the_same_seed_gives_the_same_items() {
    let make = || {
        let mut rng = StdRng::seed_from_u64(5);
        let region = Region::build(&mut rng);
        let people = users(&region, &mut rng);
        let factory = ItemFactory::new(&region, Staff::from_users(&people), NOW);
        demo_items(&factory, &mut rng)
    };
    assert_eq!(make(), make());
}

#[test]
fn the_demo_password_meets_the_policy_for_every_user() {
    let mut rng = StdRng::seed_from_u64(1);
    let region = Region::build(&mut rng);
    for user in users(&region, &mut rng) {
        assert_eq!(password_policy_violation(DEMO_PASSWORD, &user.username), None);
    }
}

#[tokio::test]
async fn seeding_fills_a_store_with_a_whole_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&format!("sqlite:{}", dir.path().join("godwit.db").display())).await.expect("open");
    let key = godwit_store::secret_key::SecretKey::generate().expect("key");
    let store = store.with_secret_key(key).await.expect("key");
    let now = SystemClock.now();
    let summary = super::seed::seed(&store, 3, now).await.expect("seed");

    assert!(store.members().await.expect("members").len() >= 10);
    let users = store.users(None).await.expect("users");
    let roles: BTreeSet<Role> = users.iter().flat_map(|u| u.roles.iter().copied()).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "roles present: {roles:?}");

    let stored: BTreeSet<String> =
        store.outbox_after(0, 100_000).await.expect("outbox").into_iter().map(|e| e.item_id).collect();
    assert!(stored.len() >= 300, "only {} items stored", stored.len());
    assert_eq!(stored.len(), summary.items);

    let agreements = store.agreements().await.expect("agreements");
    assert!(agreements.iter().filter(|a| a.in_force(now)).count() >= 10);
    assert!(agreements.iter().any(|a| a.valid_until.is_some_and(|until| until < now)), "no expired agreement");

    let analyst = users.iter().find(|u| u.username == "ana.fji").expect("ana.fji");
    let subject = store.subject_for(analyst).await.expect("subject");
    let visible = store.visible_item_ids(&subject).await.expect("visible");
    assert!(!visible.is_empty() && visible.len() < stored.len(), "FJI sees {} of {}", visible.len(), stored.len());
    let page = store.list_items(&subject, &ItemFilter { limit: 50, ..Default::default() }).await.expect("list");
    assert_eq!(page.items.len(), 50);
    assert!(page.items.iter().any(|i| i.originator_member.as_str() != "FJI"), "FJI sees only its own items");

    // The early-warning page has a rising series and a displaced scheme to show.
    let month = godwit_store::warning::YearMonth::of(now.to_datetime().date()).plus(-1);
    let filter = godwit_store::analysis::AnalysisFilter::default();
    let rises = store
        .incident_rises(&subject, &filter, &godwit_store::warning::WARNING_DIMENSIONS, month, &Default::default())
        .await
        .expect("rises");
    assert!(rises.iter().any(|r| r.dimension == "nationality" && r.key == "LKA"), "{rises:?}");
    let moved = store.incident_displacements(&subject, &filter, month, 18).await.expect("displacements");
    assert!(
        moved.iter().any(|d| matches!(&d.signature, godwit_store::warning::Signature::Document { issuing_state, .. } if issuing_state == "SGP")),
        "{moved:?}"
    );

    // The collection plans show evidence, gaps and an overdue requirement.
    let coverage = store.coverage(&subject).await.expect("coverage");
    assert_eq!(coverage.len(), 3, "{coverage:?}");
    assert!(coverage.iter().any(|c| c.overdue && c.items > 0), "{coverage:?}");
    assert!(coverage.iter().any(|c| c.items == 0), "{coverage:?}");

    // Requests for information at every step, Australia asking most.
    let aus = users.iter().find(|u| u.username == "ana.aus").expect("ana.aus");
    let aus = store.subject_for(aus).await.expect("subject");
    let requests = store.rfis(&aus, &Default::default()).await.expect("rfis");
    let states: BTreeSet<&str> = requests.iter().map(|r| r.rfi.state.as_str()).collect();
    assert_eq!(states.len(), 5, "{states:?}");
    let stats = store.rfi_statistics(&aus).await.expect("statistics");
    assert!(stats.iter().any(|s| s.median_hours_to_answer.is_some_and(|h| h >= 24)), "{stats:?}");

    // PIDC's regional totals show some counts and hold back others (rare nationalities).
    let top = store
        .regional_top(&subject, "PIDC", &filter, godwit_domain::incident::Dimension::Nationality, 50)
        .await
        .expect("regional top");
    assert!(!top.totals.suppressed, "{top:?}");
    assert!(top.rows.iter().any(|r| !r.counts.suppressed) && top.rows.iter().any(|r| r.counts.suppressed), "{top:?}");
    // The chart has something to draw, more by quarter than by month (how
    // many months pass the threshold depends on the day the demo is seeded).
    let mut published = Vec::new();
    for period in Period::ALL {
        let trend = store
            .regional_trend(&subject, "PIDC", &filter, godwit_domain::incident::Dimension::Category, period)
            .await
            .expect("regional trend");
        published.push(trend.rows.iter().filter(|p| !p.counts.suppressed).count());
    }
    let [monthly, quarterly] = published[..] else { unreachable!("two periods") };
    assert!(quarterly >= 3 && quarterly > monthly, "published cells: {monthly} by month, {quarterly} by quarter");

    // Fiji reads the registers released to PIDC, to the Bali Process and to
    // it by name, not Papua New Guinea's (released to Australia) nor Samoa's
    // (released to nobody), and sees members rate document fraud very differently.
    let picture = store.regional_picture(&subject).await.expect("picture");
    let members: Vec<&str> = picture.members.iter().map(|m| m.as_str()).collect();
    assert_eq!(members, ["AUS", "FJI", "IDN", "NZL", "TON"], "{picture:?}");
    assert!(picture.differences.iter().any(|d| d.threat == "document-fraud"), "{picture:?}");
    let own = store.threat_register_view(&subject, &subject.member).await.expect("register");
    assert!(own.entries.iter().any(|e| e.review_overdue) && own.entries.iter().any(|e| !e.evidence.is_empty()));

    // The capacity survey: six members submitted (Fiji is told so: the findings
    // are released to PIDC), Papua New Guinea's answers are neither counted
    // nor shown to Fiji, and this round is compared with last year's.
    let surveys = store.questionnaires(&subject).await.expect("questionnaires");
    let this_year = now.to_datetime().year().to_string();
    let current = surveys.iter().find(|q| q.round == this_year).expect("this year's round");
    assert_eq!((current.responses, current.response_state.map(|s| s.as_str())), (Some(6), Some("submitted")));
    let findings = store.survey_findings(&subject, current.id).await.expect("findings");
    assert_eq!((findings.findings.submitted, findings.findings.responding), (Some(6), 5));
    assert_eq!(findings.asked, 8);
    let shown: Vec<&str> = findings.released.iter().map(|r| r.member.as_str()).collect();
    assert_eq!(shown, ["AUS", "FJI", "NZL", "TON", "WSM"]);
    assert!(findings.changes.iter().any(|c| c.question == "abmis" && c.then < c.now), "{:?}", findings.changes);

    let credentials = super::credentials(&store).await.expect("credentials");
    assert_eq!(credentials.len(), users.len());
    let totp_users = credentials.iter().filter(|c| c.totp_secret.is_some()).count();
    assert_eq!(totp_users, users.iter().filter(|u| u.requires_totp()).count());
}
