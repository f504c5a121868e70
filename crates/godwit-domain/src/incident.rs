//! Incident records in the shape of UNODC's VRS-MSRC: non-nominal facts about one
//! detected event of smuggling, trafficking, irregular movement, document fraud
//! or refusal of entry. The envelope of the item carries the category, the border
//! environment, the reporting member and the markings; this is the rest.

use serde::{Deserialize, Serialize};

use crate::ValidationErrors;
use crate::codes::{is_country, is_currency, is_nationality};
use crate::item::{FraudType, named_enum};

named_enum! {
    /// Sex as recorded at the border.
    Sex {
        Female = "female",
        Male = "male",
        Unknown = "unknown",
    }
}

named_enum! {
    /// Age bands of VRS-MSRC profiles.
    AgeBand {
        Minor = "under_18",
        Young = "18_34",
        Middle = "35_49",
        Older = "50_plus",
        Unknown = "unknown",
    }
}

named_enum! {
    /// Means of transport (taxonomy).
    Transport {
        CommercialFlight = "commercial_flight",
        PrivateAircraft = "private_aircraft",
        CargoShip = "cargo_ship",
        CruiseShip = "cruise_ship",
        FishingVessel = "fishing_vessel",
        Yacht = "yacht",
        SmallBoat = "small_boat",
        Truck = "truck",
        Car = "car",
        Bus = "bus",
        Train = "train",
        OnFoot = "on_foot",
        Other = "other",
    }
}

named_enum! {
    /// How the crossing was attempted (taxonomy).
    Method {
        FraudulentDocuments = "fraudulent_documents",
        Impostor = "impostor",
        Concealment = "concealment",
        ClandestineLanding = "clandestine_landing",
        UnguardedCrossing = "unguarded_crossing",
        VisaMisuse = "visa_misuse",
        Overstay = "overstay",
        TransitAbuse = "transit_abuse",
        Corruption = "corruption",
        Other = "other",
    }
}

named_enum! {
    /// What happened to the persons detected.
    Outcome {
        RefusedEntry = "refused_entry",
        Detained = "detained",
        Removed = "removed",
        ReferredToProtection = "referred_to_protection",
        ReferredToVictimSupport = "referred_to_victim_support",
        Prosecuted = "prosecuted",
        Released = "released",
        Other = "other",
    }
}

named_enum! {
    /// The kind of document used.
    DocumentType {
        Passport = "passport",
        Visa = "visa",
        IdentityCard = "identity_card",
        ResidencePermit = "residence_permit",
        TravelDocument = "travel_document",
        SeafarerDocument = "seafarer_document",
        Other = "other",
    }
}

named_enum! {
    /// What incident counts can be grouped by in analysis. Route countries,
    /// nationalities and documents are several per record: a record counts once
    /// under each value it has (see docs/analysis.md).
    Dimension {
        Category = "category",
        Member = "member",
        Origin = "origin",
        Transit = "transit",
        Destination = "destination",
        Nationality = "nationality",
        Environment = "environment",
        Method = "method",
        Transport = "transport",
        DocumentType = "document_type",
        FraudType = "fraud_type",
        Outcome = "outcome",
    }
}

/// How many persons of one nationality, sex and age band were detected.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonCount {
    /// ISO 3166-1 alpha-3, or `XXA`/`XXB`/`XXC`/`XXX` (stateless, refugee, unspecified).
    pub nationality: String,
    #[serde(default = "unknown_sex")]
    pub sex: Sex,
    #[serde(default = "unknown_age")]
    pub age_band: AgeBand,
    pub count: u32,
}

fn unknown_sex() -> Sex {
    Sex::Unknown
}

fn unknown_age() -> AgeBand {
    AgeBand::Unknown
}

/// Origin, transit points in order, and intended destination (ISO alpha-3).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Route {
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub transit: Vec<String>,
    #[serde(default)]
    pub destination: Option<String>,
}

impl Route {
    /// The legs in travel order with their role, for tables and flows.
    pub fn legs(&self) -> Vec<(&'static str, &str)> {
        let mut legs: Vec<(&'static str, &str)> = Vec::new();
        legs.extend(self.origin.as_deref().map(|c| ("origin", c)));
        legs.extend(self.transit.iter().map(|c| ("transit", c.as_str())));
        legs.extend(self.destination.as_deref().map(|c| ("destination", c)));
        legs
    }

    pub fn is_empty(&self) -> bool {
        self.origin.is_none() && self.transit.is_empty() && self.destination.is_none()
    }
}

/// Fees paid per person, in whole units of an ISO 4217 currency.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub amount: u64,
    pub currency: String,
}

/// The facilitators (smugglers, traffickers) detected.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facilitators {
    #[serde(default)]
    pub count: u32,
    /// ISO 3166-1 alpha-3 codes.
    #[serde(default)]
    pub nationalities: Vec<String>,
}

/// A document used in the event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentUsed {
    pub document_type: DocumentType,
    /// ISO 3166-1 alpha-3 code of the issuing state.
    pub issuing_state: String,
    #[serde(default)]
    pub fraud_type: Option<FraudType>,
}

/// The facts of one incident. Every field but the date may be unknown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Incident {
    /// Date of the event, `YYYY-MM-DD`; not in the future.
    pub occurred_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub border_post: String,
    /// Persons detected; equals the sum of `profile` when a profile is given.
    #[serde(default)]
    pub persons: u32,
    /// Persons by nationality, sex and age band.
    #[serde(default)]
    pub profile: Vec<PersonCount>,
    #[serde(default)]
    pub route: Route,
    #[serde(default)]
    pub transport: Option<Transport>,
    #[serde(default)]
    pub method_type: Option<Method>,
    /// The method in the reporter's words.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub fee: Option<Fee>,
    #[serde(default)]
    pub facilitators: Facilitators,
    #[serde(default)]
    pub documents: Vec<DocumentUsed>,
    #[serde(default)]
    pub outcome_type: Option<Outcome>,
    /// The outcome in the reporter's words.
    #[serde(default)]
    pub outcome: String,
    /// Identifies the spreadsheet row an imported record came from, so that
    /// importing the same sheet again changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_key: Option<String>,
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl Incident {
    /// Checks the facts, naming each bad field under `details/`. `today` is the
    /// reporter's date: an event cannot have happened after it.
    pub fn validate(&self, today: time::Date, errors: &mut ValidationErrors) {
        match parse_iso_date(&self.occurred_on) {
            None => errors.push("details/occurred_on", "must be a date YYYY-MM-DD"),
            Some(date) if date > today => errors.push("details/occurred_on", "must not be in the future"),
            Some(_) => {}
        }
        for (i, group) in self.profile.iter().enumerate() {
            if !is_nationality(&group.nationality) {
                errors.push(format!("details/profile/{i}/nationality"), "is not an ISO 3166-1 alpha-3 nationality");
            }
            if group.count == 0 {
                errors.push(format!("details/profile/{i}/count"), "must be at least 1");
            }
        }
        if !self.profile.is_empty() {
            let total: u64 = self.profile.iter().map(|g| u64::from(g.count)).sum();
            if total != u64::from(self.persons) {
                errors.push("details/persons", format!("must equal the persons of the profile ({total})"));
            }
        }
        let countries = self.route.origin.iter().map(|c| ("details/route/origin".to_owned(), c));
        let transit = self.route.transit.iter().enumerate().map(|(i, c)| (format!("details/route/transit/{i}"), c));
        let destination = self.route.destination.iter().map(|c| ("details/route/destination".to_owned(), c));
        let facilitators = self
            .facilitators
            .nationalities
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("details/facilitators/nationalities/{i}"), c));
        let issuing = self
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("details/documents/{i}/issuing_state"), &d.issuing_state));
        for (field, code) in countries.chain(transit).chain(destination).chain(facilitators).chain(issuing) {
            if !is_country(code) {
                errors.push(field, "is not an ISO 3166-1 alpha-3 country code");
            }
        }
        if let Some(fee) = &self.fee
            && !is_currency(&fee.currency)
        {
            errors.push("details/fee/currency", "is not an ISO 4217 currency code");
        }
        if self.facilitators.nationalities.len() > self.facilitators.count as usize {
            errors.push("details/facilitators/count", "must be at least the number of nationalities given");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 11 - 23)
    }

    pub(crate) fn sample() -> Incident {
        Incident {
            occurred_on: "2026-11-20".into(),
            place: "Nadi".into(),
            border_post: "Nadi International Airport".into(),
            persons: 3,
            profile: vec![
                PersonCount { nationality: "LKA".into(), sex: Sex::Male, age_band: AgeBand::Young, count: 2 },
                PersonCount { nationality: "XXA".into(), sex: Sex::Female, age_band: AgeBand::Minor, count: 1 },
            ],
            route: Route { origin: Some("LKA".into()), transit: vec!["SGP".into()], destination: Some("AUS".into()) },
            transport: Some(Transport::CommercialFlight),
            method_type: Some(Method::FraudulentDocuments),
            method: "boarded on counterfeit passports".into(),
            fee: Some(Fee { amount: 4_500, currency: "USD".into() }),
            facilitators: Facilitators { count: 1, nationalities: vec!["IND".into()] },
            documents: vec![DocumentUsed {
                document_type: DocumentType::Passport,
                issuing_state: "NZL".into(),
                fraud_type: Some(FraudType::Counterfeit),
            }],
            outcome_type: Some(Outcome::RefusedEntry),
            outcome: String::new(),
            import_key: None,
        }
    }

    fn fields(incident: &Incident) -> Vec<String> {
        let mut errors = ValidationErrors::default();
        incident.validate(today(), &mut errors);
        errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_record_is_valid() {
        assert!(fields(&sample()).is_empty());
        assert!(fields(&Incident { occurred_on: "2026-11-23".into(), ..Default::default() }).is_empty());
    }

    #[test]
    fn every_bad_fact_is_named() {
        let mut bad = sample();
        bad.occurred_on = "2026-11-24".into();
        bad.profile[0].nationality = "SRI".into();
        bad.profile[1].count = 0;
        bad.route.transit.push("sg".into());
        bad.fee = Some(Fee { amount: 1, currency: "DOLLAR".into() });
        bad.facilitators = Facilitators { count: 0, nationalities: vec!["QQQ".into()] };
        bad.documents[0].issuing_state = "D".into();
        assert_eq!(
            fields(&bad),
            [
                "details/occurred_on",
                "details/profile/0/nationality",
                "details/profile/1/count",
                "details/persons",
                "details/route/transit/1",
                "details/facilitators/nationalities/0",
                "details/documents/0/issuing_state",
                "details/fee/currency",
                "details/facilitators/count",
            ]
        );
        assert_eq!(
            fields(&Incident { occurred_on: "20/11/2026".into(), ..Default::default() }),
            ["details/occurred_on"]
        );
    }

    #[test]
    fn records_written_before_the_full_fields_still_read() {
        let old = r#"{"occurred_on":"2026-01-02","place":"Apia","border_post":"Faleolo","persons":4,"method":"yacht","outcome":"removed"}"#;
        let incident: Incident = serde_json::from_str(old).expect("old record");
        assert_eq!(incident.persons, 4);
        assert!(incident.route.is_empty() && incident.profile.is_empty());
    }

    #[test]
    fn route_legs_keep_travel_order() {
        assert_eq!(sample().route.legs(), [("origin", "LKA"), ("transit", "SGP"), ("destination", "AUS")]);
    }
}
