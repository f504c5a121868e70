//! The incident part of the item form: the VRS-MSRC facts as text fields, rows
//! of persons by nationality, sex and age band, and rows of documents used.

use godwit_domain::incident::{
    AgeBand, DocumentType, DocumentUsed, Facilitators, Fee, Incident, Method, Outcome, PersonCount, Route, Sex,
    Transport,
};
use godwit_domain::item::FraudType;

use crate::web::forms::{FieldErrors, words};
use crate::web::item_form::{Choice, ItemFields, choices};

/// Rows of persons and of documents the form shows at least.
const PROFILE_ROWS: usize = 3;
const DOCUMENT_ROWS: usize = 2;

fn codes(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_uppercase).collect()
}

fn code(text: &str) -> Option<String> {
    Some(text.trim().to_uppercase()).filter(|c| !c.is_empty())
}

/// A whole number from a field, blank meaning `None`.
fn count<T: std::str::FromStr>(errors: &mut FieldErrors, field: &str, text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = text.parse().ok();
    if parsed.is_none() {
        errors.add(field, "must be a whole number, 0 or more");
    }
    parsed
}

/// A choice from a closed list, blank meaning `None`.
fn pick<T>(errors: &mut FieldErrors, field: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    if text.trim().is_empty() {
        return None;
    }
    let parsed = parse(text.trim());
    if parsed.is_none() {
        errors.add(field, &format!("{text} is not one of the choices"));
    }
    parsed
}

fn cell(values: &[String], i: usize) -> &str {
    values.get(i).map(String::as_str).unwrap_or_default()
}

impl ItemFields {
    /// Fills the incident fields from a record, for editing.
    pub fn fill_incident(&mut self, incident: &Incident) {
        self.occurred_on = incident.occurred_on.clone();
        self.place = incident.place.clone();
        self.border_post = incident.border_post.clone();
        self.persons = incident.persons.to_string();
        self.method = incident.method.clone();
        self.outcome = incident.outcome.clone();
        for group in &incident.profile {
            self.profile_nationality.push(group.nationality.clone());
            self.profile_sex.push(group.sex.as_str().into());
            self.profile_age.push(group.age_band.as_str().into());
            self.profile_count.push(group.count.to_string());
        }
        self.route_origin = incident.route.origin.clone().unwrap_or_default();
        self.route_transit = incident.route.transit.join(", ");
        self.route_destination = incident.route.destination.clone().unwrap_or_default();
        self.transport = incident.transport.map(|t| t.as_str().into()).unwrap_or_default();
        self.method_type = incident.method_type.map(|m| m.as_str().into()).unwrap_or_default();
        if let Some(fee) = &incident.fee {
            self.fee_amount = fee.amount.to_string();
            self.fee_currency = fee.currency.clone();
        }
        self.facilitator_count = incident.facilitators.count.to_string();
        self.facilitator_nationalities = incident.facilitators.nationalities.join(", ");
        for doc in &incident.documents {
            self.used_doc_type.push(doc.document_type.as_str().into());
            self.used_doc_state.push(doc.issuing_state.clone());
            self.used_doc_fraud.push(doc.fraud_type.map(|f| f.as_str().into()).unwrap_or_default());
        }
        self.outcome_type = incident.outcome_type.map(|o| o.as_str().into()).unwrap_or_default();
    }

    /// The record the form describes; problems go to `errors` by form field.
    /// Codes and dates are checked by the domain when the item is saved.
    pub fn incident(&self, errors: &mut FieldErrors) -> Incident {
        let mut profile = Vec::new();
        for i in 0..self.profile_nationality.len().max(self.profile_count.len()) {
            let (nationality, n) = (cell(&self.profile_nationality, i), cell(&self.profile_count, i));
            if nationality.trim().is_empty() && n.trim().is_empty() {
                continue;
            }
            let sex = pick(errors, "profile", cell(&self.profile_sex, i), Sex::parse).unwrap_or(Sex::Unknown);
            let age_band =
                pick(errors, "profile", cell(&self.profile_age, i), AgeBand::parse).unwrap_or(AgeBand::Unknown);
            let count = count(errors, "profile", n).unwrap_or(0);
            profile.push(PersonCount { nationality: code(nationality).unwrap_or_default(), sex, age_band, count });
        }
        let sum: u32 = profile.iter().map(|g| g.count).fold(0, u32::saturating_add);
        let persons = count(errors, "persons", &self.persons).unwrap_or(sum);
        let fee = match (count::<u64>(errors, "fee", &self.fee_amount), code(&self.fee_currency)) {
            (None, None) => None,
            (Some(amount), Some(currency)) => Some(Fee { amount, currency }),
            _ => {
                errors.add("fee", "give both the amount and the currency");
                None
            }
        };
        let mut documents = Vec::new();
        for i in 0..self.used_doc_type.len().max(self.used_doc_state.len()) {
            let (kind, state) = (cell(&self.used_doc_type, i), cell(&self.used_doc_state, i));
            if kind.trim().is_empty() && state.trim().is_empty() {
                continue;
            }
            let Some(document_type) = pick(errors, "documents", kind, DocumentType::parse) else {
                errors.add("documents", "choose the type of each document");
                continue;
            };
            let fraud_type = pick(errors, "documents", cell(&self.used_doc_fraud, i), FraudType::parse);
            documents.push(DocumentUsed { document_type, issuing_state: code(state).unwrap_or_default(), fraud_type });
        }
        let nationalities = codes(&self.facilitator_nationalities);
        Incident {
            occurred_on: self.occurred_on.trim().to_owned(),
            place: self.place.trim().to_owned(),
            border_post: self.border_post.trim().to_owned(),
            persons,
            profile,
            route: Route {
                origin: code(&self.route_origin),
                transit: codes(&self.route_transit),
                destination: code(&self.route_destination),
            },
            transport: pick(errors, "transport", &self.transport, Transport::parse),
            method_type: pick(errors, "method_type", &self.method_type, Method::parse),
            method: self.method.trim().to_owned(),
            fee,
            facilitators: Facilitators {
                count: count(errors, "facilitators", &self.facilitator_count).unwrap_or(nationalities.len() as u32),
                nationalities,
            },
            documents,
            outcome_type: pick(errors, "outcome_type", &self.outcome_type, Outcome::parse),
            outcome: self.outcome.trim().to_owned(),
            import_key: None,
        }
    }
}

/// The facts of a record as label and value, for the item page.
pub fn incident_facts(incident: &Incident) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Occurred on", incident.occurred_on.clone())];
    let mut text = |label: &'static str, value: String| {
        if !value.is_empty() {
            facts.push((label, value));
        }
    };
    text("Place", incident.place.clone());
    text("Border post", incident.border_post.clone());
    text("Persons", incident.persons.to_string());
    let profile: Vec<String> = incident
        .profile
        .iter()
        .map(|g| format!("{} {} {}, {}", g.count, g.nationality, g.sex, words(g.age_band.as_str()).to_lowercase()))
        .collect();
    text("Profile", profile.join("; "));
    let route: Vec<&str> = incident.route.legs().into_iter().map(|(_, code)| code).collect();
    text("Route", route.join(" → "));
    text("Transport", incident.transport.map(|t| words(t.as_str())).unwrap_or_default());
    text("Method", incident.method_type.map(|m| words(m.as_str())).unwrap_or_default());
    text("Method in words", incident.method.clone());
    text("Fee per person", incident.fee.as_ref().map(|f| format!("{} {}", f.currency, f.amount)).unwrap_or_default());
    if incident.facilitators.count > 0 {
        let f = &incident.facilitators;
        let of = if f.nationalities.is_empty() { String::new() } else { format!(" ({})", f.nationalities.join(", ")) };
        text("Facilitators", format!("{}{of}", f.count));
    }
    let documents: Vec<String> = incident
        .documents
        .iter()
        .map(|d| {
            let fraud = d.fraud_type.map(|f| format!(", {}", words(f.as_str()).to_lowercase())).unwrap_or_default();
            format!("{} of {}{fraud}", words(d.document_type.as_str()), d.issuing_state)
        })
        .collect();
    text("Documents used", documents.join("; "));
    text("Outcome", incident.outcome_type.map(|o| words(o.as_str())).unwrap_or_default());
    text("Outcome in words", incident.outcome.clone());
    facts
}

/// One row of persons on the form.
pub struct ProfileRow {
    pub nationality: String,
    pub count: String,
    pub sexes: Vec<Choice>,
    pub ages: Vec<Choice>,
}

/// One row of documents on the form.
pub struct DocumentRow {
    pub state: String,
    pub types: Vec<Choice>,
    pub frauds: Vec<Choice>,
}

/// The choices the incident part of the form shows.
pub struct IncidentChoices {
    pub profile: Vec<ProfileRow>,
    pub documents: Vec<DocumentRow>,
    pub transports: Vec<Choice>,
    pub methods: Vec<Choice>,
    pub outcomes: Vec<Choice>,
}

impl IncidentChoices {
    pub fn of(f: &ItemFields) -> Self {
        let rows = f.profile_nationality.len().max(PROFILE_ROWS);
        let profile = (0..rows)
            .map(|i| ProfileRow {
                nationality: cell(&f.profile_nationality, i).to_owned(),
                count: cell(&f.profile_count, i).to_owned(),
                sexes: choices(Sex::ALL, Sex::as_str, cell(&f.profile_sex, i)),
                ages: choices(AgeBand::ALL, AgeBand::as_str, cell(&f.profile_age, i)),
            })
            .collect();
        let rows = f.used_doc_type.len().max(DOCUMENT_ROWS);
        let documents = (0..rows)
            .map(|i| DocumentRow {
                state: cell(&f.used_doc_state, i).to_owned(),
                types: choices(DocumentType::ALL, DocumentType::as_str, cell(&f.used_doc_type, i)),
                frauds: choices(FraudType::ALL, FraudType::as_str, cell(&f.used_doc_fraud, i)),
            })
            .collect();
        IncidentChoices {
            profile,
            documents,
            transports: choices(Transport::ALL, Transport::as_str, &f.transport),
            methods: choices(Method::ALL, Method::as_str, &f.method_type),
            outcomes: choices(Outcome::ALL, Outcome::as_str, &f.outcome_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use godwit_domain::item::{ItemDetails, ItemKind};

    use super::*;

    fn incident_fields() -> ItemFields {
        ItemFields {
            title: "Three LKA nationals on counterfeit NZL passports".into(),
            category: "document_fraud".into(),
            occurred_on: "2026-11-20".into(),
            profile_nationality: vec!["lka".into(), "XXA".into(), String::new()],
            profile_sex: vec!["male".into(), "female".into(), String::new()],
            profile_age: vec!["18_34".into(), "under_18".into(), String::new()],
            profile_count: vec!["2".into(), "1".into(), String::new()],
            route_origin: "LKA".into(),
            route_transit: "sgp, MYS".into(),
            route_destination: "AUS".into(),
            transport: "commercial_flight".into(),
            method_type: "fraudulent_documents".into(),
            fee_amount: "4500".into(),
            fee_currency: "usd".into(),
            facilitator_nationalities: "IND".into(),
            used_doc_type: vec!["passport".into(), String::new()],
            used_doc_state: vec!["nzl".into(), String::new()],
            used_doc_fraud: vec!["counterfeit".into(), String::new()],
            outcome_type: "refused_entry".into(),
            ..ItemFields::blank(ItemKind::IncidentRecord)
        }
    }

    #[test]
    fn the_incident_fields_become_a_record_and_back() {
        let content = incident_fields().to_content(None).expect("valid");
        let ItemDetails::IncidentRecord(incident) = &content.details else { panic!("not an incident") };
        assert_eq!(incident.persons, 3, "persons default to the profile's sum");
        assert_eq!(incident.route.transit, ["SGP", "MYS"]);
        assert_eq!(incident.fee, Some(Fee { amount: 4500, currency: "USD".into() }));
        assert_eq!(incident.facilitators.count, 1);
        assert_eq!(incident.documents[0].issuing_state, "NZL");
        let mut again = ItemFields::blank(ItemKind::IncidentRecord);
        again.fill_incident(incident);
        let mut errors = FieldErrors::default();
        assert_eq!(again.incident(&mut errors), **incident);
        assert!(errors.is_empty());
    }

    #[test]
    fn bad_incident_fields_are_named() {
        let fields = ItemFields {
            persons: "-1".into(),
            fee_currency: String::new(),
            transport: "camel".into(),
            profile_count: vec!["two".into()],
            used_doc_type: vec![String::new(), String::new()],
            used_doc_state: vec!["NZL".into(), String::new()],
            ..incident_fields()
        };
        let errors = fields.to_content(None).expect_err("invalid");
        for field in ["persons", "fee", "transport", "profile", "documents"] {
            assert!(errors.get(field).is_some(), "no error for {field}: {:?}", errors.all());
        }
    }
}
