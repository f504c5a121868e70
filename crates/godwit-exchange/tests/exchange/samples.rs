//! Realistic items of every kind that carries something STIX can say, and the
//! directory that names their authors.

use std::collections::BTreeMap;

use godwit_domain::Timestamp;
use godwit_domain::grading::{GradingScheme, SourceGrading};
use godwit_domain::incident::{
    AgeBand, DocumentType, DocumentUsed, Facilitators, Fee, Incident, Method, Outcome, PersonCount, Route, Sex,
    Transport,
};
use godwit_domain::item::{
    AlertType, AlertedDocument, BorderEnvironment, Category, CountryRef, CountryRole, FraudType, Item, ItemContent,
    ItemDetails, ItemState, NumberRange, Releasability, ReportLevel,
};
use godwit_domain::marking::{Caveats, Classification, ClassificationScale, Tlp};
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberKind, Organisation};
use godwit_exchange::stix::{Directory, Lineage};
use uuid::Uuid;

/// After every sample was written: 2026-11-24.
pub const NOW: Timestamp = Timestamp(1_795_478_400_000);
const DAY: i64 = 86_400_000;

pub fn fji() -> MemberCode {
    MemberCode("FJI".into())
}

pub fn org() -> Uuid {
    Uuid::from_u128(0xf1)
}

pub struct World {
    pub scale: ClassificationScale,
    pub members: Vec<Member>,
    pub organisations: Vec<Organisation>,
    pub lineages: BTreeMap<Uuid, Lineage>,
}

impl World {
    pub fn new() -> World {
        World {
            scale: ClassificationScale::default(),
            members: vec![Member { code: fji(), name: "Fiji".into(), kind: MemberKind::State }],
            organisations: vec![Organisation {
                id: org(),
                member: fji(),
                name: "Fiji Immigration Department".into(),
                agency: AgencyKind::Immigration,
            }],
            lineages: BTreeMap::new(),
        }
    }

    pub fn directory(&self) -> Directory<'_> {
        Directory {
            scale: &self.scale,
            members: &self.members,
            organisations: &self.organisations,
            lineages: &self.lineages,
        }
    }
}

pub fn content(title: &str, category: Category, details: ItemDetails) -> ItemContent {
    ItemContent {
        title: title.into(),
        summary: String::new(),
        body: String::new(),
        category,
        details,
        classification: Classification(0),
        tlp: Tlp::Green,
        caveats: Caveats::default(),
        release: Releasability::default(),
        grading: None,
        tags: Vec::new(),
        countries: Vec::new(),
        environment: None,
        valid_from: None,
        valid_until: None,
    }
}

/// A published item `n` of FJI's immigration department.
pub fn published(n: u128, content: ItemContent) -> Item {
    let written = Timestamp(NOW.0 - 10 * DAY);
    let mut item = Item::first_draft(Uuid::from_u128(n), fji(), org(), Uuid::from_u128(0xa0), content, written);
    item.state = ItemState::Published;
    item.updated_at = Timestamp(written.0 + DAY);
    item.published_at = Some(item.updated_at);
    item
}

pub fn alert() -> Item {
    let mut c = content(
        "Counterfeit New Zealand passports on the Colombo–Singapore–Nadi route",
        Category::DocumentFraud,
        ItemDetails::Alert {
            alert_type: AlertType::DocumentFraud,
            document: Some(AlertedDocument {
                document_type: "P".into(),
                issuing_state: "NZL".into(),
                fraud_type: Some(FraudType::Counterfeit),
                series: vec!["LA12".into(), "LB3".into()],
                number_ranges: vec![NumberRange { from: "LA120000".into(), to: "LA129999".into() }],
                security_features: vec!["laminate lacks the fern hologram".into()],
            }),
        },
    );
    c.summary = "Counterfeits of good quality seen at Nadi.".into();
    c.body = "Three travellers presented **counterfeit** passports.\n\nCheck the laminate.".into();
    c.tlp = Tlp::Amber;
    c.classification = Classification(1);
    c.caveats = Caveats { not_for_judicial_use: true, ..Caveats::default() };
    c.grading = Some(SourceGrading {
        scheme: GradingScheme::Admiralty,
        source: "B".into(),
        information: "2".into(),
        handling: None,
    });
    c.tags = vec!["godwit:document-fraud".into(), "route:south-asia-pacific".into()];
    c.countries = vec![
        CountryRef { code: "LKA".into(), role: CountryRole::Origin },
        CountryRef { code: "SGP".into(), role: CountryRole::Transit },
        CountryRef { code: "FJI".into(), role: CountryRole::Destination },
        CountryRef { code: "NZL".into(), role: CountryRole::IssuingState },
    ];
    c.environment = Some(BorderEnvironment::Air);
    c.release.members.insert(MemberCode("NZL".into()));
    c.release.groups.insert("PIDC".into());
    c.valid_from = Some(Timestamp(NOW.0 - 10 * DAY));
    c.valid_until = Some(Timestamp(NOW.0 + 80 * DAY));
    published(1, c)
}

pub fn incident() -> Item {
    let mut c = content(
        "Three Sri Lankan nationals refused entry at Nadi",
        Category::PeopleSmuggling,
        ItemDetails::IncidentRecord(Box::new(Incident {
            occurred_on: "2026-11-12".into(),
            place: "Nadi".into(),
            border_post: "Nadi International Airport".into(),
            persons: 3,
            profile: vec![
                PersonCount { nationality: "LKA".into(), sex: Sex::Male, age_band: AgeBand::Young, count: 2 },
                PersonCount { nationality: "LKA".into(), sex: Sex::Female, age_band: AgeBand::Minor, count: 1 },
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
            outcome: "removed on the next flight".into(),
            import_key: None,
        })),
    );
    c.tlp = Tlp::AmberStrict;
    c.classification = Classification(2);
    c.caveats = Caveats { personal_data: true, no_third_party: true, ..Caveats::default() };
    c.grading = Some(SourceGrading {
        scheme: GradingScheme::Uk3x5x2,
        source: "1".into(),
        information: "A".into(),
        handling: Some("C".into()),
    });
    c.countries = vec![CountryRef { code: "FJI".into(), role: CountryRole::Reporting }];
    c.environment = Some(BorderEnvironment::Air);
    published(2, c)
}

pub fn report() -> Item {
    let mut c = content(
        "Maritime smuggling routes into the Pacific, 2026",
        Category::IrregularMigration,
        ItemDetails::IntelligenceReport { level: ReportLevel::Strategic },
    );
    c.summary = "Small boats from Indonesia increasingly stage through Papua New Guinea.".into();
    c.body = "## Findings\n\n1. Departures rose.\n2. Fees fell.".into();
    c.tlp = Tlp::Clear;
    c.countries = vec![
        CountryRef { code: "IDN".into(), role: CountryRole::Origin },
        CountryRef { code: "PNG".into(), role: CountryRole::Transit },
    ];
    c.environment = Some(BorderEnvironment::Sea);
    published(3, c)
}

pub fn request() -> Item {
    let mut c = content(
        "Have you seen this facilitator?",
        Category::TraffickingInPersons,
        ItemDetails::RequestForInformation { addressee: MemberCode("NZL".into()), due: Timestamp(NOW.0 + 7 * DAY) },
    );
    c.body = "A facilitator using the name *Kumar* was reported in Suva.".into();
    c.tlp = Tlp::Red;
    c.classification = Classification(3);
    c.release.members.insert(MemberCode("NZL".into()));
    published(4, c)
}

pub fn bulletin() -> Item {
    let mut c = content("Weekly bulletin 47", Category::BorderManagement, ItemDetails::Bulletin);
    c.body = "Nothing unusual this week.".into();
    published(5, c)
}

pub fn items() -> Vec<Item> {
    vec![alert(), incident(), report(), request(), bulletin()]
}
