//! Commands that act as a user of this node: the access policy decides what
//! they may read or write, as it does for the API.

use anyhow::{Context, bail};
use clap::Args;
use godwit_domain::user::Subject;
use godwit_store::Store;

use crate::store_cmd::DatabaseArgs;

/// The database and the user a command acts as.
#[derive(Args)]
pub struct ActingArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Whose view: a username of this node.
    #[arg(long)]
    pub user: String,
}

impl ActingArgs {
    /// Opens the database and finds the user.
    pub async fn open(&self) -> anyhow::Result<(Store, Subject)> {
        let store = self.db.open_existing().await?;
        let subject = subject(&store, &self.user).await?;
        Ok((store, subject))
    }
}

/// The subject of an enabled user, by username.
pub async fn subject(store: &Store, username: &str) -> anyhow::Result<Subject> {
    let record = store.user_by_username(username).await?.with_context(|| format!("no user {username}"))?;
    if record.user.disabled {
        bail!("the account {username} is disabled");
    }
    Ok(store.subject_for(&record.user).await?)
}
