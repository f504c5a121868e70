//! `godwit index rebuild|status`: the full-text search index, which is derived
//! from the database and lives in a directory next to it.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_search::SearchIndex;
use indicatif::{ProgressBar, ProgressStyle};

use crate::store_cmd::DatabaseArgs;

/// The index directory's name inside the data directory.
pub const INDEX_DIR_NAME: &str = "search-index";

/// Where the database and the search index live.
#[derive(Args, Clone, Debug)]
pub struct IndexArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The search index directory; defaults to `search-index` in the data directory.
    #[arg(long, env = "GODWIT_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,
}

impl IndexArgs {
    pub fn dir(&self) -> PathBuf {
        index_dir(&self.db, self.index_dir.clone())
    }
}

/// The index directory: the one given, or `search-index` in the data directory.
pub fn index_dir(db: &DatabaseArgs, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| db.data_dir.join(INDEX_DIR_NAME))
}

#[derive(Subcommand)]
pub enum IndexCommand {
    /// Recreate the search index from the database. A running server holds the
    /// index: stop it first (it catches up from the outbox on its own).
    Rebuild(IndexArgs),
    /// Show the index's documents and outbox position, and how far it is behind.
    Status(IndexArgs),
}

pub async fn run(command: IndexCommand) -> anyhow::Result<()> {
    match command {
        IndexCommand::Rebuild(args) => rebuild(&args).await,
        IndexCommand::Status(args) => status(&args).await,
    }
}

fn open(dir: &std::path::Path) -> anyhow::Result<SearchIndex> {
    SearchIndex::open(dir).with_context(|| format!("opening the search index at {}", dir.display()))
}

async fn rebuild(args: &IndexArgs) -> anyhow::Result<()> {
    let store = args.db.open_existing().await?;
    let dir = args.dir();
    let index = open(&dir)?;
    let indexer = index.indexer(store.clone())?;
    let progress = ProgressBar::new(store.count_items().await?);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} items, {per_sec}, eta {eta}",
        )
        .context("progress bar template")?
        .progress_chars("=> "),
    );
    let bar = progress.clone();
    let rebuilt = indexer
        .rebuild(move |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await
        .with_context(|| format!("rebuilding the search index at {}", dir.display()))?;
    progress.finish_and_clear();
    println!(
        "rebuilt the search index at {}: {} items in {:.1} s, at outbox entry {}",
        dir.display(),
        rebuilt.items,
        rebuilt.elapsed.as_secs_f64(),
        rebuilt.cursor
    );
    Ok(())
}

async fn status(args: &IndexArgs) -> anyhow::Result<()> {
    let store = args.db.open_existing().await?;
    let dir = args.dir();
    anyhow::ensure!(
        dir.join("meta.json").exists(),
        "no search index at {}; create it with `godwit index rebuild`",
        dir.display()
    );
    let status = open(&dir)?.status()?;
    let head = store.outbox_head().await?;
    println!("search index:   {}", status.directory);
    println!("documents:      {}", status.documents);
    println!("segments:       {}", status.segments);
    println!("outbox applied: {} of {} ({} behind)", status.outbox_cursor, head, (head - status.outbox_cursor).max(0));
    Ok(())
}
