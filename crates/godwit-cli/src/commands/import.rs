//! `godwit import incidents FILE --template T --user U [--dry-run]`: a member's
//! sheet (CSV or XLSX) imported as draft incident records of the user's member,
//! exactly as the portal and `POST /api/v1/imports/incidents` import it: every
//! row or none, rows imported before left as they are.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use godwit_domain::marking::Tlp;
use godwit_server::collect::{ImportOptions, MAX_IMPORT_BYTES, import_sheet};
use indicatif::{ProgressBar, ProgressStyle};

use crate::commands::acting::subject;
use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import incident records from a CSV or XLSX sheet under a collection template.
    Incidents(ImportIncidentsArgs),
}

#[derive(Args)]
pub struct ImportIncidentsArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The sheet: CSV or XLSX, headers in the first row.
    file: PathBuf,
    /// The collection template's code (people_smuggling, human_trafficking, …).
    #[arg(long)]
    template: String,
    /// The importing user (an analyst or authorising officer of the member).
    #[arg(long)]
    user: String,
    /// Check the sheet and count what would be imported; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Classification level index of every record.
    #[arg(long, default_value_t = 0)]
    classification: u8,
    /// TLP of every record: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
    #[arg(long, default_value = "AMBER")]
    tlp: String,
    /// Members to release every record to, separated by commas.
    #[arg(long, default_value = "")]
    release: String,
}

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Incidents(args) = command;
    let store = args.db.open_existing().await?;
    let subject = subject(&store, &args.user).await?;
    let size = std::fs::metadata(&args.file).with_context(|| format!("reading {}", args.file.display()))?.len();
    if size > MAX_IMPORT_BYTES as u64 {
        bail!("{} is larger than the {} MB accepted", args.file.display(), MAX_IMPORT_BYTES / (1024 * 1024));
    }
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let options = ImportOptions {
        template: args.template.clone(),
        dry_run: args.dry_run,
        classification: args.classification,
        tlp: Tlp::parse(&args.tlp).with_context(|| format!("{} is not a TLP label", args.tlp))?,
        release: args.release.clone(),
    };
    let bar = ProgressBar::new_spinner();
    bar.set_message(format!("reading and checking {}", args.file.display()));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let style =
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {human_pos}/{human_len} rows, {per_sec}, eta {eta}")
            .context("progress bar template")?
            .progress_chars("=> ");
    let shown = bar.clone();
    let progress = move |done: u64, total: u64| {
        if shown.length() != Some(total) {
            shown.set_style(style.clone());
            shown.set_length(total);
        }
        shown.set_position(done);
    };
    let report = import_sheet(&store, &subject, bytes, &options, &progress).await;
    bar.finish_and_clear();
    let report = report.with_context(|| format!("importing {}", args.file.display()))?;
    for e in &report.errors {
        eprintln!("row {}, column {}, value {:?}: {}", e.row, e.column, e.value, e.reason);
    }
    if report.unlisted_errors > 0 {
        eprintln!("… and {} more problems", report.unlisted_errors);
    }
    if !report.ignored_columns.is_empty() {
        eprintln!("columns not imported (no field has these headers): {}", report.ignored_columns.join(", "));
    }
    if !report.errors.is_empty() {
        bail!(
            "{} problem(s) in {}; nothing was imported",
            report.errors.len() as u64 + report.unlisted_errors,
            args.file.display()
        );
    }
    let verb = if report.committed { "created" } else { "would create" };
    println!(
        "{}: {} rows ({} blank), {} records: {verb} {}, {} imported before",
        args.file.display(),
        report.rows,
        report.blank_rows,
        report.records,
        report.created,
        report.already_imported
    );
    Ok(())
}
