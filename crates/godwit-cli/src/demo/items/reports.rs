//! Report templates: intelligence reports at the three levels, threat
//! assessments (regional and members' registers) and the secretariats' bulletins.

use godwit_domain::item::{BorderEnvironment, Category, ItemDetails, ReportLevel};
use rand::Rng;

use super::text::{Ctx, Text, month_year, reporting, route_countries, route_words, tag};

const TREND_CATEGORIES: &[Category] = &[
    Category::PeopleSmuggling,
    Category::IrregularMigration,
    Category::DocumentFraud,
    Category::TraffickingInPersons,
    Category::ImmigrationFraud,
    Category::CriminalDeportees,
    Category::OutlawMotorcycleGangs,
    Category::CruiseShips,
];

fn category_words(category: Category) -> &'static str {
    match category {
        Category::PeopleSmuggling => "people smuggling",
        Category::IrregularMigration => "irregular movement",
        Category::DocumentFraud => "document fraud",
        Category::TraffickingInPersons => "trafficking in persons",
        Category::ImmigrationFraud => "immigration fraud",
        Category::CriminalDeportees => "criminal deportees",
        Category::ThirdCountryNationals => "third-country nationals",
        Category::OutlawMotorcycleGangs => "outlaw motorcycle gang members",
        Category::ForeignFighters => "foreign terrorist fighters",
        Category::CruiseShips => "cruise-ship movements",
        Category::BorderManagement => "border management",
    }
}

/// An intelligence report: strategic (trends), operational (areas of concern) or
/// tactical (organisers, specific movements).
pub fn intelligence_report<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let level = ctx.pick(ReportLevel::ALL);
    let category = ctx.pick(TREND_CATEGORIES);
    let words = category_words(category);
    let (route, environment) = ctx.route();
    let (nat_code, nat) = ctx.nationality();
    let (place, post) = ctx.post();
    let change = ctx.between(5, 80);
    let period = month_year(ctx.when.plus_days(-30));
    let (title, summary, body) = match level {
        ReportLevel::Strategic => (
            format!("Strategic assessment: {words} trends in the region, {period}"),
            format!("Detected {words} rose by {change}% year on year; {nat} nationals remain the largest group."),
            format!(
                "## Key judgements\n\n1. Detected {words} rose by about {change}% compared with the same period last \
                 year.\n2. {nat} nationals remain the largest group; the route {} is the most used.\n3. Capacity \
                 differences between members leave gaps that facilitators exploit.\n\n## Outlook (12 months)\n\n\
                 We assess it is **likely** that the trend continues while transit visa regimes stay unchanged.\n\n\
                 ## Intelligence gaps\n\n- Payment channels\n- Use of domestic flights after arrival\n",
                route_words(route)
            ),
        ),
        ReportLevel::Operational => (
            format!("Operational report: {words} through {place}"),
            format!(
                "Area of concern: {words} through {post}, mostly {nat} nationals travelling {}.",
                route_words(route)
            ),
            format!(
                "## Area of concern\n\n{place} ({post}) has seen repeated {words} involving {nat} nationals on the \
                 route {}.\n\n## Pattern\n\n| Indicator | Observation |\n|---|---|\n| Travel | one-way tickets \
                 bought in cash |\n| Timing | late-evening arrivals |\n| Documents | recently issued |\n\n\
                 ## Recommendations\n\n- Targeted profiling of the flights concerned\n- Joint debriefs with the \
                 airline security managers\n",
                route_words(route)
            ),
        ),
        ReportLevel::Tactical => (
            format!("Tactical report: organiser coordinating movements to {place}"),
            format!("An organiser is assessed to coordinate the movement of {nat} nationals via {post} within weeks."),
            format!(
                "## Subject of the report\n\nAn organiser based on the route {} is assessed to coordinate small groups \
                 of {nat} nationals arriving through {post}. Identities are held by the originating member and \
                 available on request under the applicable agreement.\n\n## Expected movement\n\n- Groups of 3–6 \
                 persons\n- Arrival within the next 4 weeks\n\n## Handling\n\nDo not approach; report sightings to the \
                 originator's 24/7 desk.\n",
                route_words(route)
            ),
        ),
    };
    let mut countries = route_countries(route);
    countries.extend(reporting(ctx.member));
    Text {
        title,
        summary,
        body,
        category,
        details: ItemDetails::IntelligenceReport { level },
        tags: vec![tag("report", level.as_str()), tag("nationality", nat_code)],
        countries,
        environment: Some(environment),
        valid_days: None,
    }
}

/// A threat assessment: the annual regional one (secretariats) or a member's register.
pub fn threat_assessment<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let year = month_year(ctx.when).rsplit(' ').next().unwrap_or_default().to_owned();
    let regional = ctx.member.posts.is_empty();
    let threats = [
        ("Maritime people smuggling from South Asia", "likely", "major", "high"),
        ("Impostor use of genuine Pacific passports", "almost certain", "moderate", "high"),
        ("Exploitation of visa-free entry for onward movement", "likely", "moderate", "medium"),
        ("Trafficking for labour exploitation on fishing vessels", "possible", "severe", "high"),
        ("Criminal deportees re-offending after return", "possible", "moderate", "medium"),
        ("Counterfeit visa foils", "unlikely", "minor", "low"),
    ];
    let mut rows = Vec::new();
    for (threat, likelihood, consequence, rating) in threats {
        if ctx.chance(0.75) {
            let quarter = ctx.between(1, 4);
            rows.push(format!("| {threat} | {likelihood} | {consequence} | **{rating}** | Q{quarter} |"));
        }
    }
    let (title, summary) = if regional {
        (
            format!("Regional threat assessment {year}"),
            format!("The annual {} assessment of immigration threats across the region.", ctx.member.adjective),
        )
    } else {
        let quarter = ctx.between(1, 4);
        (
            format!("{} register of threats and risks {year} Q{quarter}", ctx.member.name),
            format!("Quarterly update of {}'s threat and risk register.", ctx.member.name),
        )
    };
    let body = format!(
        "## Method\n\nThreats are rated by likelihood × consequence on the regional scale so that members can compare \
         them.\n\n## Register\n\n| Threat | Likelihood | Consequence | Rating | Next review |\n|---|---|---|---|---|\n\
         {}\n\n## Mitigation\n\n- Share document-fraud alerts within 24 hours of detection\n- Joint training on \
         impostor detection\n- Advance passenger information screening on high-risk routes\n",
        rows.join("\n")
    );
    Text {
        title,
        summary,
        body,
        category: Category::BorderManagement,
        details: ItemDetails::ThreatAssessment,
        tags: vec![tag("assessment", if regional { "regional" } else { "register" })],
        countries: reporting(ctx.member).into_iter().collect(),
        environment: None,
        valid_days: Some(365),
    }
}

/// The secretariat's bulletin: PIDC monthly, RSO bi-monthly.
pub fn bulletin<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let period = month_year(ctx.when.plus_days(-15));
    let pidc = ctx.member.code == "PIDCSEC";
    let title = if pidc {
        format!("PIDC Monthly Intelligence Bulletin — {period}")
    } else {
        format!("Bali Process RSO Information Bulletin — {period}")
    };
    let alerts = ctx.between(4, 30);
    let incidents = ctx.between(10, 120);
    let (route, _) = ctx.route();
    let body = format!(
        "## Highlights\n\n- {alerts} alerts published by members this period\n- {incidents} incidents recorded \
         (VRS-MSRC)\n- Most reported route: {}\n\n## Member news\n\nSeveral members completed training on document \
         examination; new focal points were accredited.\n\n## Upcoming\n\n- Regional workshop on advance passenger \
         information\n- Annual threat assessment consultation\n",
        route_words(route)
    );
    Text {
        title,
        summary: format!(
            "{alerts} alerts and {incidents} incidents from members; route {} most reported.",
            route_words(route)
        ),
        body,
        category: Category::IrregularMigration,
        details: ItemDetails::Bulletin,
        tags: vec![tag("bulletin", if pidc { "pidc-monthly" } else { "rso-bimonthly" })],
        countries: route_countries(route),
        environment: Some(BorderEnvironment::Air),
        valid_days: None,
    }
}
