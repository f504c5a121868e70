use std::sync::Arc;

use godwit_search::SearchIndex;
use godwit_store::Store;

use crate::api::screening::Screening;
use crate::auth::throttle::Throttle;
use crate::config::ServerConfig;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub throttle: Arc<Throttle>,
    /// Screening lists (read on first use or by [`Screening::load`]) and document-alert indexes.
    pub screening: Arc<Screening>,
    /// The full-text search index, when the node has one (`GET /api/v1/search`).
    pub search: Option<SearchIndex>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let throttle = Arc::new(Throttle::new(config.login_attempts_per_minute));
        let screening = Arc::new(Screening::new(config.screening.clone()));
        AppState { store, config: Arc::new(config), throttle, screening, search: None }
    }

    /// Serves searches from `index` (kept up to date by an `Indexer` elsewhere).
    pub fn with_search(mut self, index: SearchIndex) -> Self {
        self.search = Some(index);
        self
    }
}
