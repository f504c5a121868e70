//! Collection templates: the priority data sets of seed 003 (criminal deportees,
//! third-country nationals, outlaw motorcycle gangs, foreign fighters, cruise
//! ships, immigration crime types, immigration fraud, people smuggling, human
//! trafficking) as field definitions with types and allowed values. Godwit ships
//! one of each; a member copies one and adapts it (labels, which fields are
//! required, fewer allowed values, fields of its own).
//!
//! A field either fills a fact of the incident record (its [`Target`]) or, with
//! no target, is kept in the record's body as a table of further facts.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ValidationErrors;
use crate::incident::{AgeBand, DocumentType, Method, Outcome, Sex, Transport};
use crate::item::{BorderEnvironment, Category, FraudType, named_enum};

named_enum! {
    /// The type of a field's values.
    FieldType {
        Text = "text",
        /// A whole number, 0 or more.
        Integer = "integer",
        /// A day: `YYYY-MM-DD`, `DD/MM/YYYY`, `DD.MM.YYYY` or an Excel date serial.
        Date = "date",
        /// An ISO 3166-1 alpha-3 country code.
        Country = "country",
        /// Country codes separated by commas, semicolons or slashes.
        Countries = "countries",
        /// A country code or a no-nationality code (`XXA`…).
        Nationality = "nationality",
        /// An ISO 4217 currency code.
        Currency = "currency",
        /// One of the field's allowed values.
        Choice = "choice",
    }
}

named_enum! {
    /// The fact of an incident record a field fills.
    Target {
        Title = "title",
        Notes = "notes",
        OccurredOn = "occurred_on",
        Place = "place",
        BorderPost = "border_post",
        Environment = "environment",
        Persons = "persons",
        Nationality = "nationality",
        Sex = "sex",
        AgeBand = "age_band",
        Origin = "origin",
        Transit = "transit",
        Destination = "destination",
        Transport = "transport",
        MethodType = "method_type",
        Method = "method",
        FeeAmount = "fee_amount",
        FeeCurrency = "fee_currency",
        FacilitatorCount = "facilitator_count",
        FacilitatorNationalities = "facilitator_nationalities",
        DocumentType = "document_type",
        IssuingState = "issuing_state",
        FraudType = "fraud_type",
        OutcomeType = "outcome_type",
        Outcome = "outcome",
    }
}

impl Target {
    /// The type a field filling this fact has.
    pub fn field_type(self) -> FieldType {
        use Target as T;
        match self {
            T::Title | T::Notes | T::Place | T::BorderPost | T::Method | T::Outcome => FieldType::Text,
            T::OccurredOn => FieldType::Date,
            T::Persons | T::FeeAmount | T::FacilitatorCount => FieldType::Integer,
            T::Nationality => FieldType::Nationality,
            T::Origin | T::Destination | T::IssuingState => FieldType::Country,
            T::Transit | T::FacilitatorNationalities => FieldType::Countries,
            T::FeeCurrency => FieldType::Currency,
            T::Environment
            | T::Sex
            | T::AgeBand
            | T::Transport
            | T::MethodType
            | T::DocumentType
            | T::FraudType
            | T::OutcomeType => FieldType::Choice,
        }
    }

    /// The values a choice of this fact may take (the domain's taxonomy).
    pub fn choices(self) -> Vec<&'static str> {
        fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| name(*v)).collect()
        }
        match self {
            Target::Environment => names(BorderEnvironment::ALL, BorderEnvironment::as_str),
            Target::Sex => names(Sex::ALL, Sex::as_str),
            Target::AgeBand => names(AgeBand::ALL, AgeBand::as_str),
            Target::Transport => names(Transport::ALL, Transport::as_str),
            Target::MethodType => names(Method::ALL, Method::as_str),
            Target::DocumentType => names(DocumentType::ALL, DocumentType::as_str),
            Target::FraudType => names(FraudType::ALL, FraudType::as_str),
            Target::OutcomeType => names(Outcome::ALL, Outcome::as_str),
            _ => Vec::new(),
        }
    }
}

/// One column of a data set.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Stable name, lower-case with underscores; also matched against sheet headers.
    pub key: String,
    /// What people call it; matched against sheet headers too.
    pub label: String,
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// For choices: the allowed values.
    #[serde(default)]
    pub allowed: Vec<String>,
    #[serde(default)]
    pub target: Option<Target>,
}

/// A data set's fields, for a form or a sheet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionTemplate {
    /// Lower-case with underscores; a member's copy keeps or changes it.
    pub code: String,
    pub name: String,
    /// The category its records take (what agreements cover).
    pub category: Category,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<FieldDef>,
}

pub const MAX_FIELDS: usize = 80;

fn is_key(text: &str) -> bool {
    (1..=60).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
}

impl CollectionTemplate {
    /// Checks a template as a member adapted it, naming each bad field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !is_key(&self.code) {
            errors.push("code", "must be lower-case letters, digits and underscores");
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            errors.push("name", "must be 1 to 200 characters");
        }
        if self.fields.len() > MAX_FIELDS {
            errors.push("fields", format!("at most {MAX_FIELDS} fields"));
        }
        let mut keys = BTreeSet::new();
        let mut targets = BTreeSet::new();
        for (i, field) in self.fields.iter().enumerate() {
            let at = |what: &str| format!("fields/{i}/{what}");
            if !is_key(&field.key) {
                errors.push(at("key"), "must be lower-case letters, digits and underscores");
            } else if !keys.insert(field.key.as_str()) {
                errors.push(at("key"), "is used by another field");
            }
            if field.label.trim().is_empty() || field.label.chars().count() > 120 {
                errors.push(at("label"), "must be 1 to 120 characters");
            }
            if field.field_type == FieldType::Choice && field.allowed.is_empty() {
                errors.push(at("allowed"), "a choice needs its allowed values");
            }
            if field.field_type != FieldType::Choice && !field.allowed.is_empty() {
                errors.push(at("allowed"), "only a choice has allowed values");
            }
            if let Some(target) = field.target {
                if !targets.insert(target) {
                    errors.push(at("target"), "is filled by another field");
                }
                if target.field_type() != field.field_type {
                    errors.push(at("field_type"), format!("must be {} to fill {}", target.field_type(), target));
                }
                let choices = target.choices();
                if let Some(bad) = field.allowed.iter().find(|v| !choices.contains(&v.as_str())) {
                    errors.push(at("allowed"), format!("{bad} is not one of {}", choices.join(", ")));
                }
            }
        }
        if !targets.contains(&Target::OccurredOn) {
            errors.push("fields", "a field must give the date of the event (target occurred_on)");
        }
        errors.into_result()
    }

    /// The field a sheet header names: its key or its label, ignoring case,
    /// spaces, underscores and punctuation.
    pub fn field_for_header(&self, header: &str) -> Option<usize> {
        let wanted = fold(header);
        self.fields.iter().position(|f| fold(&f.key) == wanted || fold(&f.label) == wanted)
    }

    /// The built-in template with this code.
    pub fn builtin(code: &str) -> Option<CollectionTemplate> {
        builtins().into_iter().find(|t| t.code == code)
    }
}

/// Lower-case letters and digits only, for comparing headers.
pub fn fold(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn field(key: &str, label: &str, target: Option<Target>, field_type: FieldType) -> FieldDef {
    let allowed = target.map(|t| t.choices().into_iter().map(str::to_owned).collect()).unwrap_or_default();
    FieldDef { key: key.into(), label: label.into(), field_type, required: false, allowed, target }
}

fn fact(key: &str, label: &str, target: Target) -> FieldDef {
    field(key, label, Some(target), target.field_type())
}

fn own(key: &str, label: &str, field_type: FieldType) -> FieldDef {
    field(key, label, None, field_type)
}

fn choice(key: &str, label: &str, allowed: &[&str]) -> FieldDef {
    FieldDef { allowed: allowed.iter().map(|v| (*v).to_owned()).collect(), ..own(key, label, FieldType::Choice) }
}

fn required(mut f: FieldDef) -> FieldDef {
    f.required = true;
    f
}

/// The fields every data set starts with: when, where, who.
fn core() -> Vec<FieldDef> {
    vec![
        required(fact("date", "Date", Target::OccurredOn)),
        fact("place", "Place", Target::Place),
        fact("border_post", "Border post", Target::BorderPost),
        fact("environment", "Environment", Target::Environment),
        fact("persons", "Persons", Target::Persons),
        fact("nationality", "Nationality", Target::Nationality),
        fact("sex", "Sex", Target::Sex),
        fact("age_band", "Age band", Target::AgeBand),
    ]
}

/// The route and how it was travelled.
fn route() -> Vec<FieldDef> {
    vec![
        fact("origin", "Origin", Target::Origin),
        fact("transit", "Transit", Target::Transit),
        fact("destination", "Destination", Target::Destination),
        fact("transport", "Transport", Target::Transport),
        fact("method_type", "Method", Target::MethodType),
        fact("method", "Method details", Target::Method),
    ]
}

fn documents() -> Vec<FieldDef> {
    vec![
        fact("document_type", "Document type", Target::DocumentType),
        fact("issuing_state", "Issuing state", Target::IssuingState),
        fact("fraud_type", "Fraud type", Target::FraudType),
    ]
}

fn facilitation() -> Vec<FieldDef> {
    vec![
        fact("fee_amount", "Fee", Target::FeeAmount),
        fact("fee_currency", "Currency", Target::FeeCurrency),
        fact("facilitators", "Facilitators", Target::FacilitatorCount),
        fact("facilitator_nationalities", "Facilitator nationalities", Target::FacilitatorNationalities),
    ]
}

fn closing() -> Vec<FieldDef> {
    vec![
        fact("outcome_type", "Outcome", Target::OutcomeType),
        fact("outcome", "Outcome details", Target::Outcome),
        fact("notes", "Notes", Target::Notes),
    ]
}

fn template(
    code: &str,
    name: &str,
    category: Category,
    description: &str,
    parts: Vec<Vec<FieldDef>>,
) -> CollectionTemplate {
    CollectionTemplate {
        code: code.into(),
        name: name.into(),
        category,
        description: description.into(),
        fields: parts.into_iter().flatten().collect(),
    }
}

/// The templates Godwit ships, one per priority data set.
pub fn builtins() -> Vec<CollectionTemplate> {
    use Category as C;
    vec![
        template(
            "people_smuggling",
            "People smuggling",
            C::PeopleSmuggling,
            "Detected smuggling events: persons, route, method, fees and facilitators (VRS-MSRC).",
            vec![core(), route(), facilitation(), documents(), closing()],
        ),
        template(
            "human_trafficking",
            "Human trafficking",
            C::TraffickingInPersons,
            "Identified or suspected victims of trafficking and how they were moved.",
            vec![
                core(),
                route(),
                vec![choice(
                    "exploitation",
                    "Form of exploitation",
                    &["labour", "sexual", "domestic_servitude", "forced_marriage", "organ_removal", "other"],
                )],
                facilitation(),
                closing(),
            ],
        ),
        template(
            "immigration_fraud",
            "Immigration fraud",
            C::ImmigrationFraud,
            "Fraudulent documents and applications detected at the border or in visa caseloads.",
            vec![
                core(),
                documents(),
                vec![choice(
                    "detected_at",
                    "Detected at",
                    &["primary_line", "secondary_examination", "visa_application", "airline_check_in", "inland"],
                )],
                route(),
                closing(),
            ],
        ),
        template(
            "criminal_deportees",
            "Criminal deportees",
            C::CriminalDeportees,
            "Nationals returned after a criminal conviction abroad.",
            vec![
                core(),
                vec![
                    fact("deported_from", "Deported from", Target::Origin),
                    choice(
                        "offence",
                        "Offence",
                        &["drugs", "violence", "sexual", "property", "fraud", "organised_crime", "other"],
                    ),
                    own("sentence_months", "Sentence (months)", FieldType::Integer),
                    choice("risk", "Assessed risk", &["low", "medium", "high"]),
                ],
                closing(),
            ],
        ),
        template(
            "third_country_nationals",
            "Third-country nationals",
            C::ThirdCountryNationals,
            "Nationals of third countries detected in transit or irregular stay.",
            vec![core(), route(), vec![own("visa_held", "Visa held", FieldType::Text)], documents(), closing()],
        ),
        template(
            "outlaw_motorcycle_gangs",
            "Outlaw motorcycle gangs",
            C::OutlawMotorcycleGangs,
            "Travel of members and associates of outlaw motorcycle gangs.",
            vec![
                core(),
                vec![
                    own("gang", "Gang", FieldType::Text),
                    own("chapter_country", "Chapter country", FieldType::Country),
                    choice("role", "Role", &["member", "prospect", "associate", "office_bearer"]),
                ],
                route(),
                closing(),
            ],
        ),
        template(
            "foreign_fighters",
            "Foreign fighters",
            C::ForeignFighters,
            "Travel to or from conflict zones by suspected foreign terrorist fighters.",
            vec![
                core(),
                route(),
                vec![
                    own("conflict_zone", "Conflict zone", FieldType::Countries),
                    choice("direction", "Direction", &["outbound", "returning", "relocating"]),
                ],
                documents(),
                closing(),
            ],
        ),
        template(
            "cruise_ships",
            "Cruise ships",
            C::CruiseShips,
            "Incidents on cruise ship visits: absconders, refusals, crew matters.",
            vec![
                core(),
                vec![
                    own("ship", "Ship", FieldType::Text),
                    own("flag_state", "Flag state", FieldType::Country),
                    fact("last_port_country", "Last port country", Target::Origin),
                    choice("person_type", "Passenger or crew", &["passenger", "crew"]),
                    choice("event", "Event", &["absconded", "refused_landing", "medical", "stowaway", "other"]),
                ],
                closing(),
            ],
        ),
        template(
            "immigration_crime_types",
            "Immigration crime types",
            C::BorderManagement,
            "Offences against immigration law by type, for monthly returns.",
            vec![
                core(),
                vec![choice(
                    "crime_type",
                    "Crime type",
                    &["overstay", "illegal_work", "harbouring", "false_declaration", "document_offence", "other"],
                )],
                vec![fact("method_type", "Method", Target::MethodType)],
                closing(),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_is_valid_and_has_a_unique_code() {
        let all = builtins();
        assert_eq!(all.len(), 9);
        let codes: BTreeSet<&str> = all.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(codes.len(), all.len());
        for t in &all {
            assert_eq!(t.validate(), Ok(()), "{}", t.code);
        }
    }

    #[test]
    fn an_adapted_template_is_checked() {
        let mut t = CollectionTemplate::builtin("people_smuggling").expect("built in");
        t.code = "Smuggling 2026".into();
        t.fields[1].key = "date".into();
        t.fields[3].allowed = vec!["air".into(), "hovercraft".into()];
        t.fields[4].field_type = FieldType::Text;
        t.fields.push(own("vessel", "Vessel", FieldType::Choice));
        t.fields.retain(|f| f.target != Some(Target::OccurredOn));
        let errors = t.validate().expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["code", "fields/2/allowed", "fields/3/field_type", "fields/23/allowed", "fields"],
            "{errors}"
        );
    }

    #[test]
    fn headers_match_keys_and_labels_loosely() {
        let t = CollectionTemplate::builtin("people_smuggling").expect("built in");
        assert_eq!(t.field_for_header("Border Post"), Some(2));
        assert_eq!(t.field_for_header(" border_post "), Some(2));
        assert_eq!(t.field_for_header("DATE"), Some(0));
        assert_eq!(t.field_for_header("Vessel name"), None);
    }
}
