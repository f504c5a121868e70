//! Screening throughput, latency, index build and recall/precision on
//! synthetic data with planted hits (issue 6, item 8).
//!
//! `SCREENING_BENCH_PERSONS` (default 100000) watchlist persons and as many
//! listed documents; `SCREENING_BENCH_TRAVELLERS` (default 100000)
//! travellers, 1% planted; `SCREENING_BENCH_THREADS` (default 2);
//! `SCREENING_BENCH_SHOW` false flags (`hit` or `review` without the
//! planted entry) and missed planted hits to print (default 0).
//! Run: `cargo bench -p godwit-screening --bench screening`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use godwit_screening::rules::RuleSet;
use godwit_screening::screen::{Decision, Screener, ScreeningResult};
use godwit_screening::synthetic;
use godwit_screening::synthetic::evaluate::evaluate;
use godwit_screening::watchlist::PersonEntry;
use time::macros::date;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident memory in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    let persons = env("SCREENING_BENCH_PERSONS", 100_000);
    let travellers = env("SCREENING_BENCH_TRAVELLERS", 100_000);
    let threads = env("SCREENING_BENCH_THREADS", 2).max(1);
    // Print this many false flags and misses with their reasons, to tune the matcher.
    let show = env("SCREENING_BENCH_SHOW", 0);
    let today = date!(2026 - 11 - 23);

    let started = Instant::now();
    let data = synthetic::generate(persons, travellers, 0.01, 42);
    println!(
        "generated {persons} persons, {persons} documents, {travellers} travellers in {:?}, peak memory {:.0} MiB",
        started.elapsed(),
        peak_mib()
    );

    let started = Instant::now();
    let screener = Screener::new(data.persons, data.documents, RuleSet::default());
    let build = started.elapsed();
    println!("index built in {build:?}, peak memory {:.0} MiB", peak_mib());

    let chunk = data.travellers.len().div_ceil(threads).max(1);
    let started = Instant::now();
    let results: Vec<(ScreeningResult, Duration)> = std::thread::scope(|scope| {
        let handles: Vec<_> = data
            .travellers
            .chunks(chunk)
            .map(|part| {
                let screener = &screener;
                scope.spawn(move || {
                    part.iter()
                        .map(|t| {
                            let one = Instant::now();
                            let r = screener.screen(t, today);
                            (r, one.elapsed())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let elapsed = started.elapsed();
    if show > 0 {
        let mut slowest: Vec<&(ScreeningResult, Duration)> = results.iter().collect();
        slowest.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
        for (r, d) in slowest.iter().take(show) {
            let t = data.travellers.iter().find(|t| t.traveller_id == r.traveller_id);
            println!("slow {d:?}: {:?} {:?}", t.map(|t| t.full_name()), r.matches.len());
        }
    }
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort_unstable();
    let pct = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or_default();
    println!(
        "screened {} travellers in {elapsed:?} on {threads} threads: {:.0} travellers/s; latency p50 {:?}, p99 {:?}",
        results.len(),
        results.len() as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    );

    let planted: HashMap<&str, &str> = data.planted.iter().map(|(t, w)| (t.as_str(), w.as_str())).collect();
    let persons_by_id: HashMap<&str, &PersonEntry> =
        screener.persons().entries().iter().map(|p| (p.id.as_str(), p)).collect();
    let (mut false_shown, mut missed_shown) = (0, 0);
    // Results come back in manifest order.
    for ((r, _), t) in results.iter().zip(&data.travellers) {
        let expected = planted.get(r.traveller_id.as_str());
        let matched = expected.is_some_and(|w| r.matches.iter().any(|m| m.watchlist_id == *w));
        if r.decision != Decision::Clear && !matched && false_shown < show {
            false_shown += 1;
            let listed = r.matches.first().and_then(|m| persons_by_id.get(m.watchlist_id.as_str()));
            println!(
                "false {:?}: {:?} {:?}\n  listed {:?} {:?}\n  {:?}",
                r.decision,
                t.full_name(),
                t.date_of_birth,
                listed.map(|p| &p.name),
                listed.and_then(|p| p.date_of_birth),
                r.matches.first().map(|m| &m.reasons)
            );
        }
        if expected.is_some() && (r.decision == Decision::Clear || !matched) && missed_shown < show {
            missed_shown += 1;
            let listed = expected.and_then(|w| persons_by_id.get(w));
            println!("planted {expected:?} missed: {t:?}\n  listed {listed:?}\n  {:?}", r.matches.first());
        }
    }
    let only: Vec<ScreeningResult> = results.into_iter().map(|(r, _)| r).collect();
    let e = evaluate(&data.planted, &only);
    println!(
        "planted {}: recall at hit {:.4}, at review {:.4}; precision of hits {:.4}, of hit or review {:.4}; peak memory {:.0} MiB",
        e.planted,
        e.recall_at_hit,
        e.recall_at_review,
        e.precision_of_hits,
        e.precision_of_flagged,
        peak_mib()
    );
}
