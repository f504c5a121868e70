use godwit_domain::ValidationErrors;

/// What can go wrong in the store. Callers match on the variants: `NotFound` and
/// `Conflict` are answers for the user, `Database` is a fault of the node.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The actor may not do this (the workflow or an administrative rule says no).
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A sealed secret that this node's secret key does not open, or no key to seal with.
    #[error("secret key: {0}")]
    SecretKey(String),
    #[error("database error: {0}{hint}", hint = storage_hint(.0))]
    Database(#[from] sqlx::Error),
}

/// What an administrator should look at first when the database could not
/// write: SQLite reports a full disk as SQLITE_FULL only for some writes,
/// and as an I/O error (growing its shared-memory file, say) for others.
fn storage_hint(error: &sqlx::Error) -> &'static str {
    let sqlx::Error::Database(db) = error else { return "" };
    match db.code().as_deref() {
        Some("13" | "53100") => " (the disk is full)",
        Some(code)
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                && code.parse::<i32>().is_ok_and(|c| c & 0xff == 10) =>
        {
            " (an I/O error: is the disk full?)"
        }
        _ => "",
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict that names what clashed.
    pub(crate) fn unique_as_conflict(self, what: &str) -> StoreError {
        match &self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                StoreError::Conflict(format!("{what} already exists"))
            }
            _ => self,
        }
    }

    /// Whether the database could not write because its disk is full
    /// (SQLite's SQLITE_FULL, PostgreSQL's disk_full): nothing was written,
    /// and the node's administrator, not the user, has to act.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => matches!(db.code().as_deref(), Some("13" | "53100")),
            StoreError::Database(sqlx::Error::Io(io)) => io.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

/// Stored data that does not read as it should: `value`, read as the `what`
/// of a `record` ("assessment", "draft").
pub(crate) fn corrupt(record: &str, what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{record} {what}: {value}"))
}

impl From<godwit_domain::workflow::WorkflowError> for StoreError {
    fn from(e: godwit_domain::workflow::WorkflowError) -> Self {
        match e {
            godwit_domain::workflow::WorkflowError::WrongState { .. } => StoreError::Conflict(e.to_string()),
            godwit_domain::workflow::WorkflowError::Forbidden(why) => StoreError::Forbidden(why.to_owned()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
