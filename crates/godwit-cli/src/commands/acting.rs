//! Commands that act as a user of this node: the access policy decides what
//! they may read or write, as it does for the API.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use godwit_domain::member::{Audience, MemberCode};
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

/// `FJI, PIDC` as an audience of this node's members and groups.
pub async fn audience(store: &Store, text: &str) -> anyhow::Result<Audience> {
    let groups: Vec<String> = store.groups().await?.into_iter().map(|g| g.code).collect();
    let members: Vec<String> = store.members().await?.into_iter().map(|m| m.code.0).collect();
    let mut audience = Audience::default();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if let Some(g) = groups.iter().find(|g| g.eq_ignore_ascii_case(name)) {
            audience.groups.insert(g.clone());
        } else if let Some(m) = members.iter().find(|m| m.eq_ignore_ascii_case(name)) {
            audience.members.insert(MemberCode(m.clone()));
        } else {
            bail!("{name} is neither a member nor a group of this node");
        }
    }
    Ok(audience)
}

/// A text given inline or as a file (`--question` or `--question-file`); none when neither.
pub fn text_or_file(text: Option<String>, file: Option<&PathBuf>) -> anyhow::Result<Option<String>> {
    match file {
        Some(path) => Ok(Some(std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?)),
        None => Ok(text),
    }
}
