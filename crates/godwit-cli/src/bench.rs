//! `godwit bench`: measurements of the paths that must stay fast, on generated
//! data, on whichever database the node runs on.

mod analysis;
mod federation;
mod generator;
mod import;
mod report;
mod screening;
mod search;
mod store;

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Bulk publication throughput and policy-filtered listing over many items.
    Core(store::CoreArgs),
    /// Traveller screening: throughput, index build, memory, recall and precision, HTTP p99; optionally beside Splink.
    Screening(screening::ScreeningArgs),
    /// Search index build time and search latency (policy and facets included).
    Search(search::SearchArgs),
    /// Incident sheet import: dry run, import and re-import of a generated sheet.
    Import(import::ImportArgs),
    /// Incident analysis: trend, top and route queries over many published incident records.
    Analysis(analysis::AnalysisArgs),
    /// Federation: a peer node pulls every item released to it over HTTP, then exports them as STIX.
    Federation(federation::FederationArgs),
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.command {
        BenchCommand::Core(args) => store::run(args).await,
        BenchCommand::Screening(args) => screening::run(args).await,
        BenchCommand::Search(args) => search::run(args).await,
        BenchCommand::Import(args) => import::run(args).await,
        BenchCommand::Analysis(args) => analysis::run(args).await,
        BenchCommand::Federation(args) => federation::run(args).await,
    }
}
