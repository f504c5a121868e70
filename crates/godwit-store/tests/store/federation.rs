//! Federation between two stores, as two nodes would do it over HTTP (the
//! signed page moves as bytes): exactly what the policy releases to the
//! peer's member crosses; a tampered, replayed, misdirected or out-of-order
//! page is refused whole; the same change twice changes nothing;
//! withdrawals and narrowed releases reach the peer.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::{Category, Item, ItemState, Releasability};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::{Member, MemberCode, MemberGroup, MemberKind};
use godwit_domain::user::{Role, User};
use godwit_exchange::federation::{Bundle, Change, NodeKey, nonce};
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::federation::{PeerRegistration, Received, Route};
use godwit_store::items::Method;
use godwit_store::secret_key::SecretKey;
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::harness::{TestDb, backends};
use godwit_domain::testing::report_from;

const NOW: Timestamp = Timestamp(1_790_000_000_000);

fn code(text: &str) -> MemberCode {
    MemberCode(text.into())
}

/// One node of the region: the three members, the group SOUTH (Fiji and
/// Tonga), and an agreement between Fiji and New Zealand on people
/// smuggling up to level 2, as every node of the region records them.
async fn node(db: TestDb, member: &str) -> TestDb {
    let db = db.sealing_with(SecretKey::generate().unwrap()).await;
    let store = &db.store;
    for (c, name) in [("FJI", "Fiji"), ("NZL", "New Zealand"), ("TON", "Tonga")] {
        store.upsert_member(&Member { code: code(c), name: name.into(), kind: MemberKind::State }).await.unwrap();
    }
    store
        .put_group(&MemberGroup {
            code: "SOUTH".into(),
            name: "South".into(),
            members: [code("FJI"), code("TON")].into(),
        })
        .await
        .unwrap();
    let agreement = Agreement {
        id: Uuid::from_u128(77),
        title: "Fiji and New Zealand on people smuggling".into(),
        kind: AgreementKind::Bilateral,
        status: AgreementStatus::Active,
        parties: [code("FJI"), code("NZL")].into(),
        categories: [Category::PeopleSmuggling].into(),
        max_classification: Classification(2),
        personal_data: false,
        third_party_rule: ThirdPartyRule::OriginatorConsent,
        valid_from: Timestamp(NOW.0 - 86_400_000),
        valid_until: None,
    };
    store.put_agreement(&agreement, AuditEvent::new("agreement.put")).await.unwrap();
    store.init_node(&code(member), AuditEvent::new("node.init")).await.unwrap();
    db
}

/// A published item of `originator`, released to `members` and `groups`.
fn item(n: u128, originator: &str, category: Category, level: u8, tlp: Tlp, members: &[&str], groups: &[&str]) -> Item {
    let envelope = godwit_domain::item::Envelope {
        id: Uuid::from_u128(n),
        kind: godwit_domain::item::ItemKind::IntelligenceReport,
        category,
        originator_member: code(originator),
        originator_org: Uuid::from_u128(1000 + n),
        author: Uuid::from_u128(2000 + n),
        state: ItemState::Published,
        classification: Classification(level),
        tlp,
        caveats: Default::default(),
        release: Releasability {
            members: members.iter().map(|m| code(m)).collect(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            organisations: [Uuid::from_u128(1000 + n)].into(),
        },
        valid_from: None,
        valid_until: None,
    };
    let mut item = report_from(&envelope, n as i64);
    item.content.body = format!("the body of item {n}");
    item
}

/// Serves one page from `from` to `to`'s node and applies it there, as the
/// HTTP endpoint and client do.
async fn pull_page(from: &Store, to: &Store, limit: u64) -> Result<Received, StoreError> {
    let (serving, key) = from.node_key().await.unwrap();
    let (receiving, _) = to.node_key().await.unwrap();
    let peer_there = from.peer(&receiving.member).await.unwrap();
    let cursor = to.peer(&serving.member).await.unwrap().cursor;
    let nonce = nonce().unwrap();
    let bundle = from.federation_bundle(&peer_there, cursor, limit, &nonce).await.unwrap();
    let body = serde_json::to_vec(&bundle).unwrap();
    to.receive_bundle(&serving.member, &body, &key.sign(&body), &nonce).await
}

/// Pulls every page; the ids applied and revoked, in order.
async fn pull_all(from: &Store, to: &Store) -> (Vec<Uuid>, Vec<Uuid>, usize) {
    let (mut applied, mut revoked, mut unchanged) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = pull_page(from, to, 3).await.unwrap();
        applied.extend(page.applied);
        revoked.extend(page.revoked);
        unchanged += page.unchanged;
        if !page.more {
            return (applied, revoked, unchanged);
        }
    }
}

async fn register(a: &Store, b: &Store) {
    let (ia, ib) = (a.node_identity().await.unwrap().unwrap(), b.node_identity().await.unwrap().unwrap());
    for (store, other, url) in [(a, ib, "http://b.invalid"), (b, ia, "http://a.invalid/")] {
        let registration = PeerRegistration {
            member: other.member,
            route: Route::Direct(url.into()),
            signing_key: other.public,
            encryption_key: Some(other.encryption),
        };
        store.put_peer(registration, AuditEvent::new("peer.put")).await.unwrap();
    }
}

async fn analyst(store: &Store, member: &str) -> godwit_domain::user::Subject {
    let user = User {
        id: Uuid::now_v7(),
        username: format!("analyst-{member}"),
        display_name: "Analyst".into(),
        email: "analyst@example.org".into(),
        member: code(member),
        organisation: Uuid::from_u128(9),
        roles: [Role::Analyst].into(),
        clearance: Classification(3),
        disabled: false,
    };
    store.create_user(&user, "not a hash", AuditEvent::new("user.create")).await.unwrap();
    store.subject_for(&user).await.unwrap()
}

async fn held(store: &Store, ids: &[u128]) -> Vec<Item> {
    store.items_for_index(&ids.iter().map(|n| Uuid::from_u128(*n)).collect::<Vec<_>>()).await.unwrap()
}

async fn audited(store: &Store, action: &str) -> Vec<serde_json::Value> {
    let query = AuditQuery { action: Some(action.into()), limit: 100, ..AuditQuery::default() };
    store.audit_records(&query).await.unwrap().into_iter().map(|r| serde_json::from_str(&r.detail).unwrap()).collect()
}

#[tokio::test]
async fn a_peer_receives_exactly_what_is_released_to_its_member_and_nothing_twice() {
    for (a, b) in backends(NOW).await.into_iter().zip(backends(NOW).await) {
        let (fiji, nz) = (node(a, "FJI").await, node(b, "NZL").await);
        let (a, b) = (&fiji.store, &nz.store);
        register(a, b).await;
        // A group only Fiji's node records New Zealand in.
        let east = MemberGroup { code: "EAST".into(), name: "East".into(), members: [code("FJI"), code("NZL")].into() };
        a.put_group(&east).await.unwrap();
        let ps = Category::PeopleSmuggling;
        let items = vec![
            item(1, "FJI", ps, 1, Tlp::Amber, &["NZL"], &[]), // agreement covers it
            item(2, "FJI", Category::DocumentFraud, 1, Tlp::Amber, &["NZL"], &[]), // no agreement for the category
            item(3, "FJI", ps, 0, Tlp::Clear, &[], &["SOUTH"]), // a group New Zealand is not in
            item(4, "FJI", Category::DocumentFraud, 0, Tlp::Clear, &["NZL"], &[]), // needs no agreement
            item(5, "FJI", ps, 3, Tlp::Amber, &["NZL"], &[]), // above the agreement's ceiling
            item(6, "FJI", ps, 0, Tlp::Clear, &["TON"], &[]), // released to another member
            item(7, "TON", ps, 0, Tlp::Clear, &["NZL"], &[]), // held here, not Fiji's to serve
            item(9, "FJI", ps, 0, Tlp::Clear, &[], &["EAST"]), // released through EAST, as Fiji records it
        ];
        let mut draft = item(8, "FJI", ps, 1, Tlp::Amber, &["NZL"], &[]);
        draft.state = ItemState::Draft;
        a.put_items(&[items.clone(), vec![draft]].concat(), AuditEvent::new("test.seed")).await.unwrap();

        let (applied, revoked, _) = pull_all(a, b).await;
        assert_eq!(applied, [1u128, 4, 9].map(Uuid::from_u128));
        assert!(revoked.is_empty());
        let copies = held(b, &[1, 2, 3, 4, 5, 6, 7, 8, 9]).await;
        assert_eq!(copies.iter().map(|i| i.id).collect::<BTreeSet<_>>(), [1u128, 4, 9].map(Uuid::from_u128).into());
        let through_group = copies.iter().find(|i| i.id == Uuid::from_u128(9)).unwrap();
        assert!(through_group.content.release.members.contains(&code("NZL")), "named for the peer's node");
        let copy = copies.iter().find(|i| i.id == Uuid::from_u128(1)).unwrap();
        assert_eq!(copy.content.body, "the body of item 1");
        assert_eq!(copy.originator_member, code("FJI"));
        assert!(copy.content.release.organisations.is_empty(), "the originator's organisations stay at home");

        // New Zealand's analysts read the copies under their own node's policy.
        let reader = analyst(b, "NZL").await;
        assert_eq!(b.read_item(&reader, Uuid::from_u128(1), Method::Api).await.unwrap().content.title, "item 1");
        assert_eq!(b.read_item(&reader, Uuid::from_u128(9), Method::Api).await.unwrap().content.title, "item 9");

        // Both sides audit the release.
        let ids: Vec<serde_json::Value> = [1u128, 4, 9].map(|n| Uuid::from_u128(n).to_string().into()).into();
        let audited_items = |records: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
            records.iter().flat_map(|r| r["items"].as_array().cloned().unwrap_or_default()).collect()
        };
        assert_eq!(audited_items(audited(a, "federation.release").await), ids, "pages with changes are audited");
        assert_eq!(audited_items(audited(b, "federation.receive").await), ids);
        let receipts = audited(b, "federation.receive").await.len();

        // Nothing new: an empty page, nothing written.
        let again = pull_page(a, b, 100).await.unwrap();
        assert_eq!((again.applied.len(), again.unchanged, again.more), (0, 0, false));

        // The same version again (stored anew, unchanged) changes nothing.
        a.put_items(&items[..1], AuditEvent::new("test.touch")).await.unwrap();
        let (applied, _, unchanged) = pull_all(a, b).await;
        assert_eq!((applied.len(), unchanged), (0, 1));
        assert_eq!(audited(b, "federation.receive").await.len(), receipts, "nothing changed, nothing audited");

        // A withdrawal and a narrowed release reach the peer; its copies lose their content.
        let mut withdrawn = items[0].clone();
        withdrawn.state = ItemState::Withdrawn;
        withdrawn.withdrawn_reason = Some("source recanted".into());
        let mut narrowed = items[3].clone();
        narrowed.content.release.members = [code("TON")].into();
        a.put_items(&[withdrawn, narrowed], AuditEvent::new("test.change")).await.unwrap();
        let (applied, revoked, _) = pull_all(a, b).await;
        assert!(applied.is_empty());
        assert_eq!(revoked, vec![Uuid::from_u128(1), Uuid::from_u128(4)]);
        for copy in held(b, &[1, 4]).await {
            assert_eq!(copy.state, ItemState::Withdrawn);
            assert!(copy.content.body.is_empty() && copy.content.summary.is_empty());
        }
        assert_eq!(held(b, &[1]).await[0].withdrawn_reason.as_deref(), Some("withdrawn: source recanted"));
        assert!(b.read_item(&reader, Uuid::from_u128(1), Method::Api).await.is_err());
        // Revoked once: the next changes to them are not news to New Zealand.
        a.put_items(&items[..1], AuditEvent::new("test.touch")).await.unwrap();
        let page = pull_page(a, b, 100).await.unwrap();
        assert_eq!(page.applied, vec![Uuid::from_u128(1)], "published again, released again");
    }
}

#[tokio::test]
async fn a_page_that_is_tampered_replayed_misdirected_or_out_of_order_is_refused_whole() {
    for (a, b) in backends(NOW).await.into_iter().zip(backends(NOW).await) {
        let (fiji, nz) = (node(a, "FJI").await, node(b, "NZL").await);
        let (a, b) = (&fiji.store, &nz.store);
        register(a, b).await;
        a.put_items(
            &[
                item(1, "FJI", Category::PeopleSmuggling, 1, Tlp::Amber, &["NZL"], &[]),
                item(2, "FJI", Category::PeopleSmuggling, 0, Tlp::Clear, &["NZL"], &[]),
            ],
            AuditEvent::new("test.seed"),
        )
        .await
        .unwrap();
        let (_, key) = a.node_key().await.unwrap();
        let peer_nz = a.peer(&code("NZL")).await.unwrap();
        let sent_nonce = nonce().unwrap();
        let bundle = a.federation_bundle(&peer_nz, 0, 100, &sent_nonce).await.unwrap();
        let body = serde_json::to_vec(&bundle).unwrap();
        let signature = key.sign(&body);
        let refusal = |r: Result<Received, StoreError>| match r {
            Err(StoreError::Forbidden(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        };

        let tampered = String::from_utf8(body.clone()).unwrap().replace("item 1", "item X").into_bytes();
        assert!(
            refusal(b.receive_bundle(&code("FJI"), &tampered, &signature, &sent_nonce).await).contains("signature")
        );
        let other_key = NodeKey::generate().unwrap();
        assert!(
            refusal(b.receive_bundle(&code("FJI"), &body, &other_key.sign(&body), &sent_nonce).await)
                .contains("signature")
        );
        let replayed = refusal(b.receive_bundle(&code("FJI"), &body, &signature, &nonce().unwrap()).await);
        assert!(replayed.contains("another request"), "{replayed}");
        assert!(held(b, &[1, 2]).await.is_empty(), "nothing of a refused page is written");
        assert_eq!(b.peer(&code("FJI")).await.unwrap().cursor, 0);

        // A page for another member, or one starting elsewhere than the cursor.
        let misdirected = Bundle { to_member: code("TON"), ..bundle.clone() };
        let misdirected = serde_json::to_vec(&misdirected).unwrap();
        assert!(
            refusal(b.receive_bundle(&code("FJI"), &misdirected, &key.sign(&misdirected), &sent_nonce).await)
                .contains("to TON")
        );
        let skipping = serde_json::to_vec(&Bundle { after: 1, ..bundle.clone() }).unwrap();
        assert!(
            refusal(b.receive_bundle(&code("FJI"), &skipping, &key.sign(&skipping), &sent_nonce).await)
                .contains("starts after 1")
        );

        // A signed page carrying another member's item, or one not released to New Zealand.
        let foreign = item(3, "TON", Category::PeopleSmuggling, 0, Tlp::Clear, &["NZL"], &[]);
        let mut unreleased = item(4, "FJI", Category::PeopleSmuggling, 0, Tlp::Clear, &["TON"], &[]);
        unreleased.content.release.organisations.clear();
        for (bad, expected) in [(foreign, "originated with TON"), (unreleased, "not released to NZL")] {
            let mut changes = bundle.changes.clone();
            changes.push(Change::Item { item: Box::new(bad) });
            let forged = serde_json::to_vec(&Bundle { changes, ..bundle.clone() }).unwrap();
            let why = refusal(b.receive_bundle(&code("FJI"), &forged, &key.sign(&forged), &sent_nonce).await);
            assert!(why.contains(expected), "{why}");
        }
        assert!(held(b, &[1, 2, 3, 4]).await.is_empty());

        // The genuine page still applies, once.
        let received = b.receive_bundle(&code("FJI"), &body, &signature, &sent_nonce).await.unwrap();
        assert_eq!(received.applied.len(), 2);
        let twice = refusal(b.receive_bundle(&code("FJI"), &body, &signature, &sent_nonce).await);
        assert!(twice.contains("starts after 0"), "{twice}");
    }
}

#[tokio::test]
async fn the_node_key_is_sealed_and_survives_a_rotation_of_the_secret_key() {
    for db in backends(NOW).await {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("secret.key");
        let store = db.store.clone().with_secret_key(SecretKey::load_or_create(&key_file).unwrap()).await.unwrap();
        store.upsert_member(&Member { code: code("FJI"), name: "Fiji".into(), kind: MemberKind::State }).await.unwrap();
        let identity = store.init_node(&code("FJI"), AuditEvent::new("node.init")).await.unwrap();
        assert!(matches!(
            store.init_node(&code("FJI"), AuditEvent::new("node.init")).await,
            Err(StoreError::Conflict(_))
        ));
        let (store, resealed) = store.rotate_secret_key(&key_file, AuditEvent::new("secret_key.rotate")).await.unwrap();
        assert_eq!(resealed, 2, "the signing and the encryption key");
        let (after, key) = store.node_key().await.unwrap();
        assert_eq!((after.public, key.public()), (identity.public, identity.public));
        let stranger = db.store.clone().with_secret_key(SecretKey::generate().unwrap()).await.unwrap();
        assert!(matches!(stranger.node_key().await, Err(StoreError::SecretKey(_))));
    }
}
