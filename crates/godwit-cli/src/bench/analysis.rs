//! `godwit bench analysis`: incident analysis over many published incident
//! records (issue 4, point 8: trend and route queries over 5,000,000 incidents
//! with p95 ≤ 300 ms on SQLite and PostgreSQL). Records come from the demo's
//! incident factory (the region's states reporting, routes, nationalities,
//! methods and documents over 18 months; markings and release lists as a few
//! sharing profiles per member, see [`sharing_profile`]) and are
//! stored with `put_items`, the store's own write path, which keeps the
//! analysis rollups; then trend, top and route queries are timed for readers
//! of several members.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use godwit_domain::incident::Dimension;
use godwit_domain::item::{Item, ItemKind, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use godwit_domain::{Clock, SystemClock, Timestamp};
use godwit_store::Store;
use godwit_store::analysis::AnalysisFilter;
use godwit_store::audit::AuditEvent;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::generator::{self, World};
use super::report::{Series, table};
use super::store::{READERS, prepare, subject};
use crate::store_cmd::{DatabaseArgs, redact};

#[derive(Args)]
pub struct AnalysisArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Published incident records to generate (added to what the database holds); 0 measures only.
    #[arg(long, default_value_t = 5_000_000)]
    pub incidents: u64,
    /// Records per `put_items` call (one transaction each).
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Timed calls per measured query; 0 generates only.
    #[arg(long, default_value_t = 50)]
    pub samples: usize,
    /// Untimed calls before the timed ones, to warm the caches.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 29)]
    pub seed: u64,
}

/// The queries measured for each reader, as the /analysis page asks them.
#[derive(Clone, Copy)]
enum Query {
    Trend(Dimension),
    Top(Dimension),
    Routes,
    Totals,
}

const QUERIES: &[Query] = &[
    Query::Totals,
    Query::Trend(Dimension::Category),
    Query::Trend(Dimension::Nationality),
    Query::Trend(Dimension::Transit),
    Query::Trend(Dimension::Method),
    Query::Top(Dimension::Origin),
    Query::Top(Dimension::Nationality),
    Query::Top(Dimension::DocumentType),
    Query::Routes,
];

impl Query {
    fn label(self) -> String {
        match self {
            Query::Trend(by) => format!("trend by {by}"),
            Query::Top(by) => format!("top 10 by {by}"),
            Query::Routes => "routes (top 50 steps)".into(),
            Query::Totals => "totals".into(),
        }
    }

    /// Runs the query; returns the rows it answered.
    async fn run(self, store: &Store, subject: &Subject, filter: &AnalysisFilter) -> anyhow::Result<usize> {
        Ok(match self {
            Query::Trend(by) => store.incident_trend(subject, filter, by).await?.len(),
            Query::Top(by) => store.incident_top(subject, filter, by, 10).await?.len(),
            Query::Routes => store.incident_hops(subject, filter, 50).await?.len(),
            Query::Totals => usize::try_from(store.incident_totals(subject, filter).await?.incidents)?,
        })
    }
}

pub async fn run(args: AnalysisArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let store = args.db.open().await?;
    let now = SystemClock.now();
    let world = generator::world(args.seed, now);
    prepare(&store, &world).await?;

    println!("## Incident analysis benchmark\n");
    println!("- database: {} ({:?})", redact(&args.db.url()), store.backend());
    if args.incidents > 0 {
        let (written, elapsed) = generate(&store, &world, &args, now).await?;
        println!(
            "- generated and stored {written} published incident records in {:.1} s ({:.0} records/s, put_items in batches of {})",
            elapsed.as_secs_f64(),
            written as f64 / elapsed.as_secs_f64().max(1e-9),
            args.batch
        );
    }
    if args.samples > 0 {
        let series = measure(&store, &world, &args).await?;
        println!(
            "- {} timed calls per query after {} warm-up calls; \"items on page\" is the rows answered (for totals, the records the reader may count)\n",
            args.samples, args.warmup
        );
        println!("{}", table(&series));
    }
    Ok(())
}

/// Stores the generated records with `put_items`, which keeps the rollups.
async fn generate(
    store: &Store,
    world: &World,
    args: &AnalysisArgs,
    now: Timestamp,
) -> anyhow::Result<(u64, Duration)> {
    let progress = ProgressBar::new(args.incidents);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} incidents, {per_sec}, eta {eta}",
        )
        .context("progress bar template")?
        .progress_chars("=> "),
    );
    let mut batches = generator::spawn(
        world.region.clone(),
        args.seed,
        now,
        args.incidents,
        args.batch,
        Some(ItemKind::IncidentRecord),
    );
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut profiles: BTreeMap<MemberCode, Vec<Profile>> = BTreeMap::new();
    let started = Instant::now();
    let mut written = 0u64;
    while let Some(mut batch) = batches.recv().await {
        for item in &mut batch {
            sharing_profile(&mut profiles, &mut rng, item);
        }
        store.put_items(&batch, AuditEvent::new("item.import").with(serde_json::json!({ "source": "bench" }))).await?;
        written += batch.len() as u64;
        progress.inc(batch.len() as u64);
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    store.refresh_statistics().await?;
    Ok((written, elapsed))
}

/// The markings and release of one of a member's incident collections.
type Profile = (Classification, Tlp, Caveats, Releasability);

/// How many sharing profiles each member's incident records use.
const PROFILES_PER_MEMBER: usize = 6;

/// Gives `item` one of its member's few sharing profiles. A member records
/// incidents in a few collections (an import's markings are the same on every
/// row), not with markings drawn anew for each record as the demo factory
/// draws them: the first records of each member set its profiles (the
/// factory's own choices), later ones take one of them.
fn sharing_profile(profiles: &mut BTreeMap<MemberCode, Vec<Profile>>, rng: &mut StdRng, item: &mut Item) {
    let own = profiles.entry(item.originator_member.clone()).or_default();
    let c = &mut item.content;
    if own.len() < PROFILES_PER_MEMBER {
        own.push((c.classification, c.tlp, c.caveats, c.release.clone()));
        return;
    }
    let (classification, tlp, caveats, release) = own[rng.random_range(0..own.len())].clone();
    (c.classification, c.tlp, c.caveats, c.release) = (classification, tlp, caveats, release);
}

/// Times every query of [`QUERIES`] over all records for each reader.
async fn measure(store: &Store, world: &World, args: &AnalysisArgs) -> anyhow::Result<Vec<Series>> {
    let filter = AnalysisFilter::default();
    let mut series = Vec::new();
    for (label, member, role, clearance) in READERS {
        let subject = subject(store, world, member, *role, Classification(*clearance)).await?;
        for query in QUERIES {
            let mut samples = Vec::with_capacity(args.samples);
            let mut rows = 0;
            for i in 0..args.samples + args.warmup {
                let started = Instant::now();
                rows = query.run(store, &subject, &filter).await?;
                if i >= args.warmup {
                    samples.push(started.elapsed());
                }
            }
            eprintln!("measured {label}: {}", query.label());
            series.push(Series { who: (*label).to_owned(), query: query.label(), page_items: rows, samples });
        }
    }
    Ok(series)
}
