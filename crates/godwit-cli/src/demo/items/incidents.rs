//! Incident records in the shape of UNODC's VRS-MSRC: non-nominal facts about one
//! detected event (when, where, how many, route, method, fees, documents, outcome).

use godwit_domain::item::{BorderEnvironment, Category, CountryRef, CountryRole, ItemDetails};
use rand::Rng;

use super::text::{Ctx, Text, iso_date, long_date, reporting, route_countries, route_words, tag};

const KINDS: &[(Category, &str)] = &[
    (Category::PeopleSmuggling, "Migrant smuggling"),
    (Category::TraffickingInPersons, "Trafficking in persons"),
    (Category::IrregularMigration, "Irregular movement"),
    (Category::DocumentFraud, "Document fraud"),
    (Category::IrregularMigration, "Refusal of entry"),
];

const METHODS: &[&str] = &[
    "concealed in a cargo container",
    "fishing vessel landing at night",
    "commercial flight on fraudulent documents",
    "overstay after visa-free entry",
    "on foot across the land border",
    "yacht arriving outside a designated port",
    "domestic flight after clandestine arrival",
];

const OUTCOMES: &[&str] = &[
    "refused entry and returned on the next flight",
    "detained; facilitator referred for prosecution",
    "referred to victim-support services",
    "removed after administrative proceedings",
    "asylum claim lodged; referred to the protection authority",
    "released pending investigation",
];

/// One incident record.
pub fn incident_record<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (category, kind_words) = ctx.pick(KINDS);
    let (route, environment) = ctx.route();
    let environment = if ctx.member.posts.is_empty() { environment } else { env_of_post(ctx, environment) };
    let (place, post) = ctx.post();
    let persons = if category == Category::DocumentFraud { ctx.between(1, 3) } else { ctx.between(1, 60) };
    let (nat_code, nat) = ctx.nationality();
    let method = ctx.pick(METHODS);
    let outcome = ctx.pick(OUTCOMES);
    let fee = ctx.between(1, 30) * 500;
    let occurred = ctx.when.plus_days(-i64::from(ctx.between(0, 14)));
    let adults = persons.saturating_sub(persons / 4);
    let smugglers = ctx.between(0, 3);
    let body = format!(
        "## Event\n\n| Field | Value |\n|---|---|\n| Date | {date} |\n| Place | {place} |\n| Border post | {post} |\n\
         | Environment | {env} |\n| Persons | {persons} ({nat}) |\n| Route | {route} |\n| Method | {method} |\n\
         | Fees paid | USD {fee} per person |\n| Outcome | {outcome} |\n\n## Profile of migrants\n\n\
         - {adults} adults, {minors} minors\n- Mostly male, age band 18–34\n\n## Profile of smugglers\n\n\
         - {smugglers} facilitator(s) detected, age band 35–49\n",
        date = long_date(occurred),
        env = environment.as_str(),
        route = route_words(route),
        minors = persons - adults,
    );
    let mut countries = route_countries(route);
    countries.extend(reporting(ctx.member));
    if category == Category::DocumentFraud {
        countries.push(CountryRef { code: nat_code.to_owned(), role: CountryRole::IssuingState });
    }
    Text {
        title: format!("{kind_words}: {persons} {nat} nationals at {place}"),
        summary: format!("{kind_words} detected at {post} on {}; {outcome}.", long_date(occurred)),
        body,
        category,
        details: ItemDetails::IncidentRecord {
            occurred_on: iso_date(occurred),
            place: place.to_owned(),
            border_post: post.to_owned(),
            persons,
            method: method.to_owned(),
            outcome: outcome.to_owned(),
        },
        tags: vec![tag("incident", kind_words), tag("nationality", nat_code)],
        countries,
        environment: Some(environment),
        valid_days: None,
    }
}

/// Airports make air incidents; wharves and crossings keep the route's environment.
fn env_of_post<R: Rng>(ctx: &mut Ctx<'_, R>, fallback: BorderEnvironment) -> BorderEnvironment {
    if ctx.chance(0.5) { BorderEnvironment::Air } else { fallback }
}
