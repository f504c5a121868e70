//! Incident records in the shape of UNODC's VRS-MSRC: non-nominal facts about one
//! detected event (when, where, how many, route, method, fees, documents, outcome).

use godwit_domain::incident::{
    AgeBand, DocumentType, DocumentUsed, Facilitators, Fee, Incident, Method, Outcome, PersonCount, Route, Sex,
    Transport,
};
use godwit_domain::item::{BorderEnvironment, Category, CountryRef, CountryRole, FraudType, ItemDetails};
use rand::Rng;

use super::text::{Ctx, Text, iso_date, long_date, reporting, route_countries, route_words, tag};

const KINDS: &[(Category, &str)] = &[
    (Category::PeopleSmuggling, "Migrant smuggling"),
    (Category::TraffickingInPersons, "Trafficking in persons"),
    (Category::IrregularMigration, "Irregular movement"),
    (Category::DocumentFraud, "Document fraud"),
    (Category::IrregularMigration, "Refusal of entry"),
];

const METHODS: &[(&str, Transport, Method)] = &[
    ("concealed in a cargo container", Transport::CargoShip, Method::Concealment),
    ("fishing vessel landing at night", Transport::FishingVessel, Method::ClandestineLanding),
    ("commercial flight on fraudulent documents", Transport::CommercialFlight, Method::FraudulentDocuments),
    ("overstay after visa-free entry", Transport::CommercialFlight, Method::Overstay),
    ("on foot across the land border", Transport::OnFoot, Method::UnguardedCrossing),
    ("yacht arriving outside a designated port", Transport::Yacht, Method::ClandestineLanding),
    ("domestic flight after clandestine arrival", Transport::CommercialFlight, Method::TransitAbuse),
];

const OUTCOMES: &[(&str, Outcome)] = &[
    ("refused entry and returned on the next flight", Outcome::RefusedEntry),
    ("detained; facilitator referred for prosecution", Outcome::Prosecuted),
    ("referred to victim-support services", Outcome::ReferredToVictimSupport),
    ("removed after administrative proceedings", Outcome::Removed),
    ("asylum claim lodged; referred to the protection authority", Outcome::ReferredToProtection),
    ("released pending investigation", Outcome::Released),
];

const FRAUDS: &[(DocumentType, FraudType)] = &[
    (DocumentType::Passport, FraudType::Counterfeit),
    (DocumentType::Passport, FraudType::Impostor),
    (DocumentType::Visa, FraudType::Forged),
    (DocumentType::Passport, FraudType::FraudulentlyObtained),
    (DocumentType::ResidencePermit, FraudType::Forged),
];

/// One incident record.
pub fn incident_record<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (category, kind_words) = ctx.pick(KINDS);
    let (route, environment) = ctx.route();
    let environment = if ctx.member.posts.is_empty() { environment } else { env_of_post(ctx, environment) };
    let (place, post) = ctx.post();
    let persons = if category == Category::DocumentFraud { ctx.between(1, 3) } else { ctx.between(1, 60) };
    let (nat_code, nat) = ctx.nationality();
    let (method, transport, method_type) = ctx.pick(METHODS);
    let (outcome, outcome_type) = ctx.pick(OUTCOMES);
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
        details: ItemDetails::IncidentRecord(Box::new(Incident {
            occurred_on: iso_date(occurred),
            place: place.to_owned(),
            border_post: post.to_owned(),
            persons,
            profile: [(adults, Sex::Male, AgeBand::Young), (persons - adults, Sex::Unknown, AgeBand::Minor)]
                .into_iter()
                .filter(|(count, ..)| *count > 0)
                .map(|(count, sex, age_band)| PersonCount { nationality: nat_code.to_owned(), sex, age_band, count })
                .collect(),
            route: Route {
                origin: route.first().map(|c| (*c).to_owned()),
                transit: route.iter().skip(1).take(route.len().saturating_sub(2)).map(|c| (*c).to_owned()).collect(),
                destination: route.last().filter(|_| route.len() > 1).map(|c| (*c).to_owned()),
            },
            transport: Some(transport),
            method_type: Some(method_type),
            method: method.to_owned(),
            fee: Some(Fee { amount: u64::from(fee), currency: "USD".into() }),
            facilitators: Facilitators {
                count: smugglers,
                nationalities: route.first().filter(|_| smugglers > 0).map(|c| (*c).to_owned()).into_iter().collect(),
            },
            documents: documents(ctx, category, nat_code),
            outcome_type: Some(outcome_type),
            outcome: outcome.to_owned(),
            import_key: None,
        })),
        tags: vec![tag("incident", kind_words), tag("nationality", nat_code)],
        countries,
        environment: Some(environment),
        valid_days: None,
    }
}

/// The documents of a document-fraud incident: one of the nationality's state.
fn documents<R: Rng>(ctx: &mut Ctx<'_, R>, category: Category, issuing_state: &str) -> Vec<DocumentUsed> {
    if category != Category::DocumentFraud {
        return Vec::new();
    }
    let (document_type, fraud_type) = ctx.pick(FRAUDS);
    vec![DocumentUsed { document_type, issuing_state: issuing_state.to_owned(), fraud_type: Some(fraud_type) }]
}

/// Airports make air incidents; wharves and crossings keep the route's environment.
fn env_of_post<R: Rng>(ctx: &mut Ctx<'_, R>, fallback: BorderEnvironment) -> BorderEnvironment {
    if ctx.chance(0.5) { BorderEnvironment::Air } else { fallback }
}
