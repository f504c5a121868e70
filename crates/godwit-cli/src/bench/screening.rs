//! `godwit bench screening`: traveller screening on generated data with
//! planted hits across scripts (issue 6 targets on 2 cores: ≥ 20,000
//! travellers/s; index built in ≤ 30 s using ≤ 2 GB; recall ≥ 0.99 and
//! precision ≥ 0.95 at the default thresholds; single-traveller p99 ≤ 5 ms
//! over HTTP), optionally beside Splink on the same data.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberKind, Organisation};
use godwit_domain::user::{Role, User};
use godwit_screening::matching::ListKind;
use godwit_screening::rules::RuleSet;
use godwit_screening::screen::{Screener, ScreeningResult};
use godwit_screening::synthetic::evaluate::{Evaluation, evaluate, misses};
use godwit_screening::synthetic::{self, Dataset, export};
use godwit_screening::traveller::Traveller;
use godwit_screening::watchlist::PersonEntry;
use godwit_server::{AppState, ServerConfig};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use indicatif::{ProgressBar, ProgressStyle};
use time::macros::date;
use uuid::Uuid;

#[derive(Args)]
pub struct ScreeningArgs {
    /// Watchlist persons to generate; as many listed documents are generated too.
    #[arg(long, default_value_t = 1_000_000)]
    pub persons: usize,
    /// Travellers in the manifest.
    #[arg(long, default_value_t = 1_000_000)]
    pub travellers: usize,
    /// Share of travellers planted as hits (persons in other scripts and spellings, listed documents).
    #[arg(long, default_value_t = 0.01)]
    pub hit_rate: f64,
    /// Threads screening the manifest.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Single-traveller requests timed over HTTP (one at a time, to a node on a loopback port); 0 skips.
    #[arg(long, default_value_t = 2_000)]
    pub http_samples: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write persons.csv, documents.csv, manifest.csv and planted.csv (the answer key) here.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Run scripts/splink_compare.py on the exported data and print both side by side (needs --export).
    #[arg(long, requires = "export")]
    pub splink: bool,
    /// The Python that has Splink (see scripts/bench-requirements.txt).
    #[arg(long, default_value = "target/venv/bin/python")]
    pub python: PathBuf,
    /// Print up to this many planted hits that were missed, each with the traveller and the listed entry.
    #[arg(long, default_value_t = 0)]
    pub show_misses: usize,
}

/// Recall and precision counting person matches only: what Splink, a
/// person-record linker, is compared on.
struct PersonsOnly {
    planted: usize,
    recall_at_hit: f64,
    recall_at_review: f64,
    precision_of_hits: f64,
    precision_of_flagged: f64,
}

fn persons_only(planted: &[(String, String)], results: &[ScreeningResult], hit: f64) -> PersonsOnly {
    let expected: HashMap<&str, &str> =
        planted.iter().filter(|(_, w)| w.starts_with('P')).map(|(t, w)| (t.as_str(), w.as_str())).collect();
    let (mut hits, mut true_hits, mut flagged, mut true_flagged) = (0usize, 0usize, 0usize, 0usize);
    for r in results {
        let persons: Vec<_> = r.matches.iter().filter(|m| m.list == ListKind::Persons).collect();
        let Some(best) = persons.first() else { continue };
        let found = expected.get(r.traveller_id.as_str()).is_some_and(|w| persons.iter().any(|m| m.watchlist_id == *w));
        let is_hit = best.score >= hit;
        hits += usize::from(is_hit);
        true_hits += usize::from(is_hit && found);
        flagged += 1;
        true_flagged += usize::from(found);
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    PersonsOnly {
        planted: expected.len(),
        recall_at_hit: share(true_hits, expected.len()),
        recall_at_review: share(true_flagged, expected.len()),
        precision_of_hits: share(true_hits, hits),
        precision_of_flagged: share(true_flagged, flagged),
    }
}

/// CPU time the process has used, user and system, in seconds (Linux,
/// `/proc/self/stat` in clock ticks of 1/100 s, threads that ended included;
/// 0 elsewhere): beside wall-clock time, it shows what screening costs when
/// other work shares the cores.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak and current resident memory in MiB (Linux; 0 elsewhere).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn progress(len: usize, what: &str) -> anyhow::Result<ProgressBar> {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {what}, {{per_sec}}, eta {{eta}}"
        ))
        .context("progress bar template")?
        .progress_chars("=> "),
    );
    Ok(bar)
}

pub async fn run(args: ScreeningArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.threads > 0, "--threads must be at least 1");
    anyhow::ensure!((0.0..=1.0).contains(&args.hit_rate), "--hit-rate must be between 0 and 1");
    let today = date!(2026 - 11 - 23);
    println!("## Screening benchmark\n");
    println!(
        "- data: {} watchlist persons, {} listed documents, {} travellers, {:.1}% planted, seed {}",
        args.persons,
        args.persons,
        args.travellers,
        args.hit_rate * 100.0,
        args.seed
    );

    let started = Instant::now();
    let data = synthetic::generate(args.persons, args.travellers, args.hit_rate, args.seed);
    let (peak, _) = memory_mib();
    println!(
        "- generated in {:.1} s ({} planted hits); peak memory so far {peak:.0} MiB",
        started.elapsed().as_secs_f64(),
        data.planted.len()
    );
    if let Some(dir) = &args.export {
        let started = Instant::now();
        write_export(&data, dir)?;
        println!("- exported to {} in {:.1} s", dir.display(), started.elapsed().as_secs_f64());
    }
    let Dataset { persons, documents, travellers, planted } = data;

    let (_, before) = memory_mib();
    let started = Instant::now();
    let screener = Arc::new(Screener::new(persons, documents, RuleSet::default()));
    let build = started.elapsed();
    let (peak, after) = memory_mib();
    println!(
        "- index built in **{:.1} s**; resident memory {before:.0} → {after:.0} MiB (**+{:.0} MiB** for the index), peak {peak:.0} MiB",
        build.as_secs_f64(),
        after - before
    );

    let cpu_before = cpu_seconds();
    let (results, elapsed) = screen_all(&screener, &travellers, args.threads, today)?;
    let cpu = cpu_seconds() - cpu_before;
    let rate = results.len() as f64 / elapsed.as_secs_f64().max(1e-9);
    println!(
        "- screened {} travellers in {:.2} s on {} threads: **{rate:.0} travellers/s**",
        results.len(),
        elapsed.as_secs_f64(),
        args.threads
    );
    println!(
        "- CPU time screening: {cpu:.1} s, **{:.1} µs per traveller** ({:.0} travellers per CPU-second; load average {})",
        cpu * 1e6 / results.len().max(1) as f64,
        results.len() as f64 / cpu.max(1e-9),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let thresholds = screener.thresholds();
    let e = evaluate(&planted, &results);
    let p = persons_only(&planted, &results, thresholds.hit);
    print_quality(&e, &p, thresholds.hit, thresholds.review);
    if args.show_misses > 0 {
        print_misses(&planted, &results, &persons_by_id(&screener), &travellers, args.show_misses);
    }
    let (peak, _) = memory_mib();
    println!("- peak memory of the run: {peak:.0} MiB");

    if args.http_samples > 0 {
        let latencies = http_latencies(screener.clone(), &travellers, args.http_samples).await?;
        println!(
            "- single traveller over HTTP (POST /api/v1/screening/travellers, loopback, keep-alive, audited, {} requests): p50 {:.2} ms, p95 {:.2} ms, **p99 {:.2} ms**, max {:.2} ms",
            latencies.len(),
            percentile_ms(&latencies, 50.0),
            percentile_ms(&latencies, 95.0),
            percentile_ms(&latencies, 99.0),
            percentile_ms(&latencies, 100.0)
        );
    }

    if args.splink {
        let dir = args.export.as_deref().context("--splink needs --export")?;
        drop(results);
        drop(screener);
        let splink = run_splink(&args.python, dir)?;
        print_side_by_side(&p, elapsed, build, &splink);
    }
    Ok(())
}

fn write_export(data: &Dataset, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let create = |name: &str| -> anyhow::Result<BufWriter<File>> {
        let path = dir.join(name);
        Ok(BufWriter::new(File::create(&path).with_context(|| format!("creating {}", path.display()))?))
    };
    export::persons_csv(data, create("persons.csv")?).context("writing persons.csv")?;
    export::documents_csv(data, create("documents.csv")?).context("writing documents.csv")?;
    export::manifest_csv(data, create("manifest.csv")?).context("writing manifest.csv")?;
    export::planted_csv(data, create("planted.csv")?).context("writing planted.csv")?;
    Ok(())
}

/// Screens every traveller on `threads` threads; returns the results in
/// manifest order and the wall-clock time.
fn screen_all(
    screener: &Screener,
    travellers: &[Traveller],
    threads: usize,
    today: time::Date,
) -> anyhow::Result<(Vec<ScreeningResult>, Duration)> {
    let bar = progress(travellers.len(), "travellers")?;
    let chunk = travellers.len().div_ceil(threads).max(1);
    let started = Instant::now();
    let parts: Vec<Option<Vec<ScreeningResult>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = travellers
            .chunks(chunk)
            .map(|part| {
                let bar = bar.clone();
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for batch in part.chunks(1_000) {
                        out.extend(batch.iter().map(|t| screener.screen(t, today)));
                        bar.inc(batch.len() as u64);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let mut results = Vec::with_capacity(travellers.len());
    for part in parts {
        match part {
            Some(p) => results.extend(p),
            None => bail!("a screening thread failed"),
        }
    }
    Ok((results, elapsed))
}

fn print_quality(e: &Evaluation, p: &PersonsOnly, hit: f64, review: f64) {
    println!(
        "\n| planted | counted | recall at `hit` (≥ {hit}) | recall at `review` (≥ {review}) | precision of `hit` | precision of `hit` or `review` |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    println!(
        "| all: persons and documents | {} | {:.4} | {:.4} | {:.4} | {:.4} |",
        e.planted, e.recall_at_hit, e.recall_at_review, e.precision_of_hits, e.precision_of_flagged
    );
    println!(
        "| persons only (person matches) | {} | {:.4} | {:.4} | {:.4} | {:.4} |\n",
        p.planted, p.recall_at_hit, p.recall_at_review, p.precision_of_hits, p.precision_of_flagged
    );
}

fn persons_by_id(screener: &Screener) -> HashMap<&str, &PersonEntry> {
    screener.persons().entries().iter().map(|p| (p.id.as_str(), p)).collect()
}

/// The missed planted hits, each beside its listed person (documents
/// show their id only) and the best match found instead.
fn print_misses(
    planted: &[(String, String)],
    results: &[ScreeningResult],
    persons: &HashMap<&str, &PersonEntry>,
    travellers: &[Traveller],
    limit: usize,
) {
    let missed = misses(planted, results);
    println!("{} planted hits missed; the first {}:\n", missed.len(), missed.len().min(limit));
    for (t, w) in missed.into_iter().take(limit) {
        let index = t.trim_start_matches('T').parse::<usize>().ok();
        let traveller = index.and_then(|i| travellers.get(i));
        let result = index.and_then(|i| results.get(i));
        if let Some(tr) = traveller {
            println!(
                "- {t}: {} {} born {:?} {:?} {:?}",
                tr.given_names, tr.surname, tr.date_of_birth, tr.nationality, tr.sex
            );
        }
        match persons.get(w.as_str()) {
            Some(p) => println!("  listed {w}: {} born {:?} {:?} {:?}", p.name, p.date_of_birth, p.nationality, p.sex),
            None => println!("  listed {w}"),
        }
        if let Some(best) = result.and_then(|r| r.matches.first()) {
            println!("  best match {} {:.2}: {}", best.watchlist_id, best.score, best.reasons.join("; "));
        }
    }
}

/// The nearest-rank percentile `p` (0–100) in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
}

const BENCH_PASSWORD: &str = "Bench-Screening-2026!";
/// Untimed requests before the timed ones.
const WARMUP: usize = 20;

/// Starts a node on a loopback port (SQLite in a temporary directory) that
/// screens with `screener`, signs a front-line officer in and times
/// `samples` single-traveller requests, one after another.
async fn http_latencies(
    screener: Arc<Screener>,
    travellers: &[Traveller],
    samples: usize,
) -> anyhow::Result<Vec<Duration>> {
    let dir = tempfile_dir()?;
    let url = format!("sqlite:{}", dir.join("bench.db").display());
    let store = Store::open(&url).await.context("opening the bench database")?;
    let member = MemberCode("FJI".into());
    store.upsert_member(&Member { code: member.clone(), name: "Fiji".into(), kind: MemberKind::State }).await?;
    let org = Organisation {
        id: Uuid::now_v7(),
        member: member.clone(),
        name: "Fiji Immigration".into(),
        agency: AgencyKind::Immigration,
    };
    store.put_organisation(&org).await?;
    let user = User {
        id: Uuid::now_v7(),
        username: "border.bench".into(),
        display_name: "Border bench".into(),
        email: "border.bench@example.invalid".into(),
        member,
        organisation: org.id,
        roles: [Role::FrontLineOfficer].into(),
        clearance: Classification(1),
        disabled: false,
    };
    let hash = godwit_server::auth::credentials::hash_password(BENCH_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing the bench password: {e}"))?;
    store.create_user(&user, &hash, AuditEvent::new("user.create")).await?;

    let state = AppState::new(store.clone(), ServerConfig::default());
    anyhow::ensure!(state.screening.use_screener(screener), "the bench node had lists already");
    let app = godwit_server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding a loopback port")?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let bodies: Vec<String> = travellers
        .iter()
        .step_by((travellers.len() / samples.max(1)).max(1))
        .take(samples)
        .map(|t| traveller_json(t).to_string())
        .collect();
    let timings = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Duration>> {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let base = format!("http://{addr}/api/v1");
        let login = serde_json::json!({ "username": "border.bench", "password": BENCH_PASSWORD });
        let mut response = agent.post(&format!("{base}/auth/login")).send_json(&login).context("signing in")?;
        let body: serde_json::Value = response.body_mut().read_json().context("reading the sign-in answer")?;
        let token = body["token"].as_str().context("no token in the sign-in answer")?.to_owned();
        let bar = progress(bodies.len() + WARMUP, "requests")?;
        let mut timings = Vec::with_capacity(bodies.len());
        // The first requests, untimed, open the connection and build the reader's alert index.
        for (i, body) in bodies.iter().take(WARMUP).chain(&bodies).enumerate() {
            let started = Instant::now();
            let response = agent
                .post(&format!("{base}/screening/travellers"))
                .header("authorization", &format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(body.as_str())
                .context("screening request")?;
            let took = started.elapsed();
            if response.status() != 200 {
                bail!("screening request answered {}", response.status());
            }
            if i >= WARMUP {
                timings.push(took);
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(timings)
    })
    .await
    .context("HTTP client thread")??;
    server.abort();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut sorted = timings;
    sorted.sort();
    Ok(sorted)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("godwit-bench-screening-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// A traveller as the API's JSON body.
fn traveller_json(t: &Traveller) -> serde_json::Value {
    let date = |d: Option<time::Date>| d.map(|d| d.to_string());
    serde_json::json!({
        "traveller_id": t.traveller_id,
        "surname": t.surname,
        "given_names": t.given_names,
        "date_of_birth": date(t.date_of_birth),
        "sex": t.sex.map(|s| match s {
            godwit_screening::traveller::Sex::Male => "M",
            godwit_screening::traveller::Sex::Female => "F",
            godwit_screening::traveller::Sex::Unspecified => "X",
        }),
        "nationality": t.nationality,
        "documents": t.documents.iter().map(|d| serde_json::json!({
            "document_type": d.document_type,
            "number": d.number,
            "issuing_state": d.issuing_state,
            "expiry_date": date(d.expiry_date),
        })).collect::<Vec<_>>(),
        "origin": t.origin,
        "destination": t.destination,
    })
}

/// What scripts/splink_compare.py reports.
#[derive(serde::Deserialize)]
struct SplinkReport {
    splink_version: String,
    planted_persons: usize,
    by_threshold: Vec<SplinkAt>,
    seconds_loading: f64,
    seconds_training: f64,
    seconds_predict: f64,
}

/// Splink's quality at one match-probability threshold.
#[derive(serde::Deserialize)]
struct SplinkAt {
    threshold: f64,
    recall: f64,
    precision: f64,
}

fn run_splink(python: &Path, dir: &Path) -> anyhow::Result<SplinkReport> {
    let script = Path::new("scripts/splink_compare.py");
    anyhow::ensure!(script.exists(), "run from the repository root: {} not found", script.display());
    eprintln!("running Splink on {} (this takes a while)…", dir.display());
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(dir)
        .arg("--json")
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {} (install scripts/bench-requirements.txt)", python.display()))?;
    anyhow::ensure!(output.status.success(), "splink_compare.py failed: {}", output.status);
    let text = String::from_utf8_lossy(&output.stdout);
    let line =
        text.lines().rev().find(|l| l.trim_start().starts_with('{')).context("no JSON from splink_compare.py")?;
    serde_json::from_str(line).context("reading splink_compare.py's JSON")
}

fn print_side_by_side(godwit: &PersonsOnly, godwit_time: Duration, index_time: Duration, splink: &SplinkReport) {
    println!("\n### Beside Splink {} (DuckDB), planted person hits only\n", splink.splink_version);
    println!("| | planted | recall | precision | time |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| Godwit, `hit` or `review` | {} | {:.4} | {:.4} | {:.1} s index build + {:.1} s screening |",
        godwit.planted,
        godwit.recall_at_review,
        godwit.precision_of_flagged,
        index_time.as_secs_f64(),
        godwit_time.as_secs_f64()
    );
    println!(
        "| Godwit, `hit` | {} | {:.4} | {:.4} | same run |",
        godwit.planted, godwit.recall_at_hit, godwit.precision_of_hits
    );
    for (i, at) in splink.by_threshold.iter().enumerate() {
        let time = if i == 0 {
            format!(
                "{:.1} s training + {:.1} s predicting (loading and transliteration, {:.1} s, apart)",
                splink.seconds_training, splink.seconds_predict, splink.seconds_loading
            )
        } else {
            "same run".to_owned()
        };
        println!(
            "| Splink, match probability ≥ {} | {} | {:.4} | {:.4} | {time} |",
            at.threshold, splink.planted_persons, at.recall, at.precision
        );
    }
}
