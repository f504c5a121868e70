//! Alert templates: document fraud (issuing state, series, fraud type, security
//! features), modus operandi, routes and facilitators.

use godwit_domain::item::{
    AlertType, AlertedDocument, BorderEnvironment, Category, CountryRef, CountryRole, FraudType, ItemDetails,
    NumberRange,
};
use rand::Rng;

use super::text::{Ctx, Text, reporting, route_countries, route_words, tag};

const FEATURES: &[&str] = &[
    "laminate lifted along the lower edge of the data page",
    "no UV response on the biodata page background",
    "microprinting on the signature line is blurred",
    "photograph substituted; the ghost image does not match",
    "optically variable ink shows no colour shift",
    "MRZ check digits correct but typeface differs from genuine (OCR-B)",
    "perforated document number misaligned with the printed number",
    "stitching re-sewn with white thread instead of the genuine beige",
    "visa foil hologram missing the kinetic effect",
    "chip present but signature fails Passive Authentication",
];

const DOCUMENTS: &[(&str, &str)] =
    &[("P", "passports"), ("V", "visas"), ("ID", "identity cards"), ("P", "e-passports"), ("V", "visa foils")];

/// A document-fraud alert about documents of a state in the region or of a source country.
pub fn document_fraud<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let issuing = if ctx.chance(0.5) {
        let (code, adjective) = ctx.nationality();
        (code, adjective)
    } else {
        let states: Vec<_> = crate::demo::region::states().collect();
        let spec = ctx.pick(&states);
        (spec.code, spec.adjective)
    };
    let (doc_code, doc_words) = ctx.pick(DOCUMENTS);
    let fraud = ctx.pick(FraudType::ALL);
    let fraud_words = match fraud {
        FraudType::Forged => "forged",
        FraudType::Counterfeit => "counterfeit",
        FraudType::FraudulentlyObtained => "fraudulently obtained",
        FraudType::Impostor => "genuine (impostor use of)",
    };
    let (place, post) = ctx.post();
    let count = ctx.between(1, 14);
    let (nat_code, nat) = ctx.nationality();
    let prefix = format!("{}{}", (b'A' + ctx.between(0, 25) as u8) as char, ctx.between(1, 9));
    let start = ctx.between(100_000, 899_999);
    let range = NumberRange {
        from: format!("{prefix}{start:07}"),
        to: format!("{prefix}{:07}", start + ctx.between(50, 4_000)),
    };
    let features: Vec<String> = (0..ctx.between(2, 4)).map(|_| ctx.pick(FEATURES).to_owned()).collect();
    let days = ctx.between(1, 20);
    let when = ctx.date_words(i64::from(days));
    let title = format!("{} {} {doc_words} detected at {place}", capitalise(fraud_words), issuing.1);
    let summary = format!(
        "{count} {fraud_words} {} {doc_words} of series {prefix} presented by {nat} nationals at {post} on {when}.",
        issuing.1
    );
    let body = format!(
        "## What was detected\n\nOn {when}, officers at {place} ({post}) detected {count} {fraud_words} {adj} {doc_words} \
         presented by {nat} nationals. The documents carry numbers in the series **{prefix}** \
         ({from}–{to}).\n\n## How to recognise it\n\n{features}\n\n## Documents concerned\n\n\
         | Field | Value |\n|---|---|\n| Document type | {doc_code} |\n| Issuing state | {issuer} |\n\
         | Fraud type | {fraud} |\n| Series | {prefix} |\n\n## Action requested\n\n\
         Refer any traveller presenting a document of this series to secondary examination, \
         retain the document and report the hit to the {member} RFI desk quoting this alert.\n",
        adj = issuing.1,
        from = range.from,
        to = range.to,
        features = features.iter().map(|f| format!("- {f}")).collect::<Vec<_>>().join("\n"),
        issuer = issuing.0,
        fraud = fraud.as_str(),
        member = ctx.member.name,
    );
    let mut countries = vec![CountryRef { code: issuing.0.to_owned(), role: CountryRole::IssuingState }];
    countries.extend(reporting(ctx.member));
    countries.push(CountryRef { code: nat_code.to_owned(), role: CountryRole::Origin });
    Text {
        title,
        summary,
        body,
        category: Category::DocumentFraud,
        details: ItemDetails::Alert {
            alert_type: AlertType::DocumentFraud,
            document: Some(AlertedDocument {
                document_type: doc_code.to_owned(),
                issuing_state: issuing.0.to_owned(),
                fraud_type: Some(fraud),
                series: vec![prefix],
                number_ranges: vec![range],
                security_features: features,
            }),
        },
        tags: vec![tag("alert", "document-fraud"), tag("fraud", fraud.as_str()), tag("issuing-state", issuing.0)],
        countries,
        environment: Some(BorderEnvironment::Air),
        valid_days: Some(i64::from(ctx.between(120, 400))),
    }
}

const METHODS: &[(&str, &str, Category)] = &[
    (
        "boarding-pass swap in the transit lounge",
        "Travellers exchange boarding passes airside so that a passenger checked against one document boards on another.",
        Category::ImmigrationFraud,
    ),
    (
        "genuine visas obtained with forged sponsorship letters",
        "Visa applications are supported by forged employer and sponsor letters; the visas themselves are genuine.",
        Category::ImmigrationFraud,
    ),
    (
        "crew documents used to disembark from cruise ships",
        "Persons signed on as crew leave the ship at a port of call and do not return.",
        Category::CruiseShips,
    ),
    (
        "look-alike use of genuine passports",
        "Genuine passports are rented to look-alikes who travel on them and return them by courier.",
        Category::DocumentFraud,
    ),
    (
        "transfers between fishing vessels at sea",
        "Migrants are moved between fishing vessels outside territorial waters to avoid port controls.",
        Category::PeopleSmuggling,
    ),
    (
        "fraudulent labour-recruitment offers",
        "Workers are recruited with offers of seasonal work and held in debt bondage on arrival.",
        Category::TraffickingInPersons,
    ),
    (
        "student visas used as a route to asylum claims",
        "Enrolment in colleges that do not operate; claims are lodged soon after arrival.",
        Category::ImmigrationFraud,
    ),
    (
        "false marriage certificates for family visas",
        "Marriage certificates from a small number of registries support partner visas.",
        Category::ImmigrationFraud,
    ),
];

/// A modus-operandi alert.
pub fn modus_operandi<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (method, explanation, category) = ctx.pick(METHODS);
    let (place, post) = ctx.post();
    let (nat_code, nat) = ctx.nationality();
    let cases = ctx.between(2, 25);
    let days = ctx.between(20, 120);
    let since = ctx.date_words(i64::from(days));
    Text {
        title: format!("Modus operandi: {method} at {place}"),
        summary: format!("{cases} cases since {since} involving {nat} nationals at {post}."),
        body: format!(
            "## The method\n\n{explanation}\n\n## Where and how often\n\nSince {since}, {cases} cases have been \
             identified at {place}, most involving {nat} nationals. The method has been reported by at least one \
             other member.\n\n## Indicators\n\n- Travel booked within 48 hours of departure, one way\n\
             - Inconsistent account of the purpose of travel\n- Luggage inconsistent with the declared stay\n\n\
             ## Recommended response\n\nBrief primary-line officers and check arrivals from the same flights \
             against this alert for the next 90 days.\n"
        ),
        category,
        details: ItemDetails::Alert { alert_type: AlertType::ModusOperandi, document: None },
        tags: vec![tag("alert", "modus-operandi"), tag("nationality", nat_code)],
        countries: reporting(ctx.member)
            .into_iter()
            .chain([CountryRef { code: nat_code.to_owned(), role: CountryRole::Origin }])
            .collect(),
        environment: Some(BorderEnvironment::Air),
        valid_days: Some(i64::from(ctx.between(90, 240))),
    }
}

/// A route alert: an emerging or changed route.
pub fn route<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (route, environment) = ctx.route();
    let persons = ctx.between(8, 240);
    let fee = ctx.between(3, 25) * 1_000;
    let months = ctx.between(2, 9);
    Text {
        title: format!("Route alert: {}", route_words(route)),
        summary: format!(
            "About {persons} persons moved along this route in the last {months} months; fees around USD {fee} per person."
        ),
        body: format!(
            "## Route\n\n**{}** (last leg by {}).\n\n## Assessment\n\nAbout {persons} persons are assessed to have \
             used this route over the last {months} months, paying around USD {fee} each. Facilitators adjust the \
             transit points quickly when one is closed.\n\n## Collection requirements\n\n1. Transit patterns of \
             the nationalities concerned\n2. Vessels or carriers used on the last leg\n3. Payment channels\n",
            route_words(route),
            environment.as_str()
        ),
        category: Category::IrregularMigration,
        details: ItemDetails::Alert { alert_type: AlertType::Route, document: None },
        tags: vec![tag("alert", "route"), tag("route", &route.join("-"))],
        countries: route_countries(route),
        environment: Some(environment),
        valid_days: Some(i64::from(ctx.between(60, 365))),
    }
}

/// A facilitator alert: a network offering travel or documents.
pub fn facilitator<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (route, environment) = ctx.route();
    let (nat_code, nat) = ctx.nationality();
    let service = ctx.pick(&[
        "complete travel packages including documents",
        "boat passages on the last leg",
        "sponsorship letters and bank statements",
        "employment offers abroad",
    ]);
    let trafficking = service == "employment offers abroad";
    Text {
        title: format!("Facilitator network offering {service} to {nat} nationals"),
        summary: format!("A network advertising on social media offers {service}; route {}.", route_words(route)),
        body: format!(
            "## Network\n\nA network active in {origin} advertises {service} to {nat} nationals through social media \
             groups and messaging channels. Payments are made in cash or through informal remittance.\n\n\
             ## Route used\n\n{}\n\n## Requested\n\nMembers holding information on the advertisers or the payment \
             channels are asked to respond through the RFI desk.\n",
            route_words(route),
            origin = route.first().copied().unwrap_or(nat_code),
        ),
        category: if trafficking { Category::TraffickingInPersons } else { Category::PeopleSmuggling },
        details: ItemDetails::Alert { alert_type: AlertType::Facilitator, document: None },
        tags: vec![tag("alert", "facilitator"), tag("nationality", nat_code)],
        countries: route_countries(route),
        environment: Some(environment),
        valid_days: Some(i64::from(ctx.between(90, 365))),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
