//! Items: every shared thing has one envelope (who made it, its markings, who may
//! receive it, where it is in its workflow) and a body typed by its kind.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::grading::SourceGrading;
use crate::incident::Incident;
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
use crate::member::MemberCode;
use crate::{Timestamp, ValidationErrors};

/// Declares a closed set of snake_case names with `ALL`, `as_str` and `parse`,
/// the shape every enum stored as text shares.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum! {
    /// What an item is.
    ItemKind {
        Alert = "alert",
        IntelligenceReport = "intelligence_report",
        IncidentRecord = "incident_record",
        Bulletin = "bulletin",
        ThreatAssessment = "threat_assessment",
        RequestForInformation = "request_for_information",
        RfiResponse = "rfi_response",
        LibraryDocument = "library_document",
    }
}

named_enum! {
    /// Where an item is in its life: draft → submitted → published, or returned;
    /// published → withdrawn, or superseded by a newer version.
    ItemState {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Published = "published",
        Withdrawn = "withdrawn",
        Superseded = "superseded",
    }
}

impl ItemState {
    /// States in which an item may reach readers outside its author's desk.
    pub fn is_released(self) -> bool {
        matches!(self, ItemState::Published | ItemState::Superseded)
    }
}

named_enum! {
    /// The category of information, which agreements list as what they cover.
    Category {
        DocumentFraud = "document_fraud",
        PeopleSmuggling = "people_smuggling",
        TraffickingInPersons = "trafficking_in_persons",
        IrregularMigration = "irregular_migration",
        ImmigrationFraud = "immigration_fraud",
        CriminalDeportees = "criminal_deportees",
        ThirdCountryNationals = "third_country_nationals",
        OutlawMotorcycleGangs = "outlaw_motorcycle_gangs",
        ForeignFighters = "foreign_fighters",
        CruiseShips = "cruise_ships",
        BorderManagement = "border_management",
    }
}

named_enum! {
    /// The border environment of an event (VRS-MSRC).
    BorderEnvironment {
        Air = "air",
        Land = "land",
        Sea = "sea",
        Riverine = "riverine",
    }
}

named_enum! {
    /// The part a country plays in an item.
    CountryRole {
        Origin = "origin",
        Transit = "transit",
        Destination = "destination",
        IssuingState = "issuing_state",
        Reporting = "reporting",
    }
}

/// A country named by an item, with its role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CountryRef {
    /// ISO 3166-1 alpha-3.
    pub code: String,
    pub role: CountryRole,
}

/// Who may receive an item besides its author. Default: nobody but the
/// originating organisation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Releasability {
    /// Members (the originating member itself means all its organisations).
    #[serde(default)]
    pub members: BTreeSet<MemberCode>,
    /// Groups of members; does not count for TLP:RED, which needs named recipients.
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// Organisations inside the originating member (domestic release).
    #[serde(default)]
    pub organisations: BTreeSet<Uuid>,
}

/// What the access policy looks at: the marking and routing of an item, not its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub id: Uuid,
    pub kind: ItemKind,
    pub category: Category,
    pub originator_member: MemberCode,
    pub originator_org: Uuid,
    pub author: Uuid,
    pub state: ItemState,
    pub classification: Classification,
    pub tlp: Tlp,
    pub caveats: Caveats,
    pub release: Releasability,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
}

/// Who made something shared like an item without being one, for
/// [`Envelope::shared`]: its member, organisation and author.
pub struct Originator<'a> {
    pub member: &'a MemberCode,
    pub organisation: Uuid,
    pub author: Uuid,
}

/// The markings of something shared like an item without being one.
pub struct Marking<'a> {
    pub category: Category,
    pub classification: Classification,
    pub tlp: Tlp,
    pub caveats: Caveats,
    pub release: &'a Releasability,
}

impl Envelope {
    /// The envelope of something shared like an item without being one (a
    /// threat register, a questionnaire, a member's survey answers): always
    /// valid, read by the whole of its own member once released, and beyond
    /// it as `marking.release` says. There is no item kind for these: the
    /// policy looks at the kind only for front-line officers, who see alerts
    /// and nothing else, so `kind` only names it in the audit trail.
    pub fn shared(id: Uuid, kind: ItemKind, state: ItemState, by: Originator<'_>, marking: Marking<'_>) -> Envelope {
        let mut release = marking.release.clone();
        release.members.insert(by.member.clone());
        Envelope {
            id,
            kind,
            category: marking.category,
            originator_member: by.member.clone(),
            originator_org: by.organisation,
            author: by.author,
            state,
            classification: marking.classification,
            tlp: marking.tlp,
            caveats: marking.caveats,
            release,
            valid_from: None,
            valid_until: None,
        }
    }

    /// True while `now` is inside the item's validity period.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.valid_from.is_none_or(|from| from <= now) && self.valid_until.is_none_or(|until| now < until)
    }
}

named_enum! {
    AlertType {
        DocumentFraud = "document_fraud",
        ModusOperandi = "modus_operandi",
        Route = "route",
        Facilitator = "facilitator",
    }
}

named_enum! {
    FraudType {
        Forged = "forged",
        Counterfeit = "counterfeit",
        FraudulentlyObtained = "fraudulently_obtained",
        Impostor = "impostor",
    }
}

named_enum! {
    ReportLevel {
        Strategic = "strategic",
        Operational = "operational",
        Tactical = "tactical",
    }
}

/// An inclusive range of document numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NumberRange {
    pub from: String,
    pub to: String,
}

/// The document an alert is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertedDocument {
    /// ICAO document type code or a word: `P`, `V`, `ID`, `visa`.
    #[serde(default)]
    pub document_type: String,
    /// ICAO code of the issuing state.
    #[serde(default)]
    pub issuing_state: String,
    #[serde(default)]
    pub fraud_type: Option<FraudType>,
    /// Serial prefixes or whole numbers of the alerted documents.
    #[serde(default)]
    pub series: Vec<String>,
    /// Inclusive ranges of document numbers.
    #[serde(default)]
    pub number_ranges: Vec<NumberRange>,
    /// The security features affected and how to spot the fraud.
    #[serde(default)]
    pub security_features: Vec<String>,
}

/// Fields that only some kinds have.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemDetails {
    Alert {
        alert_type: AlertType,
        #[serde(default)]
        document: Option<AlertedDocument>,
    },
    IntelligenceReport {
        level: ReportLevel,
    },
    /// The facts of one detected event (VRS-MSRC), flattened beside `kind`.
    IncidentRecord(Box<Incident>),
    Bulletin,
    ThreatAssessment,
    RequestForInformation {
        /// The member asked.
        addressee: MemberCode,
        due: Timestamp,
    },
    RfiResponse {
        request: Uuid,
    },
    LibraryDocument {
        /// MoU template, model legislation, SOP, training material…
        document_type: String,
    },
}

impl ItemDetails {
    pub fn kind(&self) -> ItemKind {
        match self {
            ItemDetails::Alert { .. } => ItemKind::Alert,
            ItemDetails::IntelligenceReport { .. } => ItemKind::IntelligenceReport,
            ItemDetails::IncidentRecord { .. } => ItemKind::IncidentRecord,
            ItemDetails::Bulletin => ItemKind::Bulletin,
            ItemDetails::ThreatAssessment => ItemKind::ThreatAssessment,
            ItemDetails::RequestForInformation { .. } => ItemKind::RequestForInformation,
            ItemDetails::RfiResponse { .. } => ItemKind::RfiResponse,
            ItemDetails::LibraryDocument { .. } => ItemKind::LibraryDocument,
        }
    }
}

/// The part of an item its author writes: content and markings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemContent {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Markdown; rendered with raw HTML removed.
    #[serde(default)]
    pub body: String,
    pub category: Category,
    pub details: ItemDetails,
    pub classification: Classification,
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    #[serde(default)]
    pub release: Releasability,
    #[serde(default)]
    pub grading: Option<SourceGrading>,
    /// Machine tags `namespace:value` from the node's taxonomies.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub countries: Vec<CountryRef>,
    #[serde(default)]
    pub environment: Option<BorderEnvironment>,
    #[serde(default)]
    pub valid_from: Option<Timestamp>,
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
}

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 4_000;
pub const MAX_BODY_BYTES: usize = 512 * 1024;

impl ItemContent {
    /// Checks everything an author can get wrong, naming each field. `now`
    /// bounds the dates of events (an incident cannot be in the future).
    pub fn validate(&self, scale: &ClassificationScale, now: Timestamp) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push("title", "must not be empty");
        } else if title.chars().count() > MAX_TITLE_CHARS {
            errors.push("title", format!("must be at most {MAX_TITLE_CHARS} characters"));
        }
        if self.summary.chars().count() > MAX_SUMMARY_CHARS {
            errors.push("summary", format!("must be at most {MAX_SUMMARY_CHARS} characters"));
        }
        if self.body.len() > MAX_BODY_BYTES {
            errors.push("body", format!("must be at most {MAX_BODY_BYTES} bytes"));
        }
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        if let Some(grading) = &self.grading {
            grading.validate("grading", &mut errors);
        }
        for (i, tag) in self.tags.iter().enumerate() {
            let well_formed = tag.split_once(':').is_some_and(|(ns, v)| {
                !ns.is_empty() && !v.is_empty() && tag.len() <= 120 && tag.chars().all(|c| !c.is_control())
            });
            if !well_formed {
                errors.push(format!("tags/{i}"), "must be namespace:value");
            }
        }
        for (i, country) in self.countries.iter().enumerate() {
            if !crate::codes::is_country(&country.code) {
                errors.push(format!("countries/{i}/code"), "must be an ISO 3166-1 alpha-3 code");
            }
        }
        for (i, code) in self.release.members.iter().enumerate() {
            if MemberCode::parse(code.as_str()).is_none() {
                errors.push(format!("release/members/{i}"), "is not a member code");
            }
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until <= from
        {
            errors.push("valid_until", "must be after valid_from");
        }
        self.validate_details(now, &mut errors);
        errors.into_result()
    }

    fn validate_details(&self, now: Timestamp, errors: &mut ValidationErrors) {
        match &self.details {
            ItemDetails::Alert { document: Some(doc), .. }
                if !doc.issuing_state.is_empty() && !(1..=3).contains(&doc.issuing_state.len()) =>
            {
                errors.push("details/document/issuing_state", "must be an ICAO state code");
            }
            ItemDetails::IncidentRecord(incident) => incident.validate(now.to_datetime().date(), errors),
            ItemDetails::RequestForInformation { addressee, .. } if MemberCode::parse(addressee.as_str()).is_none() => {
                errors.push("details/addressee", "is not a member code");
            }
            _ => {}
        }
    }
}

/// Metadata of an attached file; its bytes live in the store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub item: Uuid,
    pub filename: String,
    /// Sniffed from the bytes, not taken from the uploader.
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: Timestamp,
}

/// A whole item as stored: envelope fields, content and workflow history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub kind: ItemKind,
    pub originator_member: MemberCode,
    pub originator_org: Uuid,
    pub author: Uuid,
    pub state: ItemState,
    pub content: ItemContent,
    /// 1 for a first version; each new version of an item counts up.
    pub version: u32,
    pub supersedes: Option<Uuid>,
    pub superseded_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub approved_by: Option<Uuid>,
    /// The authorising officer's comment when the item was last returned.
    pub return_comment: Option<String>,
    pub withdrawn_reason: Option<String>,
}

impl Item {
    /// Version 1 of a new item: a draft of `member`'s organisation `organisation`
    /// written by user `author` at `now`.
    pub fn first_draft(
        id: Uuid,
        member: MemberCode,
        organisation: Uuid,
        author: Uuid,
        content: ItemContent,
        now: Timestamp,
    ) -> Item {
        Item {
            id,
            kind: content.details.kind(),
            originator_member: member,
            originator_org: organisation,
            author,
            state: ItemState::Draft,
            content,
            version: 1,
            supersedes: None,
            superseded_by: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            approved_by: None,
            return_comment: None,
            withdrawn_reason: None,
        }
    }

    pub fn envelope(&self) -> Envelope {
        Envelope {
            id: self.id,
            kind: self.kind,
            category: self.content.category,
            originator_member: self.originator_member.clone(),
            originator_org: self.originator_org,
            author: self.author,
            state: self.state,
            classification: self.content.classification,
            tlp: self.content.tlp,
            caveats: self.content.caveats,
            release: self.content.release.clone(),
            valid_from: self.content.valid_from,
            valid_until: self.content.valid_until,
        }
    }
}

/// Sniffs a file's type from its first bytes; the uploader's claim is not trusted.
pub fn sniff_content_type(bytes: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    ];
    if let Some((_, mime)) = SIGNATURES.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return mime;
    }
    if std::str::from_utf8(bytes).is_ok() { "text/plain" } else { "application/octet-stream" }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_793_491_200_000);

    pub(crate) fn sample_content() -> ItemContent {
        ItemContent {
            title: "Counterfeit passports".into(),
            summary: String::new(),
            body: "Seen at **NAN**.".into(),
            category: Category::DocumentFraud,
            details: ItemDetails::Alert { alert_type: AlertType::DocumentFraud, document: None },
            classification: Classification(1),
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            release: Releasability::default(),
            grading: None,
            tags: vec!["godwit:document-fraud".into()],
            countries: vec![CountryRef { code: "FJI".into(), role: CountryRole::Destination }],
            environment: Some(BorderEnvironment::Air),
            valid_from: None,
            valid_until: None,
        }
    }

    #[test]
    fn valid_content_passes() {
        assert_eq!(sample_content().validate(&ClassificationScale::default(), NOW), Ok(()));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut content = sample_content();
        content.title = " ".into();
        content.classification = Classification(9);
        content.tags = vec!["notag".into()];
        content.countries = vec![CountryRef { code: "fj".into(), role: CountryRole::Origin }];
        content.valid_from = Some(Timestamp(10));
        content.valid_until = Some(Timestamp(5));
        content.details = ItemDetails::IncidentRecord(Box::new(Incident {
            occurred_on: "2026-13-01".into(),
            persons: 1,
            ..Default::default()
        }));
        let errors = content.validate(&ClassificationScale::default(), NOW).err().unwrap_or_default();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["title", "classification", "tags/0", "countries/0/code", "valid_until", "details/occurred_on"]
        );
    }

    #[test]
    fn sniffing_ignores_the_claimed_type() {
        assert_eq!(sniff_content_type(b"%PDF-1.7 ..."), "application/pdf");
        assert_eq!(sniff_content_type(b"plain words"), "text/plain");
        assert_eq!(sniff_content_type(&[0xff, 0xfe, 0x00, 0x81]), "application/octet-stream");
    }

    #[test]
    fn named_enums_round_trip() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(serde_json::to_string(&ItemState::Published).ok().as_deref(), Some("\"published\""));
    }
}
