//! `godwit stix export --user U --out FILE [--since TIME]` and `godwit stix
//! import --user U FILE`: STIX 2.1 bundles as user U (docs/interoperability.md).
//! The export holds the published items U may read and is audited; the import
//! creates every report as a draft of U's member, or nothing, listing every
//! problem.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use godwit_domain::Timestamp;
use godwit_store::StoreError;

use crate::commands::acting::ActingArgs;

#[derive(Subcommand)]
pub enum StixCommand {
    /// Write the published items the user may read as a STIX 2.1 bundle.
    Export(ExportArgs),
    /// Create every report of a STIX 2.1 bundle as a draft of the user's member.
    Import(ImportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
    /// Only items changed at or after this time (RFC 3339).
    #[arg(long)]
    since: Option<String>,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// The bundle, a JSON file.
    file: PathBuf,
}

pub async fn run(command: StixCommand) -> anyhow::Result<()> {
    match command {
        StixCommand::Export(args) => {
            let since = match args.since.as_deref() {
                Some(t) => Some(Timestamp::parse_rfc3339(t).with_context(|| format!("{t} is not an RFC 3339 time"))?),
                None => None,
            };
            let (store, subject) = args.who.open().await?;
            let bundle = store.export_stix(&subject, since).await?;
            std::fs::write(&args.out, serde_json::to_vec_pretty(&bundle)?)
                .with_context(|| format!("writing {}", args.out.display()))?;
            let objects = bundle["objects"].as_array().map(Vec::as_slice).unwrap_or_default();
            let reports = objects.iter().filter(|o| o["type"] == "report").count();
            println!("{reports} items in {} STIX objects written to {}", objects.len(), args.out.display());
        }
        StixCommand::Import(args) => {
            let text =
                std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
            let bundle: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", args.file.display()))?;
            let (store, subject) = args.who.open().await?;
            match store.import_stix(&subject, &bundle).await {
                Ok(items) => {
                    for item in &items {
                        println!("{}\t{}\t{}", item.id, item.kind, item.content.title);
                    }
                    println!("{} drafts created", items.len());
                }
                Err(StoreError::Invalid(errors)) => {
                    for error in &errors.0 {
                        eprintln!("{}: {}", error.field, error.message);
                    }
                    bail!("nothing imported: {} problem(s) in {}", errors.0.len(), args.file.display());
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(())
}
