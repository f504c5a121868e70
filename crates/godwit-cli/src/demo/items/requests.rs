//! Requests for information between members, their responses, and library
//! documents (MoU templates, model legislation, SOPs, training material).

use godwit_domain::item::{Category, ItemDetails};
use godwit_domain::member::MemberCode;
use rand::Rng;
use uuid::Uuid;

use super::text::{Ctx, Text, long_date, route_countries, route_words, tag};

const QUESTIONS: &[(&str, Category)] = &[
    ("verification of passports in series {series}", Category::DocumentFraud),
    ("travel history of a vessel reported near {place}", Category::PeopleSmuggling),
    ("recruitment agencies linked to labour-trafficking cases", Category::TraffickingInPersons),
    ("deportation of an offender with ties to {member}", Category::CriminalDeportees),
    ("sponsors of visa applications from {nationality} nationals", Category::ImmigrationFraud),
    ("crew changes of a cruise ship calling at {place}", Category::CruiseShips),
];

/// A request for information addressed to `addressee`, due within weeks.
pub fn request<R: Rng>(ctx: &mut Ctx<'_, R>, addressee: &'static crate::demo::region::MemberSpec) -> Text {
    let (question, category) = ctx.pick(QUESTIONS);
    let (place, _) = ctx.post();
    let (_, nat) = ctx.nationality();
    let series = format!("{}{}", (b'A' + ctx.between(0, 25) as u8) as char, ctx.between(1, 9));
    let question = question
        .replace("{series}", &series)
        .replace("{place}", place)
        .replace("{member}", addressee.name)
        .replace("{nationality}", nat);
    let due = ctx.when.plus_days(i64::from(ctx.between(7, 30)));
    let (route, environment) = ctx.route();
    Text {
        title: format!("RFI to {}: {question}", addressee.name),
        summary: format!(
            "{} asks {} about {question}; answer requested by {}.",
            ctx.member.name,
            addressee.name,
            long_date(due)
        ),
        body: format!(
            "## Request\n\n{} requests information on **{question}**.\n\n## Background\n\nThe request follows cases \
             on the route {} and is made under the agreement in force between the two members.\n\n## Needed by\n\n\
             {}\n",
            ctx.member.name,
            route_words(route),
            long_date(due)
        ),
        category,
        details: ItemDetails::RequestForInformation { addressee: MemberCode(addressee.code.to_owned()), due },
        tags: vec![tag("rfi", "request")],
        countries: route_countries(route),
        environment: Some(environment),
        valid_days: None,
    }
}

/// The addressee's answer to a request.
pub fn response<R: Rng>(ctx: &mut Ctx<'_, R>, request: Uuid, request_title: &str, category: Category) -> Text {
    let answer = ctx.pick(&[
        "The documents were checked against the issuing records: two are genuine, three were never issued.",
        "The vessel is registered locally; its movements over the last six months are attached.",
        "No record found in our systems; the request has been passed to the police liaison officer.",
        "The person was removed last year; conviction details can be shared under the MoU.",
    ]);
    Text {
        title: format!("Response: {}", request_title.trim_start_matches("RFI to ")),
        summary: answer.to_owned(),
        body: format!("## Answer\n\n{answer}\n\n## Handling\n\nThis answer is for the requesting member only.\n"),
        category,
        details: ItemDetails::RfiResponse { request },
        tags: vec![tag("rfi", "response")],
        countries: Vec::new(),
        environment: None,
        valid_days: None,
    }
}

const LIBRARY: &[(&str, &str, &str)] = &[
    (
        "mou_template",
        "Model bilateral MoU on immigration information sharing",
        "A template MoU covering categories, classification, personal data, the third-party rule and review.",
    ),
    (
        "sop",
        "SOP: handling document-fraud alerts at the primary line",
        "Steps from an alert hit to secondary examination, retention of the document and reporting.",
    ),
    (
        "training",
        "Training module: detecting impostors",
        "Facial comparison, questioning techniques and exercises for front-line officers.",
    ),
    (
        "model_legislation",
        "Model legislation: offences of people smuggling",
        "Model provisions consistent with the Smuggling of Migrants Protocol.",
    ),
    (
        "template",
        "Incident reporting template (VRS-MSRC)",
        "The fields of an incident record with guidance, for members keeping spreadsheets.",
    ),
    (
        "sop",
        "SOP: advance passenger information screening",
        "How to screen PAXLST manifests against alerts and watchlists and act on hits.",
    ),
    (
        "guide",
        "Guide to source grading (Admiralty, Europol 4×4, UK 3×5×2)",
        "How to grade sources and information so that readers can judge reliability.",
    ),
];

/// A library document, written at `when` by a secretariat, IOM or a member.
pub fn library<R: Rng>(ctx: &mut Ctx<'_, R>) -> Text {
    let (document_type, title, summary) = ctx.pick(LIBRARY);
    let revision = ctx.between(1, 4);
    let body = format!(
        "## Purpose\n\n{summary}\n\n## Contents\n\n1. Scope and definitions\n2. Responsibilities\n3. Procedure\n\
         4. Records and review\n\n## Revision\n\nRevision {revision}, issued {} by {}.\n",
        long_date(ctx.when),
        ctx.member.name
    );
    Text {
        title: format!("{title} (rev. {revision})"),
        summary: summary.to_owned(),
        body,
        category: Category::BorderManagement,
        details: ItemDetails::LibraryDocument { document_type: document_type.to_owned() },
        tags: vec![tag("library", document_type)],
        countries: Vec::new(),
        environment: None,
        valid_days: None,
    }
}
