//! `godwit bench federation`: two nodes, an originating member's and a
//! peer member's, each with its own database; the origin publishes the
//! generated items released to the peer's member and serves them over HTTP
//! on loopback; the peer pulls them all, signed pages verified and applied
//! as in production, and then exports them as a STIX 2.1 bundle for one of
//! its analysts (issue 7 targets: 100,000 items synced in ≤ 60 s; the STIX
//! export of 100,000 items measured).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::Category;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::user::Role;
use godwit_domain::{Clock, SystemClock};
use godwit_server::{AppState, ServerConfig};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::federation::{PeerRegistration, Route};
use godwit_store::secret_key::SecretKey;
use indicatif::{ProgressBar, ProgressStyle};

use super::generator::{self, World};
use super::store::{prepare, subject};
use crate::store_cmd::redact;

const ORIGIN: &str = "FJI";
const PEER: &str = "NZL";

#[derive(Args)]
pub struct FederationArgs {
    /// A new directory for both nodes' SQLite databases (origin.db, peer.db).
    #[arg(long, default_value = "godwit-bench-federation")]
    pub data_dir: PathBuf,
    /// The origin's database instead (`postgres://…`).
    #[arg(long)]
    pub origin_database_url: Option<String>,
    /// The peer's database instead (`postgres://…`).
    #[arg(long)]
    pub peer_database_url: Option<String>,
    /// Items the origin publishes before the peer pulls.
    #[arg(long, default_value_t = 100_000)]
    pub items: u64,
    /// Outbox entries per signed page.
    #[arg(long, default_value_t = 1_000)]
    pub page: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
}

/// A node of the benchmark: the world's region and agreements, a secret key,
/// and its identity as `member`.
async fn node(url: &str, world: &World, member: &str) -> anyhow::Result<Store> {
    let store = Store::open(url).await?.with_secret_key(SecretKey::generate()?).await?;
    prepare(&store, world).await?;
    let code = MemberCode(member.to_owned());
    if store.node_identity().await?.is_none() {
        store.init_node(&code, AuditEvent::new("node.init")).await?;
    }
    Ok(store)
}

pub async fn run(args: FederationArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.data_dir.join("origin.db").exists(),
        "{} holds an earlier run: remove it first",
        args.data_dir.display()
    );
    std::fs::create_dir_all(&args.data_dir).with_context(|| format!("creating {}", args.data_dir.display()))?;
    let sqlite = |name: &str| format!("sqlite:{}", args.data_dir.join(name).display());
    let origin_url = args.origin_database_url.clone().unwrap_or_else(|| sqlite("origin.db"));
    let peer_url = args.peer_database_url.clone().unwrap_or_else(|| sqlite("peer.db"));
    let now = SystemClock.now();
    let mut world = generator::world(args.seed, now);
    // A comprehensive MoU, so that every generated item is released to the peer.
    world.agreements.push(Agreement {
        id: uuid::Uuid::now_v7(),
        title: format!("{ORIGIN} and {PEER}: everything"),
        kind: AgreementKind::Bilateral,
        status: AgreementStatus::Active,
        parties: [MemberCode(ORIGIN.into()), MemberCode(PEER.into())].into(),
        categories: Category::ALL.iter().copied().collect(),
        max_classification: Classification(3),
        personal_data: true,
        third_party_rule: ThirdPartyRule::OriginatorConsent,
        valid_from: godwit_domain::Timestamp(now.0 - 86_400_000),
        valid_until: None,
    });
    let origin = node(&origin_url, &world, ORIGIN).await?;
    let peer = node(&peer_url, &world, PEER).await?;

    let published = publish(&origin, &world, &args, now).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let config = ServerConfig { federation_pull_seconds: 0, ..ServerConfig::default() };
    let app = godwit_server::router(AppState::new(origin.clone(), config))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (origin_id, peer_id) =
        (origin.node_identity().await?.context("origin")?, peer.node_identity().await?.context("peer")?);
    for (store, other, url) in
        [(&origin, &peer_id, "http://peer.invalid".to_owned()), (&peer, &origin_id, format!("http://{address}"))]
    {
        let registration = PeerRegistration {
            member: other.member.clone(),
            route: Route::Direct(url),
            signing_key: other.public,
            encryption_key: Some(other.encryption),
        };
        store.put_peer(registration, AuditEvent::new("peer.put")).await?;
    }

    println!("## Federation benchmark\n");
    println!(
        "- origin {ORIGIN}: {} ({:?}); peer {PEER}: {} ({:?})",
        redact(&origin_url),
        origin.backend(),
        redact(&peer_url),
        peer.backend()
    );
    println!("- the origin published {published} items, each released to {PEER} under a comprehensive agreement");
    let started = Instant::now();
    let report = godwit_server::federation::pull(&peer, &origin_id.member, args.page).await?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "- sync over HTTP: **{} items in {took:.1} s ({:.0} items/s)**, {} pages of up to {} outbox entries, signed, verified and applied one transaction each",
        report.applied,
        report.applied as f64 / took.max(1e-9),
        report.pages,
        args.page
    );
    let held = peer.count_items().await?;
    anyhow::ensure!(held as usize == report.applied, "the peer holds {held} items, {} were applied", report.applied);

    // As after any bulk import (`bench core`): PostgreSQL's autovacuum would
    // analyse the new rows within a minute; without statistics it plans the
    // export's pages badly. Timed apart.
    let analysed = Instant::now();
    peer.refresh_statistics().await?;
    println!("- planner statistics refreshed on the peer in {:.1} s", analysed.elapsed().as_secs_f64());

    let reader = subject(&peer, &world, PEER, Role::Analyst, Classification(u8::MAX)).await?;
    let started = Instant::now();
    let bundle = peer.export_stix(&reader, None).await?;
    let bytes = serde_json::to_vec(&bundle)?.len();
    let took = started.elapsed().as_secs_f64();
    let objects = bundle["objects"].as_array().map_or(0, Vec::len);
    println!(
        "- STIX 2.1 export on the peer for an analyst of {PEER}: **{} items as {objects} objects, {:.1} MB, in {took:.1} s**",
        report.applied,
        bytes as f64 / 1e6
    );
    Ok(())
}

/// Publishes `--items` generated items as the origin's, released to the peer.
async fn publish(
    store: &Store,
    world: &World,
    args: &FederationArgs,
    now: godwit_domain::Timestamp,
) -> anyhow::Result<u64> {
    let org = world.region.main_org(ORIGIN).context("the origin's organisation")?.id;
    let progress = ProgressBar::new(args.items);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {human_pos}/{human_len} items published, eta {eta}")
            .context("progress bar template")?,
    );
    let mut batches = generator::spawn(world.region.clone(), args.seed, now, args.items, 5_000, None);
    let mut published = 0;
    while let Some(mut batch) = batches.recv().await {
        for item in &mut batch {
            item.originator_member = MemberCode(ORIGIN.to_owned());
            item.originator_org = org;
            item.content.release.members.insert(MemberCode(PEER.to_owned()));
        }
        store.put_items(&batch, AuditEvent::new("item.import").with(serde_json::json!({ "source": "bench" }))).await?;
        published += batch.len() as u64;
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();
    Ok(published)
}
