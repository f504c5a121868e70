//! `godwit screen` (a manifest against watchlists and risk rules) and
//! `godwit document check` (an MRZ validated and looked up), thin adapters
//! over the `godwit-screening` library: read files, call it, write JSON.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use godwit_screening::document_check;
use godwit_screening::manifest::{self, Manifest};
use godwit_screening::matching::documents::DocumentIndex;
use godwit_screening::paxlst;
use godwit_screening::rules::RuleSet;
use godwit_screening::screen::{Decision, Screener};
use godwit_screening::watchlist::{self, Loaded};
use time::Date;

/// Screen a manifest (PAXLST or CSV) against watchlists and risk rules.
#[derive(clap::Args, Debug)]
pub struct ScreenArgs {
    /// Persons watchlist CSV: id,name,aliases,date_of_birth,nationality,sex,reason.
    #[arg(long)]
    pub persons: PathBuf,
    /// Documents watchlist CSV: id,document_number,issuing_state,document_type,status,reason.
    #[arg(long)]
    pub documents: PathBuf,
    /// Manifest: UN/EDIFACT PAXLST (.edi) or CSV (.csv).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Risk rules (TOML).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Results, one JSON object per traveller.
    #[arg(long)]
    pub output: PathBuf,
    /// Screening date YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<String>,
}

/// Travel document commands.
#[derive(clap::Args, Debug)]
pub struct DocumentArgs {
    #[command(subcommand)]
    pub command: DocumentCommand,
}

/// Travel document subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DocumentCommand {
    /// Parse and validate a machine readable zone; print fields and checks as JSON.
    Check(DocumentCheckArgs),
}

/// Arguments of `godwit document check`.
#[derive(clap::Args, Debug)]
pub struct DocumentCheckArgs {
    /// The MRZ lines, separated by newlines (or all on one line).
    #[arg(long)]
    pub mrz: String,
    /// Documents watchlist CSV to look the document number up in.
    #[arg(long)]
    pub documents: Option<PathBuf>,
    /// Check date YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<String>,
}

/// Runs `godwit screen`.
pub fn run(args: ScreenArgs) -> Result<()> {
    let today = screening_date(args.date.as_deref())?;
    let persons = load_list(&args.persons, watchlist::persons::load)?;
    let documents = load_list(&args.documents, watchlist::documents::load)?;
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            RuleSet::parse(&text).with_context(|| format!("refusing {}", path.display()))?
        }
        None => RuleSet::default(),
    };
    let manifest = read_manifest(&args.manifest, today)?;
    for problem in &manifest.problems {
        eprintln!("warning: {}: {} ({})", args.manifest.display(), problem.message, problem.location);
    }
    let screener = Screener::new(persons, documents, rules);
    let results = screener.screen_manifest(&manifest, today);

    let file = File::create(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
    let mut out = BufWriter::new(file);
    let (mut hit, mut review, mut clear) = (0, 0, 0);
    for result in &results {
        match result.decision {
            Decision::Hit => hit += 1,
            Decision::Review => review += 1,
            Decision::Clear => clear += 1,
        }
        serde_json::to_writer(&mut out, result)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!(
        "{} travellers: {hit} hit, {review} review ({} unscreenable), {clear} clear -> {}",
        results.len(),
        manifest.unscreenable.len(),
        args.output.display()
    );
    Ok(())
}

/// Runs `godwit document check`.
pub fn run_document(args: DocumentArgs) -> Result<()> {
    let DocumentCommand::Check(args) = args.command;
    let today = screening_date(args.date.as_deref())?;
    let documents = match &args.documents {
        Some(path) => Some(DocumentIndex::build(load_list(path, watchlist::documents::load)?)),
        None => None,
    };
    let check = document_check::check(&args.mrz, documents.as_ref(), today)?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &check)?;
    writeln!(stdout)?;
    Ok(())
}

fn screening_date(text: Option<&str>) -> Result<Date> {
    match text {
        Some(t) => godwit_screening::dates::parse_iso(t).with_context(|| format!("--date {t:?} is not YYYY-MM-DD")),
        None => Ok(time::OffsetDateTime::now_utc().date()),
    }
}

/// Loads a watchlist, refusing it if any row is defective.
fn load_list<T, E>(path: &Path, load: fn(BufReader<File>) -> Result<Loaded<T>, E>) -> Result<Vec<T>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let loaded = load(BufReader::new(file)).with_context(|| format!("reading {}", path.display()))?;
    if !loaded.errors.is_empty() {
        let lines: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        bail!("refusing {}:\n{}", path.display(), lines.join("\n"));
    }
    Ok(loaded.entries)
}

/// Reads a PAXLST or CSV manifest, by extension or else by content.
fn read_manifest(path: &Path, today: Date) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let looks_edifact = matches!(text.trim_start().get(..3), Some("UNA" | "UNB"));
    if extension.as_deref() == Some("csv") || (extension.as_deref() != Some("edi") && !looks_edifact) {
        manifest::csv::parse(text.as_bytes()).with_context(|| format!("reading {}", path.display()))
    } else {
        Ok(paxlst::parse(&text, today).manifest)
    }
}
