//! `godwit`: the one binary. Serves the node, seeds the demo region, administers
//! members and users, verifies and exports the audit trail, backs up and
//! restores, benchmarks.

mod admin;
mod bench;
mod commands;
mod demo;
mod serve;
mod store_cmd;

use clap::{Parser, Subcommand};

/// Godwit: immigration information and intelligence sharing between member agencies.
#[derive(Parser)]
#[command(name = "godwit", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the node: the JSON API, its documentation and (soon) the portal.
    Serve(serve::ServeArgs),
    /// Create the demo region (members, users of every role, agreements, items) and serve it.
    Demo(demo::DemoArgs),
    /// Manage members and their organisations.
    #[command(subcommand)]
    Member(admin::MemberCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Record and list agreements between members.
    #[command(subcommand)]
    Agreement(admin::AgreementCommand),
    /// Verify or export the audit trail.
    #[command(subcommand)]
    Audit(store_cmd::AuditCommand),
    /// Write a consistent copy of the database while the node runs.
    Backup(admin::BackupArgs),
    /// Restore a backup into an empty data directory, verifying it first.
    Restore(admin::RestoreArgs),
    /// Screen a manifest (PAXLST or CSV) against watchlists and risk rules.
    Screen(commands::screening::ScreenArgs),
    /// Check travel documents (machine readable zones).
    Document(commands::screening::DocumentArgs),
    /// Second-factor helpers.
    #[command(subcommand)]
    Totp(admin::TotpCommand),
    /// Rotate the node's secret key, which seals TOTP secrets.
    #[command(subcommand)]
    SecretKey(admin::SecretKeyCommand),
    /// Measure the core paths with generated data.
    Bench(bench::BenchArgs),
    /// Rebuild or inspect the full-text search index.
    #[command(subcommand)]
    Index(commands::index::IndexCommand),
    /// Import incident records from a member's sheet (CSV or XLSX).
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Requests for information as a user: list, show, statistics; ask, assign, answer, decline, rate, close.
    #[command(subcommand)]
    Rfi(commands::rfi::RfiCommand),
    /// Threat and risk registers as a user: list, export, history; assess a threat; the taxonomy.
    #[command(subcommand)]
    Threats(commands::threats::ThreatsCommand),
    /// Annual threat assessments as a user: list, create, update, history, export.
    #[command(subcommand)]
    Assessment(commands::assessment::AssessmentCommand),
    /// Compile a bulletin for an audience and distribute it as PDF, HTML or JSON, as a user; list, history, foreword.
    Bulletin(commands::bulletin::BulletinArgs),
    /// Export the items a user may read as a STIX 2.1 bundle, or import one as their drafts.
    #[command(subcommand)]
    Stix(commands::stix::StixCommand),
    /// List capacity surveys and read or download their findings as a user may see them.
    #[command(subcommand)]
    Survey(commands::survey::SurveyCommand),
    /// Pull a collection of another TAXII 2.1 server as a user's drafts.
    #[command(subcommand)]
    Taxii(commands::taxii::TaxiiCommand),
    /// This node's federation identity.
    #[command(subcommand)]
    Node(commands::federation::NodeCommand),
    /// Peer nodes: register them, and pull what they released to this node's member.
    #[command(subcommand)]
    Peer(commands::federation::PeerCommand),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GODWIT_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Member(command) => admin::member(command).await,
            Command::User(command) => admin::user(command).await,
            Command::Agreement(command) => admin::agreement(command).await,
            Command::Audit(command) => store_cmd::audit(command).await,
            Command::Backup(args) => admin::backup(args).await,
            Command::Restore(args) => admin::restore(args).await,
            Command::Screen(args) => commands::screening::run(args),
            Command::Document(args) => commands::screening::run_document(args),
            Command::Totp(command) => admin::totp(command),
            Command::SecretKey(command) => admin::secret_key(command).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Rfi(command) => commands::rfi::run(command).await,
            Command::Index(command) => commands::index::run(command).await,
            Command::Import(command) => commands::import::run(command).await,
            Command::Threats(command) => commands::threats::run(command).await,
            Command::Assessment(command) => commands::assessment::run(command).await,
            Command::Bulletin(args) => commands::bulletin::run(args).await,
            Command::Stix(command) => commands::stix::run(command).await,
            Command::Survey(command) => commands::survey::run(command).await,
            Command::Taxii(command) => commands::taxii::run(command).await,
            Command::Node(command) => commands::federation::node(command).await,
            Command::Peer(command) => commands::federation::peer(command).await,
        }
    })
}
