//! `godwit taxii pull API_ROOT COLLECTION --user U`: reads a collection of
//! another TAXII 2.1 server (any: a partner's Godwit node, MISP, OpenCTI,
//! medallion) and creates its reports as drafts of U's member, all or nothing,
//! as `godwit stix import` does (docs/interoperability.md, *TAXII client*).
//!
//! Pulls resume: each pull is audited as `taxii.pull` with the last
//! `X-TAXII-Date-Added-Last` the server gave, and the next pull of the same
//! collection asks only for what was added after it. A pull that is refused
//! imports nothing and records no progress, so it can be run again.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use base64::Engine;
use clap::{Args, Subcommand};
use godwit_store::StoreError;
use godwit_store::audit::{AuditEvent, AuditQuery};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::commands::acting::ActingArgs;

const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// Objects asked for per request.
const PAGE: usize = 500;
/// The object types Godwit imports; the server filters out the rest. Not
/// extension definitions: Godwit knows its own, ignores others, and
/// medallion 3.0 fails (HTTP 500) on their `version` property.
const TYPES: &str = "report,note,indicator,identity,location,marking-definition";

#[derive(Subcommand)]
pub enum TaxiiCommand {
    /// Import a collection of a TAXII 2.1 server as drafts of the user's member.
    Pull(PullArgs),
}

#[derive(Args)]
pub struct PullArgs {
    /// The API root, e.g. https://node.example.org/taxii2/godwit/
    api_root: String,
    /// The collection's id.
    collection: String,
    /// The user of this node whose member the drafts belong to.
    #[command(flatten)]
    who: ActingArgs,
    /// Only objects added after this time (RFC 3339); by default, after the
    /// last pull of this collection.
    #[arg(long)]
    added_after: Option<String>,
    /// A file holding the bearer token the server gave us.
    #[arg(long, conflicts_with_all = ["login", "password_file"])]
    token_file: Option<PathBuf>,
    /// The user name for HTTP Basic, with --password-file.
    #[arg(long, requires = "password_file")]
    login: Option<String>,
    /// A file holding the password for HTTP Basic.
    #[arg(long, requires = "login")]
    password_file: Option<PathBuf>,
}

pub async fn run(command: TaxiiCommand) -> anyhow::Result<()> {
    match command {
        TaxiiCommand::Pull(args) => pull(args).await,
    }
}

fn secret(path: &PathBuf) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.trim().to_owned())
}

async fn pull(args: PullArgs) -> anyhow::Result<()> {
    let root = if args.api_root.ends_with('/') { args.api_root.clone() } else { format!("{}/", args.api_root) };
    let collection = args.collection.trim_matches('/').to_owned();
    let authorization = match (&args.token_file, &args.login, &args.password_file) {
        (Some(file), _, _) => Some(format!("Bearer {}", secret(file)?)),
        (None, Some(login), Some(file)) => {
            let pair = format!("{login}:{}", secret(file)?);
            Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        }
        _ => None,
    };
    let (store, subject) = args.who.open().await?;
    let added_after = match args.added_after {
        Some(t) => Some(precise_time(&t).with_context(|| format!("{t} is not an RFC 3339 time"))?.1),
        None => last_pull(&store, &root, &collection).await?,
    };

    let url = format!("{root}collections/{collection}/objects/");
    let after = added_after.clone();
    let fetched = tokio::task::spawn_blocking(move || fetch(&url, authorization.as_deref(), after.as_deref()))
        .await
        .context("HTTP client thread")??;
    let reports = fetched.objects.iter().filter(|o| o["type"] == "report").count();
    let detail = |drafts: &[String]| {
        json!({
            "api_root": root,
            "collection": collection,
            "added_after": added_after,
            "added_last": fetched.added_last.as_ref().map(|(_, text)| text).or(added_after.as_ref()),
            "objects": fetched.objects.len(),
            "drafts": drafts,
        })
    };
    if reports == 0 {
        println!("nothing new in {root}collections/{collection}/ ({} objects)", fetched.objects.len());
        store.record(&[AuditEvent::new("taxii.pull").by(subject.user, &subject.member).with(detail(&[]))]).await?;
        return Ok(());
    }
    let bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid::Uuid::new_v4()),
        "objects": fetched.objects,
    });
    match store.import_stix(&subject, &bundle).await {
        Ok(items) => {
            for item in &items {
                println!("{}\t{}\t{}", item.id, item.kind, item.content.title);
            }
            let drafts: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
            store
                .record(&[AuditEvent::new("taxii.pull").by(subject.user, &subject.member).with(detail(&drafts))])
                .await?;
            println!("{} drafts created from {} objects", items.len(), fetched.objects.len());
            Ok(())
        }
        Err(StoreError::Invalid(errors)) => {
            for error in &errors.0 {
                eprintln!("{}: {}", error.field, error.message);
            }
            bail!("nothing imported: {} problem(s) in the collection's objects", errors.0.len());
        }
        Err(other) => Err(other.into()),
    }
}

/// A time as the server wrote it, and what it means to the microsecond or
/// better: servers keep more than Godwit's milliseconds (medallion writes
/// microseconds), and `added_after` must be sent back exactly.
fn precise_time(text: &str) -> Option<(OffsetDateTime, String)> {
    let time = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    Some((time, text.trim().to_owned()))
}

/// Where the last pull of this collection got to, as the server wrote it.
async fn last_pull(store: &godwit_store::Store, root: &str, collection: &str) -> anyhow::Result<Option<String>> {
    let mut last = None;
    let mut after_seq = None;
    loop {
        let query = AuditQuery { action: Some("taxii.pull".into()), after_seq, limit: 1000, ..AuditQuery::default() };
        let records = store.audit_records(&query).await?;
        let Some(end) = records.last() else { return Ok(last) };
        after_seq = Some(end.seq);
        for record in &records {
            let detail: Value = serde_json::from_str(&record.detail).unwrap_or_default();
            if detail["api_root"] == root && detail["collection"] == collection {
                last = detail["added_last"].as_str().map(str::to_owned).or(last);
            }
        }
    }
}

#[derive(Default)]
struct Fetched {
    objects: Vec<Value>,
    /// Where each object's id is in `objects`.
    positions: HashMap<String, usize>,
    /// The latest `X-TAXII-Date-Added-Last` of the pages.
    added_last: Option<(OffsetDateTime, String)>,
}

impl Fetched {
    /// Keeps each object once, at its latest version: pages may repeat the
    /// objects they share (a Godwit node sends a marking with every page
    /// that uses it).
    fn add(&mut self, object: Value) {
        let version =
            |o: &Value| o.get("modified").or_else(|| o.get("created")).and_then(Value::as_str).map(str::to_owned);
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        match self.positions.get(&id) {
            Some(&at) if version(&object) > version(&self.objects[at]) => self.objects[at] = object,
            Some(_) => {}
            None => {
                self.positions.insert(id, self.objects.len());
                self.objects.push(object);
            }
        }
    }
}

/// Reads every page of the collection's objects, following `next`.
fn fetch(url: &str, authorization: Option<&str>, added_after: Option<&str>) -> anyhow::Result<Fetched> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("Godwit-taxii-client")
        .build()
        .into();
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {pos} objects read from {msg}")?);
    bar.set_message(url.to_owned());
    let mut fetched = Fetched::default();
    let mut next: Option<String> = None;
    loop {
        let mut request = agent
            .get(url)
            .header("accept", TAXII_MEDIA_TYPE)
            .query("limit", PAGE.to_string())
            .query("match[type]", TYPES);
        if let Some(after) = added_after {
            request = request.query("added_after", after);
        }
        if let Some(next) = &next {
            request = request.query("next", next);
        }
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let mut response = request.call().with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let added_last =
            response.headers().get("x-taxii-date-added-last").and_then(|v| v.to_str().ok()).and_then(precise_time);
        let body: Value = response.body_mut().read_json().unwrap_or_default();
        if !status.is_success() {
            let reason = body["description"].as_str().or(body["title"].as_str()).unwrap_or("no TAXII error message");
            bail!("{url} answered HTTP {}: {reason}", status.as_u16());
        }
        let page = body["objects"].as_array().cloned().unwrap_or_default();
        bar.inc(page.len() as u64);
        for object in page {
            fetched.add(object);
        }
        fetched.added_last = fetched.added_last.max(added_last);
        match body["next"].as_str() {
            Some(token) if body["more"] == true => next = Some(token.to_owned()),
            _ => break,
        }
    }
    bar.finish_and_clear();
    Ok(fetched)
}
