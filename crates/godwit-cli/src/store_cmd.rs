//! Commands that work on the database directly: audit verification and export.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_store::Store;
use godwit_store::audit::AuditQuery;
use godwit_store::secret_key::SecretKey;

/// Where the node's data lives.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// `sqlite:PATH` or `postgres://…`; defaults to `sqlite:` in the data directory.
    #[arg(long, env = "GODWIT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for the embedded database and the search index.
    #[arg(long, env = "GODWIT_DATA_DIR", default_value = "godwit-data")]
    pub data_dir: std::path::PathBuf,
    /// The node's secret key, which seals TOTP secrets in the database;
    /// defaults to `secret.key` in the data directory, created (readable by
    /// its owner only) when missing. Every process on one database needs the same file.
    #[arg(long, env = "GODWIT_SECRET_KEY_FILE")]
    pub secret_key_file: Option<std::path::PathBuf>,
}

impl DatabaseArgs {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite:{}", self.data_dir.join("godwit.db").display()),
        }
    }

    pub fn secret_key_path(&self) -> std::path::PathBuf {
        self.secret_key_file.clone().unwrap_or_else(|| self.data_dir.join("secret.key"))
    }

    /// Opens the store with the node's secret key, creating the data directory
    /// for SQLite and the key file when missing.
    pub async fn open(&self) -> anyhow::Result<Store> {
        if self.database_url.is_none() || self.secret_key_file.is_none() {
            std::fs::create_dir_all(&self.data_dir)
                .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        }
        let key = SecretKey::load_or_create(&self.secret_key_path())?;
        let store = Store::open(&self.url())
            .await
            .with_context(|| format!("opening the database at {}", redact(&self.url())))?;
        Ok(store.with_secret_key(key).await?)
    }
}

impl DatabaseArgs {
    /// Opens the store of a node that must already exist, so that a mistyped
    /// path is an error rather than a new, empty (and "intact") database.
    pub async fn open_existing(&self) -> anyhow::Result<Store> {
        if self.database_url.is_none() {
            let file = self.data_dir.join("godwit.db");
            anyhow::ensure!(
                file.exists(),
                "no Godwit database at {}; check --data-dir or --database-url",
                file.display()
            );
        }
        self.open().await
    }
}

/// Hides a password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and name the first broken record.
    Verify(DatabaseArgs),
    /// Write the audit trail as JSON Lines.
    Export {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Output file; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        output: String,
    },
}

pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(db) => {
            let store = db.open_existing().await?;
            let report = store.verify_audit().await?;
            match &report.first_broken {
                None => {
                    println!("audit chain intact: {} records, head at {}", report.records, report.head_seq);
                    Ok(())
                }
                Some(broken) => anyhow::bail!("audit chain broken at record {}: {}", broken.seq, broken.reason),
            }
        }
        AuditCommand::Export { db, output } => {
            let store = db.open_existing().await?;
            let mut out: Box<dyn Write> = if output == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&output).with_context(|| format!("creating {output}"))?,
                ))
            };
            let mut after = None;
            let mut count = 0u64;
            loop {
                let page =
                    store.audit_records(&AuditQuery { after_seq: after, limit: 5_000, ..Default::default() }).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.seq);
                for record in &page {
                    serde_json::to_writer(&mut out, record)?;
                    out.write_all(b"\n")?;
                    count += 1;
                }
            }
            out.flush()?;
            // An export is a release of the trail itself: it is recorded too.
            let event = godwit_store::audit::AuditEvent::new("audit.export")
                .with(serde_json::json!({ "records": count, "via": "cli", "output": output }));
            store.record(&[event]).await?;
            if output != "-" {
                eprintln!("exported {count} audit records to {output}");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(super::redact("postgres://godwit:s3cret@db:5432/godwit"), "postgres://godwit:***@db:5432/godwit");
        assert_eq!(super::redact("sqlite:data/godwit.db"), "sqlite:data/godwit.db");
    }
}
