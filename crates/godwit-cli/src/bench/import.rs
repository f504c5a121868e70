//! `godwit bench import`: a generated people-smuggling sheet (CSV, or XLSX with
//! `--xlsx`) imported as the portal, the API and `godwit import` import it:
//! a dry run (read, map, check every cell, key every row, look the keys up),
//! the import (all rows in one transaction), and the same sheet again (every
//! row recognised, nothing written). Issue 4 targets ≥ 100,000 validated rows/s
//! committed on SQLite for a 1,000,000-row CSV.

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberKind, Organisation};
use godwit_domain::user::{Role, Subject};
use godwit_domain::{Clock, SystemClock};
use godwit_server::collect::{ImportOptions, import_sheet};
use godwit_sheets::export::{Out, table_csv, table_xlsx};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::demo::region::{NATIONALITIES, ROUTES};
use crate::store_cmd::{DatabaseArgs, redact};

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Rows of the generated sheet.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Generate an XLSX workbook instead of CSV.
    #[arg(long)]
    pub xlsx: bool,
    /// Seed of the generator.
    #[arg(long, default_value_t = 17)]
    pub seed: u64,
}

const HEADERS: [&str; 12] = [
    "Date",
    "Place",
    "Border post",
    "Environment",
    "Persons",
    "Nationality",
    "Origin",
    "Transit",
    "Destination",
    "Transport",
    "Fee",
    "Currency",
];

const POSTS: &[(&str, &str, &str)] = &[
    ("Nadi International Airport", "air", "commercial_flight"),
    ("Suva Wharf", "sea", "fishing_vessel"),
    ("Port Moresby Jacksons", "air", "commercial_flight"),
    ("Honiara Point Cruz", "sea", "small_boat"),
    ("Mosquito border crossing", "land", "on_foot"),
];

/// The rows of the sheet, as cell text; each names its own place, so no two are the same.
fn rows(count: u64, seed: u64, today: time::Date) -> impl Iterator<Item = [String; 12]> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(move |i| {
        let date = today - time::Duration::days(rng.random_range(0..730));
        let (post, env, transport) = POSTS[rng.random_range(0..POSTS.len())];
        let (nationality, _) = NATIONALITIES[rng.random_range(0..NATIONALITIES.len())];
        let (route, _) = ROUTES[rng.random_range(0..ROUTES.len())];
        let transit = route.get(1..route.len().saturating_sub(1)).unwrap_or_default().join("-");
        [
            date.to_string(),
            format!("Sector {i}"),
            post.to_owned(),
            env.to_owned(),
            (1 + i % 40).to_string(),
            nationality.to_owned(),
            route.first().copied().unwrap_or_default().to_owned(),
            transit,
            route.last().copied().unwrap_or_default().to_owned(),
            transport.to_owned(),
            format!("{}", 500 * (1 + rng.random_range(0..30))),
            "USD".to_owned(),
        ]
    })
}

fn sheet(args: &ImportArgs, today: time::Date) -> anyhow::Result<Vec<u8>> {
    let cells = rows(args.rows, args.seed, today).map(|row| row.into_iter().map(Out::Text).collect());
    if args.xlsx { table_xlsx(&HEADERS, cells).context("writing the workbook") } else { Ok(table_csv(&HEADERS, cells)) }
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let today = SystemClock.now().to_datetime().date();
    let member = MemberCode("FJI".into());
    store.upsert_member(&Member { code: member.clone(), name: "Fiji".into(), kind: MemberKind::State }).await?;
    let organisation = Uuid::from_u128(0x4242);
    store
        .put_organisation(&Organisation {
            id: organisation,
            member: member.clone(),
            name: "Fiji Immigration (benchmark)".into(),
            agency: AgencyKind::Immigration,
        })
        .await?;
    let importer = Subject {
        user: Uuid::from_u128(0x4243),
        member,
        organisation,
        roles: [Role::Analyst].into(),
        clearance: Classification(3),
        member_groups: Default::default(),
    };
    let started = Instant::now();
    let sheet = sheet(&args, today)?;
    let generated = started.elapsed();
    let format = if args.xlsx { "XLSX" } else { "CSV" };
    println!("## Import benchmark\n");
    println!("- database: {} ({:?})", redact(&args.db.url()), store.backend());
    println!(
        "- sheet: {} rows of {format}, {:.1} MB, generated in {:.1} s\n",
        args.rows,
        sheet.len() as f64 / 1e6,
        generated.as_secs_f64()
    );
    println!("| step | rows | seconds | rows/s | created | imported before |\n|---|---:|---:|---:|---:|---:|");
    for (step, dry_run) in [("dry run", true), ("import", false), ("same sheet again", false)] {
        let options = ImportOptions {
            template: "people_smuggling".into(),
            dry_run,
            classification: 1,
            tlp: Tlp::Amber,
            release: String::new(),
        };
        let started = Instant::now();
        let report = import_sheet(&store, &importer, sheet.clone(), &options, &|_, _| {}).await?;
        let seconds = started.elapsed().as_secs_f64();
        anyhow::ensure!(report.errors.is_empty(), "the generated sheet has problems: {:?}", report.errors.first());
        println!(
            "| {step} | {} | {seconds:.2} | {:.0} | {} | {} |",
            report.records,
            report.records as f64 / seconds.max(1e-9),
            report.created,
            report.already_imported
        );
    }
    Ok(())
}
