//! The demo's screening lists and a flight manifest to screen against them,
//! written beside the database so that an officer can try the screening page
//! (or `godwit screen`) straight away. Generated from the seed, so the same
//! seed gives the same lists and the same planted hits.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use godwit_screening::synthetic::{self, export};
use godwit_server::config::ScreeningConfig;

/// Watchlist persons (and as many listed documents) in the demo lists.
pub const WATCHLIST_PERSONS: usize = 5_000;
/// Travellers on the demo flight, about 3% of them planted hits.
const MANIFEST_TRAVELLERS: usize = 240;
const PLANTED_SHARE: f64 = 0.03;

/// What was written: the node's screening configuration and the manifest.
pub struct DemoScreening {
    pub config: ScreeningConfig,
    pub manifest: PathBuf,
}

/// Writes the lists and the manifest into `dir` unless they are already there
/// (so that lists an operator replaced are kept).
pub fn prepare(dir: &Path, seed: u64) -> anyhow::Result<DemoScreening> {
    let persons = dir.join("watchlist-persons.csv");
    let documents = dir.join("watchlist-documents.csv");
    let manifest = dir.join("manifest-FJ391.csv");
    if ![&persons, &documents, &manifest].iter().all(|p| p.exists()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let data = synthetic::generate(WATCHLIST_PERSONS, MANIFEST_TRAVELLERS, PLANTED_SHARE, seed);
        let create = |path: &Path| {
            File::create(path).map(BufWriter::new).with_context(|| format!("creating {}", path.display()))
        };
        export::persons_csv(&data, create(&persons)?)?;
        export::documents_csv(&data, create(&documents)?)?;
        export::manifest_csv(&data, create(&manifest)?)?;
    }
    Ok(DemoScreening {
        config: ScreeningConfig { persons: vec![persons], documents: vec![documents], rules: None },
        manifest,
    })
}
