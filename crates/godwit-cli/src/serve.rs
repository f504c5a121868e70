//! `godwit serve`: runs the HTTP server on the node's database, over TLS when a
//! certificate is configured.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use godwit_domain::taxonomy::{Taxonomies, Taxonomy};
use godwit_server::{AppState, ServerConfig};
use godwit_store::Store;
use serde::Deserialize;

use crate::store_cmd::{DatabaseArgs, redact};

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "GODWIT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// PEM certificate chain; with --tls-key, serves HTTPS.
    #[arg(long, env = "GODWIT_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "GODWIT_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A TOML file with a `[server]` table (see docs/operations.md).
    #[arg(long, env = "GODWIT_CONFIG")]
    pub config: Option<PathBuf>,
    /// The search index directory; defaults to `search-index` in the data directory.
    #[arg(long, env = "GODWIT_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The node's secret key file, unless `--secret-key-file` or
    /// `GODWIT_SECRET_KEY_FILE` names one.
    pub secret_key_file: Option<PathBuf>,
    #[serde(default)]
    server: ServerConfig,
    /// Tag taxonomies added to (or replacing) the defaults.
    #[serde(default)]
    taxonomies: Vec<Taxonomy>,
}

impl ConfigFile {
    /// The file at `path`; the defaults without one.
    pub fn read(path: Option<&std::path::Path>) -> anyhow::Result<ConfigFile> {
        let Some(path) = path else { return Ok(ConfigFile::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))
    }
}

/// How to serve a store.
#[derive(Default)]
pub struct ServeOptions {
    pub listen: String,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub config: ServerConfig,
    /// The search index directory; without one the node answers searches with 503.
    pub search_dir: Option<PathBuf>,
}

pub async fn run(mut args: ServeArgs) -> anyhow::Result<()> {
    let file = ConfigFile::read(args.config.as_deref())?;
    args.db.secret_key_file = args.db.secret_key_file.or(file.secret_key_file);
    let config = file.server;
    let store = args.db.open().await?.with_taxonomies(Taxonomies::default().extended(file.taxonomies));
    tracing::info!(database = %redact(&args.db.url()), "database ready");
    let tls = args.tls_cert.zip(args.tls_key);
    let search_dir = Some(crate::commands::index::index_dir(&args.db, args.index_dir));
    serve_store(store, ServeOptions { listen: args.listen, tls, config, search_dir }).await
}

/// Serves `store` until interrupted.
pub async fn serve_store(store: Store, options: ServeOptions) -> anyhow::Result<()> {
    let addr: SocketAddr =
        options.listen.parse().with_context(|| format!("--listen {} is not an address:port", options.listen))?;
    let mut config = options.config;
    config.tls = config.tls || options.tls.is_some();
    let mut state = AppState::new(store.clone(), config);
    if let Some(dir) = &options.search_dir {
        let index = start_search(&store, dir)?;
        // Every process runs the notifier; the store keeps them from notifying twice.
        let notifier = godwit_server::notify::Notifier::new(store.clone(), index.clone(), state.config.clone());
        let interval = std::time::Duration::from_secs(state.config.notify_interval_seconds.max(1));
        tokio::spawn(notifier.run_forever(interval));
        state = state.with_search(index);
    }
    if state.config.federation_pull_seconds > 0 {
        let interval = std::time::Duration::from_secs(state.config.federation_pull_seconds);
        tokio::spawn(godwit_server::federation::pull_forever(store.clone(), interval));
    }
    // Read the screening lists now, so that a bad file stops the node here.
    state.screening.load().await.map_err(|e| anyhow::anyhow!("screening lists: {e}"))?;
    let app = godwit_server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    match options.tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .with_context(|| format!("loading TLS certificate {} and key {}", cert.display(), key.display()))?;
            eprintln!("Godwit is serving on https://{addr}");
            axum_server::bind_rustls(addr, tls).serve(app).await.context("serving HTTPS")
        }
        None => {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
            eprintln!("Godwit is serving on http://{addr}");
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .context("serving HTTP")
        }
    }
}

/// Opens the search index and keeps it following the outbox in the background.
/// When another process holds the index's writer, this one only reads it.
fn start_search(store: &Store, dir: &std::path::Path) -> anyhow::Result<godwit_search::SearchIndex> {
    let index = godwit_search::SearchIndex::open(dir)
        .with_context(|| format!("opening the search index at {}", dir.display()))?;
    match index.indexer(store.clone()) {
        Ok(indexer) => {
            tokio::spawn(indexer.run(std::time::Duration::from_secs(1)));
            tracing::info!(dir = %dir.display(), "search index ready; following the outbox");
        }
        Err(e) => tracing::warn!(error = %e, "search index opened read-only"),
    }
    Ok(index)
}
