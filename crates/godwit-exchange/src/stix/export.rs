//! Items to a STIX 2.1 bundle.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::grading::{GradingScheme, SourceGrading};
use godwit_domain::item::{
    BorderEnvironment, Category, CountryRef, Item, ItemContent, ItemDetails, ItemState, Releasability,
};
use godwit_domain::marking::ClassificationScale;
use godwit_domain::member::{Member, MemberCode, Organisation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::countries::alpha2;
use super::{
    CAVEAT_PREFIX, CLASSIFICATION_PREFIX, DEFINED, EXTENSION_ID, GODWIT_IDENTITY, SPEC_VERSION, TLP2_CREATED,
    TLP2_EXTENSION, statement_id, stix_id, tlp_marking_id,
};

/// Names of the members and organisations that authored the exported items,
/// the node's classification scale, whose words the markings use, and the
/// first version of every exported item that is not a first version itself.
pub struct Directory<'a> {
    pub scale: &'a ClassificationScale,
    pub members: &'a [Member],
    pub organisations: &'a [Organisation],
    /// By item id; an item not listed is its own first version.
    pub lineages: &'a BTreeMap<Uuid, Lineage>,
}

/// The first version of an item: every version of an item is a version of the
/// same STIX objects, which take their id and `created` from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lineage {
    pub first: Uuid,
    pub created: Timestamp,
}

impl Directory<'_> {
    fn lineage(&self, item: &Item) -> Lineage {
        self.lineages.get(&item.id).copied().unwrap_or(Lineage { first: item.id, created: item.created_at })
    }
}

/// The properties of Godwit's extension on a report: what STIX has no
/// property for. Unknown properties are refused on import rather than lost.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GodwitFields {
    pub extension_type: String,
    pub item_id: Uuid,
    pub version: u32,
    pub category: Category,
    /// Carries the kind and its own fields: the incident facts of an incident record.
    pub details: ItemDetails,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading: Option<SourceGrading>,
    /// The countries with their role; the report refers to their locations too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<CountryRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BorderEnvironment>,
    #[serde(default, skip_serializing_if = "is_unreleased")]
    pub release: Releasability,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
}

fn is_unreleased(release: &Releasability) -> bool {
    release.members.is_empty() && release.groups.is_empty() && release.organisations.is_empty()
}

/// Objects of a bundle in the order first met, each once.
#[derive(Default)]
struct Objects {
    list: Vec<Value>,
    ids: BTreeSet<String>,
}

impl Objects {
    fn add(&mut self, id: &str, make: impl FnOnce() -> Value) {
        if self.ids.insert(id.to_owned()) {
            self.list.push(make());
        }
    }
}

/// The bundle of `items`, with every object they refer to. The same items
/// give the same bundle, ids included.
pub fn export_bundle(items: &[Item], directory: &Directory<'_>) -> Value {
    let mut objects = Objects::default();
    objects.add(GODWIT_IDENTITY, godwit_identity);
    objects.add(EXTENSION_ID, extension_definition);
    let mut keys = String::new();
    for item in items {
        export_item(item, directory, &mut objects);
        keys.push_str(&format!("{}/{},", item.id, item.version));
    }
    json!({
        "type": "bundle",
        "id": stix_id("bundle", &format!("bundle/{keys}")),
        "objects": objects.list,
    })
}

/// The objects of one item, as a TAXII collection serves them: its report
/// first, then every object the report refers to, Godwit's identity and the
/// extension definition last.
pub fn item_objects(item: &Item, directory: &Directory<'_>) -> Vec<Value> {
    let mut objects = Objects::default();
    export_item(item, directory, &mut objects);
    objects.add(GODWIT_IDENTITY, godwit_identity);
    objects.add(EXTENSION_ID, extension_definition);
    let report = objects.list.iter().position(|o| o["type"] == "report").unwrap_or(0);
    objects.list[..=report].rotate_right(1);
    objects.list
}

/// The id of the report of every version of the item whose first version is
/// `item_id`. Item ids are UUIDv7; STIX ids must be of versions 1 to 5 and SHOULD be
/// version 4, so the version digit 7 becomes 4 and nothing else changes (see
/// [`item_of_report`]). The variant bits are set as RFC 9562 has them, as
/// every UUIDv7 already has them.
pub fn report_id(item_id: Uuid) -> String {
    let mut bytes = *item_id.as_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format!("report--{}", Uuid::from_bytes(bytes))
}

/// The first version of the item whose report is `report_id`, as [`report_id`] made it.
pub fn item_of_report(report_id: &str) -> Option<Uuid> {
    let uuid = Uuid::parse_str(report_id.strip_prefix("report--")?).ok()?;
    let mut bytes = *uuid.as_bytes();
    if bytes[6] >> 4 != 4 {
        return None;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    Some(Uuid::from_bytes(bytes))
}

fn godwit_identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": GODWIT_IDENTITY,
        "created": DEFINED,
        "modified": DEFINED,
        "name": "Godwit",
        "description": "The information-sharing platform of immigration agencies that defines the Godwit item extension and the statement markings of classifications and caveats.",
        "identity_class": "system",
    })
}

fn extension_definition() -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": EXTENSION_ID,
        "created_by_ref": GODWIT_IDENTITY,
        "created": DEFINED,
        "modified": DEFINED,
        "name": "Godwit item",
        "description": "Fields of a Godwit item that STIX has no property for.",
        "schema": "A property extension of report objects with: item_id (the Godwit item's UUID), version (its version number), category (Godwit information category), details (the kind of item and its own fields, such as the facts of an incident record in the shape of UNODC VRS-MSRC), summary, grading (scheme, source, information and handling codes of the source grading), countries (ISO 3166-1 alpha-3 code and role of each country), environment (air, land, sea or riverine), release (members, groups and organisations the originator released the item to), valid_from and valid_until. See docs/interoperability.md of Godwit.",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    })
}

/// Adds the report of `item` and what it refers to. They are keyed on the
/// item's first version, so a new version of an item is a new version (a later
/// `modified`) of the same objects.
fn export_item(item: &Item, directory: &Directory<'_>, objects: &mut Objects) {
    let lineage = directory.lineage(item);
    let key = lineage.first.to_string();
    let content = &item.content;
    let markings = markings(content, directory.scale, objects);
    let member = member_identity(&item.originator_member, directory, objects);
    let author = organisation_identity(item, directory, objects);
    let report_id = report_id(lineage.first);
    let modified = item.updated_at.max(lineage.created);
    let common = Common { created: lineage.created, modified, author: &author, markings: &markings };

    let mut refs = vec![author.clone(), member];
    for country in &content.countries {
        if let Some(location) = location(&country.code, objects)
            && !refs.contains(&location)
        {
            refs.push(location);
        }
    }
    if let Some(indicator) = indicator(item, &key, &common) {
        refs.push(indicator.0.clone());
        objects.add(&indicator.0, || indicator.1);
    }
    if let Some(grading) = &content.grading {
        let note_id = stix_id("note", &format!("grading/{key}"));
        let note = common.object(
            "note",
            &note_id,
            [
                ("abstract", json!(format!("Source grading {} ({})", grading.code(), grading.scheme.as_str()))),
                ("content", json!(grading.explain())),
                ("object_refs", json!([report_id])),
            ],
        );
        objects.add(&note_id, || Value::Object(note));
    }

    let fields = GodwitFields {
        extension_type: "property-extension".to_owned(),
        item_id: item.id,
        version: item.version,
        category: content.category,
        details: content.details.clone(),
        summary: content.summary.clone(),
        grading: content.grading.clone(),
        countries: content.countries.clone(),
        environment: content.environment,
        release: content.release.clone(),
        valid_from: content.valid_from,
        valid_until: content.valid_until,
    };
    let mut report = common.object(
        "report",
        &report_id,
        [
            ("name", json!(content.title)),
            ("report_types", json!(["threat-report"])),
            ("published", json!(item.published_at.unwrap_or(modified))),
            ("object_refs", json!(refs)),
        ],
    );
    if !content.body.is_empty() {
        report.insert("description".into(), json!(content.body));
    }
    if !content.tags.is_empty() {
        report.insert("labels".into(), json!(content.tags));
    }
    if let Some(confidence) = content.grading.as_ref().and_then(admiralty_confidence) {
        report.insert("confidence".into(), json!(confidence));
    }
    if item.state == ItemState::Withdrawn {
        report.insert("revoked".into(), json!(true));
    }
    report.insert("extensions".into(), json!({ EXTENSION_ID: fields }));
    objects.add(&report_id, || Value::Object(report));
}

/// What every object derived from one item shares.
struct Common<'a> {
    created: Timestamp,
    modified: Timestamp,
    author: &'a str,
    markings: &'a [String],
}

impl Common<'_> {
    fn object<const N: usize>(&self, kind: &str, id: &str, own: [(&str, Value); N]) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("type".into(), json!(kind));
        object.insert("spec_version".into(), json!(SPEC_VERSION));
        object.insert("id".into(), json!(id));
        object.insert("created".into(), json!(self.created));
        object.insert("modified".into(), json!(self.modified));
        object.insert("created_by_ref".into(), json!(self.author));
        for (name, value) in own {
            object.insert(name.into(), value);
        }
        object.insert("object_marking_refs".into(), json!(self.markings));
        object
    }
}

/// The marking definitions of the item's TLP, classification and caveats,
/// added to the bundle; their ids, TLP first.
fn markings(content: &ItemContent, scale: &ClassificationScale, objects: &mut Objects) -> Vec<String> {
    let tlp = content.tlp;
    let tlp_id = tlp_marking_id(tlp);
    objects.add(tlp_id, || {
        json!({
            "type": "marking-definition",
            "spec_version": SPEC_VERSION,
            "id": tlp_id,
            "created": TLP2_CREATED,
            "name": format!("TLP:{}", tlp.as_str()),
            "extensions": { TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.as_str().to_ascii_lowercase(),
            }},
        })
    });
    let classification = format!("{CLASSIFICATION_PREFIX}{}", scale.name(content.classification));
    let caveats = content.caveats.labels().into_iter().map(|label| format!("{CAVEAT_PREFIX}{label}"));
    let mut ids = vec![tlp_id.to_owned()];
    for statement in std::iter::once(classification).chain(caveats) {
        let id = statement_id(&statement);
        objects.add(&id, || {
            json!({
                "type": "marking-definition",
                "spec_version": SPEC_VERSION,
                "id": id,
                "created_by_ref": GODWIT_IDENTITY,
                "created": DEFINED,
                "name": statement,
                "definition_type": "statement",
                "definition": { "statement": statement },
            })
        });
        ids.push(id);
    }
    ids
}

fn member_identity(code: &MemberCode, directory: &Directory<'_>, objects: &mut Objects) -> String {
    let id = stix_id("identity", &format!("member/{code}"));
    let member = directory.members.iter().find(|m| &m.code == code);
    objects.add(&id, || {
        let kind = member.map_or("member", |m| m.kind.as_str());
        json!({
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": id,
            "created": DEFINED,
            "modified": DEFINED,
            "name": member.map_or(code.as_str(), |m| m.name.as_str()),
            "description": format!("Godwit member {code} ({kind})"),
            "identity_class": "organization",
        })
    });
    id
}

fn organisation_identity(item: &Item, directory: &Directory<'_>, objects: &mut Objects) -> String {
    let id = stix_id("identity", &format!("organisation/{}", item.originator_org));
    let organisation = directory.organisations.iter().find(|o| o.id == item.originator_org);
    objects.add(&id, || {
        let name =
            organisation.map_or_else(|| format!("An organisation of {}", item.originator_member), |o| o.name.clone());
        let agency = organisation.map_or("other", |o| o.agency.as_str());
        json!({
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": id,
            "created": DEFINED,
            "modified": DEFINED,
            "name": name,
            "description": format!("Agency ({agency}) of Godwit member {}", item.originator_member),
            "identity_class": "organization",
        })
    });
    id
}

/// The location of a country, when it has an alpha-2 code (every valid one has).
fn location(alpha3: &str, objects: &mut Objects) -> Option<String> {
    let country = alpha2(alpha3)?;
    let id = stix_id("location", &format!("country/{alpha3}"));
    objects.add(&id, || {
        json!({
            "type": "location",
            "spec_version": SPEC_VERSION,
            "id": id,
            "created": DEFINED,
            "modified": DEFINED,
            "name": alpha3,
            "country": country,
        })
    });
    Some(id)
}

/// An alert naming document series is the one pattern-like thing an item
/// carries: a PCRE over document numbers. Other items get no indicator.
fn indicator(item: &Item, key: &str, common: &Common<'_>) -> Option<(String, Value)> {
    let ItemDetails::Alert { document: Some(document), .. } = &item.content.details else {
        return None;
    };
    if document.series.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = document.series.iter().map(|s| pcre_escape(s)).collect();
    let valid_from = item.content.valid_from.unwrap_or(item.created_at);
    let id = stix_id("indicator", &format!("indicator/{key}"));
    let what = if document.document_type.is_empty() { "travel document" } else { &document.document_type };
    let issuer =
        if document.issuing_state.is_empty() { String::new() } else { format!(" of {}", document.issuing_state) };
    let mut indicator = common.object(
        "indicator",
        &id,
        [
            ("name", json!(format!("Alerted {what} numbers{issuer}"))),
            ("description", json!("Document numbers beginning with a series named in the alert.")),
            ("indicator_types", json!(["malicious-activity"])),
            ("pattern", json!(format!("^(?:{})", alternatives.join("|")))),
            ("pattern_type", json!("pcre")),
            ("valid_from", json!(valid_from)),
        ],
    );
    // STIX needs valid_until after valid_from; an alert that expired before
    // it was written keeps its window in the report's extension only.
    if let Some(until) = item.content.valid_until.filter(|until| *until > valid_from) {
        indicator.insert("valid_until".into(), json!(until));
    }
    Some((id, Value::Object(indicator)))
}

fn pcre_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.^$|?*+()[]{}/-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// STIX's mapping of the Admiralty credibility scale to confidence (STIX 2.1,
/// appendix A); "truth cannot be judged" has none.
fn admiralty_confidence(grading: &SourceGrading) -> Option<u8> {
    if grading.scheme != GradingScheme::Admiralty {
        return None;
    }
    match grading.information.as_str() {
        "1" => Some(90),
        "2" => Some(70),
        "3" => Some(50),
        "4" => Some(30),
        "5" => Some(10),
        _ => None,
    }
}
