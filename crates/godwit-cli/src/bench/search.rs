//! `godwit bench search`: how long the search index takes to build over the
//! benchmark's items, and how fast searches come back, policy and facets
//! included, for readers of different members (issue 3 target: p95 ≤ 50 ms over
//! 1,000,000 items).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use godwit_domain::item::{CountryRole, ItemKind};
use godwit_domain::marking::Classification;
use godwit_domain::user::{Role, Subject};
use godwit_domain::{Clock, SystemClock, Timestamp};
use godwit_search::{CountryFilter, DateRange, Filters, SearchIndex, SearchQuery};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use indicatif::{ProgressBar, ProgressStyle};

use super::generator;
use super::report::{Series, table};
use super::store::{prepare, subject};
use crate::commands::index::index_dir;
use crate::store_cmd::{DatabaseArgs, redact};

#[derive(Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The index directory; defaults to `search-index` in the data directory.
    #[arg(long, env = "GODWIT_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,
    /// Items to generate and publish first (as `bench core` does); 0 uses what the database holds.
    #[arg(long, default_value_t = 0)]
    pub items: u64,
    /// Rebuild the index even when it is up to date with the database.
    #[arg(long)]
    pub rebuild: bool,
    /// Timed calls per measured query.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Untimed calls before the timed ones, to warm the caches.
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Seed of the generator (the same as `bench core`'s to reuse its world).
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
}

/// The readers measured: (label, member, role, clearance).
const READERS: &[(&str, &str, Role, u8)] = &[
    ("analyst FJI (RESTRICTED)", "FJI", Role::Analyst, 2),
    ("analyst AUS (CONFIDENTIAL)", "AUS", Role::Analyst, 3),
    ("secretariat PIDCSEC (RESTRICTED)", "PIDCSEC", Role::Secretariat, 2),
];

fn queries(now: Timestamp) -> Vec<(&'static str, SearchQuery)> {
    let text = |t: &str| SearchQuery { text: t.into(), ..Default::default() };
    vec![
        ("no text, newest first, facets", SearchQuery::default()),
        ("no text, page at offset 1,000", SearchQuery { offset: 1_000, ..Default::default() }),
        ("\"passport\" (common word)", text("passport")),
        ("\"fraudulent passport\" (two words)", text("fraudulent passport")),
        ("phrase \"document fraud\"", text("\"document fraud\"")),
        (
            "\"passport\", kind alert, issuing state IDN",
            SearchQuery {
                text: "passport".into(),
                filters: Filters {
                    kinds: vec![ItemKind::Alert],
                    countries: vec![CountryFilter { code: "IDN".into(), role: Some(CountryRole::IssuingState) }],
                    ..Default::default()
                },
                ..Default::default()
            },
        ),
        (
            "no text, published in the last 30 days",
            SearchQuery { published: DateRange { from: Some(now.plus_days(-30)), until: None }, ..Default::default() },
        ),
        (
            "\"passport\", page at offset 500",
            SearchQuery { text: "passport".into(), offset: 500, ..Default::default() },
        ),
    ]
}

pub async fn run(args: SearchArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let now = SystemClock.now();
    let world = generator::world(args.seed, now);
    prepare(&store, &world).await?;
    if args.items > 0 {
        publish(&store, &world, &args, now).await?;
    }
    let dir = index_dir(&args.db, args.index_dir.clone());
    let index = SearchIndex::open(&dir).with_context(|| format!("opening the search index at {}", dir.display()))?;
    let indexer = index.indexer(store.clone())?;

    println!("## Search benchmark\n");
    println!("- database: {} ({:?}), {} items", redact(&args.db.url()), store.backend(), store.count_items().await?);
    if args.rebuild || index.status()?.documents == 0 {
        let progress = bar(store.count_items().await?)?;
        let shown = progress.clone();
        let rebuilt = indexer.rebuild(move |done, _| shown.set_position(done)).await?;
        progress.finish_and_clear();
        let size = dir_size(&dir);
        println!(
            "- index rebuilt: {} items in **{:.1} s** ({:.0} items/s), {:.0} MiB on disk",
            rebuilt.items,
            rebuilt.elapsed.as_secs_f64(),
            rebuilt.items as f64 / rebuilt.elapsed.as_secs_f64().max(1e-9),
            size as f64 / 1_048_576.0
        );
    } else {
        let started = Instant::now();
        let caught = indexer.catch_up().await?;
        println!(
            "- index reused: caught up {} outbox entries in {:.1} s",
            caught.entries,
            started.elapsed().as_secs_f64()
        );
    }
    println!("- {} timed searches per query after {} warm-up calls; pages of 20\n", args.samples, args.warmup);
    let mut series = Vec::new();
    for (label, member, role, clearance) in READERS {
        let reader = subject(&store, &world, member, *role, Classification(*clearance)).await?;
        for (name, query) in queries(now) {
            series.push(measure(&index, &store, &reader, label, name, &query, &args).await?);
        }
    }
    println!("{}", table(&series));
    Ok(())
}

fn bar(len: u64) -> anyhow::Result<ProgressBar> {
    let progress = ProgressBar::new(len);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} items, {per_sec}, eta {eta}",
        )
        .context("progress bar template")?
        .progress_chars("=> "),
    );
    Ok(progress)
}

async fn publish(store: &Store, world: &generator::World, args: &SearchArgs, now: Timestamp) -> anyhow::Result<()> {
    let progress = bar(args.items)?;
    let mut batches = generator::spawn(world.region.clone(), args.seed, now, args.items, 5_000, None);
    let started = Instant::now();
    while let Some(batch) = batches.recv().await {
        store.put_items(&batch, AuditEvent::new("item.import").with(serde_json::json!({ "source": "bench" }))).await?;
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();
    store.refresh_statistics().await?;
    eprintln!("published {} items in {:.1} s", args.items, started.elapsed().as_secs_f64());
    Ok(())
}

async fn measure(
    index: &SearchIndex,
    store: &Store,
    reader: &Subject,
    who: &str,
    name: &str,
    query: &SearchQuery,
    args: &SearchArgs,
) -> anyhow::Result<Series> {
    let mut samples = Vec::with_capacity(args.samples);
    let mut hits = 0;
    let mut total = 0;
    for i in 0..args.samples + args.warmup {
        let started = Instant::now();
        let results = index.search(store, reader, query).await?;
        let took = started.elapsed();
        if i >= args.warmup {
            samples.push(took);
        }
        hits = results.hits.len();
        total = results.total;
    }
    eprintln!("measured {who}: {name} ({total} matching)");
    Ok(Series { who: who.to_owned(), query: format!("{name} — {total} matching"), page_items: hits, samples })
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}
