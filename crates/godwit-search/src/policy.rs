//! The access policy pushed down into the search query. SECURITY-CRITICAL.
//!
//! [`filter`] translates `godwit_domain::policy::decide` into a tantivy query
//! over the envelope fields of the index for one subject at one moment, clause
//! for clause as `godwit_store::visibility::condition` does for SQL. The
//! differential test in `tests/search/policy.rs` proves it matches exactly the
//! items `decide` allows; every hit is also re-checked with `decide` on the item
//! loaded from the store before it leaves [`crate::SearchIndex::search`], so this
//! filter is only ever an optimisation.

use std::ops::Bound;

use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::user::{Role, Subject};
use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::schema::Fields;

type Q = Box<dyn Query>;

fn term(field: Field, value: &str) -> Q {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

fn any_of<'a>(field: Field, values: impl IntoIterator<Item = &'a str>) -> Q {
    let terms: Vec<Term> = values.into_iter().map(|v| Term::from_field_text(field, v)).collect();
    if terms.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(TermSetQuery::new(terms))
}

fn states(fields: &Fields, states: &[ItemState]) -> Q {
    any_of(fields.state, states.iter().map(|s| s.as_str()))
}

/// Classification at most `max`.
fn classification_at_most(fields: &Fields, max: Classification) -> Q {
    Box::new(TermSetQuery::new((0..=max.0).map(|c| Term::from_field_u64(fields.classification, u64::from(c)))))
}

fn all(clauses: Vec<Q>) -> Q {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Must, q)).collect()))
}

fn any(clauses: Vec<Q>) -> Q {
    match clauses.len() {
        0 => Box::new(EmptyQuery),
        _ => Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect())),
    }
}

fn not(clause: Q) -> Q {
    Box::new(BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery)), (Occur::MustNot, clause)]))
}

/// Everything [`filter`] reads, as an exact key for caching its result: the
/// subject's policy inputs and the agreements in force that include its
/// member. `None` when the filter depends on the clock itself (front-line
/// officers' validity test) or matches nothing.
pub fn cache_key(subject: &Subject, agreements: &[Agreement], now: Timestamp) -> Option<String> {
    if !subject.reads_content() || subject.front_line_only() {
        return None;
    }
    let in_force: Vec<_> = agreements
        .iter()
        .filter(|a| a.in_force(now) && a.parties.contains(&subject.member))
        .map(|a| (&a.parties, &a.categories, a.max_classification, a.personal_data))
        .collect();
    Some(format!("{subject:?}|{in_force:?}"))
}

/// The query that matches exactly the items `decide` allows `subject` at `now`.
pub fn filter(fields: &Fields, subject: &Subject, agreements: &[Agreement], now: Timestamp) -> Box<dyn Query> {
    if !subject.reads_content() {
        return Box::new(EmptyQuery);
    }
    let member = subject.member.as_str();
    let mut required = vec![classification_at_most(fields, subject.clearance)];

    if subject.front_line_only() {
        required.push(term(fields.kind, ItemKind::Alert.as_str()));
        required.push(term(fields.state, ItemState::Published.as_str()));
        required.push(Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(fields.valid_from, now.0)),
        )));
        required.push(Box::new(RangeQuery::new(
            Bound::Excluded(Term::from_field_i64(fields.valid_until, now.0)),
            Bound::Unbounded,
        )));
    }

    let home = term(fields.originator_member, member);
    let mut own_member = vec![term(fields.author, &subject.user.to_string())];
    if subject.has(Role::AuthorisingOfficer) {
        own_member.push(states(fields, &[ItemState::Submitted]));
    }
    let organisation = subject.organisation.to_string();
    own_member.push(all(vec![
        states(fields, &[ItemState::Published, ItemState::Superseded, ItemState::Withdrawn]),
        any(vec![
            term(fields.originator_org, &organisation),
            term(fields.release_orgs, &organisation),
            term(fields.release_members, member),
        ]),
    ]));

    let mut released = vec![term(fields.release_members, member)];
    if !subject.member_groups.is_empty() {
        released.push(all(vec![
            not(term(fields.tlp, Tlp::Red.as_str())),
            any_of(fields.release_groups, subject.member_groups.iter().map(String::as_str)),
        ]));
    }

    let mut covered =
        vec![all(vec![classification_at_most(fields, Classification::LOWEST), term(fields.tlp, Tlp::Clear.as_str())])];
    for agreement in agreements.iter().filter(|a| a.in_force(now) && a.parties.contains(&subject.member)) {
        let partners = agreement.parties.iter().filter(|p| **p != subject.member).map(|p| p.as_str());
        let mut clause = vec![
            any_of(fields.originator_member, partners),
            any_of(fields.category, agreement.categories.iter().map(|c| c.as_str())),
            classification_at_most(fields, agreement.max_classification),
        ];
        if !agreement.personal_data {
            clause.push(term(fields.personal_data, "no"));
        }
        covered.push(all(clause));
    }

    let foreign = all(vec![
        not(term(fields.originator_member, member)),
        states(fields, &[ItemState::Published, ItemState::Superseded]),
        any(covered),
        any(released),
    ]);

    required.push(any(vec![all(vec![home, any(own_member)]), foreign]));
    all(required)
}
