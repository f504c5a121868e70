//! `godwit bench core`: how fast items are published in bulk, and how fast a page
//! of 50 items comes back through the pushed-down access policy for users of
//! different members (issue 2 targets: ≥ 2,000 items/s; list p95 ≤ 30 ms on
//! SQLite over 1,000,000 items).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use godwit_domain::item::ItemKind;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::user::{Role, Subject};
use godwit_domain::{Clock, SystemClock, Timestamp};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::items::ItemFilter;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::generator::{self, World};
use super::report::{Series, table};
use crate::demo::items::HISTORY_DAYS;
use crate::store_cmd::{DatabaseArgs, redact};

#[derive(Args)]
pub struct CoreArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Items to generate and publish (added to what the database holds); 0 measures lists only.
    #[arg(long, default_value_t = 1_000_000)]
    pub items: u64,
    /// Items per bulk insert (one transaction each).
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Timed calls per measured query; 0 publishes only.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Untimed calls before the timed ones, to warm the caches.
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
}

/// The readers whose lists are measured: (label, member, role, clearance).
pub(super) const READERS: &[(&str, &str, Role, u8)] = &[
    ("analyst FJI (RESTRICTED)", "FJI", Role::Analyst, 2),
    ("analyst AUS (CONFIDENTIAL)", "AUS", Role::Analyst, 3),
    ("analyst IDN (IN-CONFIDENCE)", "IDN", Role::Analyst, 1),
    ("secretariat PIDCSEC (RESTRICTED)", "PIDCSEC", Role::Secretariat, 2),
];

pub async fn run(args: CoreArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let store = args.db.open().await?;
    let now = SystemClock.now();
    let world = generator::world(args.seed, now);
    prepare(&store, &world).await?;

    println!("## Core benchmark\n");
    println!("- database: {} ({:?})", redact(&args.db.url()), store.backend());
    if args.items > 0 {
        let (published, elapsed) = publish(&store, &world, &args, now).await?;
        let rate = published as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "- published {published} items in {:.1} s: **{rate:.0} items/s** (put_items, batches of {})",
            elapsed.as_secs_f64(),
            args.batch
        );
    }
    if args.samples > 0 {
        let series = list(&store, &world, &args, now).await?;
        println!("- list: pages of 50, {} timed calls each after {} warm-up calls\n", args.samples, args.warmup);
        println!("{}", table(&series));
    }
    Ok(())
}

/// Measures the first page, a page filtered by kind and a page at a random
/// depth for each reader, and the first page for an administrator.
async fn list(store: &Store, world: &World, args: &CoreArgs, now: Timestamp) -> anyhow::Result<Vec<Series>> {
    let mut series = Vec::new();
    for (label, member, role, clearance) in READERS {
        let subject = subject(store, world, member, *role, Classification(*clearance)).await?;
        series.push(measure(store, &subject, label, "first page", args, ItemFilter::default).await?);
        series.push(
            measure(store, &subject, label, "first page, kind = incident_record", args, || ItemFilter {
                kind: Some(ItemKind::IncidentRecord),
                ..Default::default()
            })
            .await?,
        );
        let mut rng = StdRng::seed_from_u64(args.seed);
        series.push(
            measure(store, &subject, label, "page at a random depth", args, move || ItemFilter {
                before: Some((Timestamp(now.0 - rng.random_range(0..HISTORY_DAYS * 86_400_000)), Uuid::max())),
                ..Default::default()
            })
            .await?,
        );
    }
    let admin = subject(store, world, "PIDCSEC", Role::Administrator, Classification(0)).await?;
    series.push(measure(store, &admin, "administrator PIDCSEC", "first page", args, ItemFilter::default).await?);
    Ok(series)
}

/// Writes the region's members, groups, organisations and agreements (idempotent).
pub(super) async fn prepare(store: &Store, world: &World) -> anyhow::Result<()> {
    for member in &world.region.members {
        store.upsert_member(member).await?;
    }
    for group in &world.region.groups {
        store.put_group(group).await?;
    }
    for org in &world.region.organisations {
        store.put_organisation(org).await?;
    }
    for agreement in &world.agreements {
        let event = AuditEvent::new("agreement.create").on(agreement.id).with(serde_json::json!({ "source": "bench" }));
        store.put_agreement(agreement, event).await?;
    }
    Ok(())
}

/// Inserts the generated items with `put_items`, one batch per transaction, and
/// returns how many went in and the time spent.
async fn publish(store: &Store, world: &World, args: &CoreArgs, now: Timestamp) -> anyhow::Result<(u64, Duration)> {
    let progress = ProgressBar::new(args.items);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} items, {per_sec}, eta {eta}",
        )
        .context("progress bar template")?
        .progress_chars("=> "),
    );
    let mut batches = generator::spawn(world.region.clone(), args.seed, now, args.items, args.batch, None);
    let started = Instant::now();
    let mut published = 0u64;
    while let Some(batch) = batches.recv().await {
        store.put_items(&batch, AuditEvent::new("item.import").with(serde_json::json!({ "source": "bench" }))).await?;
        published += batch.len() as u64;
        progress.inc(batch.len() as u64);
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    // As after any bulk import: without statistics the planner sorts every
    // visible item to show one page. Timed apart from publishing.
    let analysed = Instant::now();
    store.refresh_statistics().await?;
    eprintln!("planner statistics refreshed in {:.1} s", analysed.elapsed().as_secs_f64());
    Ok((published, elapsed))
}

/// A reader of `member` with one role; users need no account to be judged.
pub(super) async fn subject(
    store: &Store,
    world: &World,
    member: &str,
    role: Role,
    clearance: Classification,
) -> anyhow::Result<Subject> {
    let org = world.region.main_org(member).with_context(|| format!("no organisation for {member}"))?;
    Ok(Subject {
        user: Uuid::now_v7(),
        member: MemberCode(member.to_owned()),
        organisation: org.id,
        roles: [role].into(),
        clearance,
        member_groups: store.groups_of(&MemberCode(member.to_owned())).await?.into_iter().collect(),
    })
}

/// Times `--samples` calls of `list_items` (page of 50) after `--warmup` untimed ones.
async fn measure(
    store: &Store,
    subject: &Subject,
    who: &str,
    query: &str,
    args: &CoreArgs,
    mut filter: impl FnMut() -> ItemFilter,
) -> anyhow::Result<Series> {
    let mut timings = Vec::with_capacity(args.samples);
    let mut page_items = 0;
    for i in 0..args.samples + args.warmup {
        let filter = ItemFilter { limit: 50, ..filter() };
        let started = Instant::now();
        let page = store.list_items(subject, &filter).await?;
        let took = started.elapsed();
        if i >= args.warmup {
            timings.push(took);
        }
        page_items = page.items.len();
    }
    eprintln!("measured {who}: {query}");
    Ok(Series { who: who.to_owned(), query: query.to_owned(), page_items, samples: timings })
}
