//! A STIX 2.1 bundle to item contents, all or nothing.
//!
//! Reports become items; the objects they rest on (identities, locations,
//! marking definitions, extension definitions) are read for their meaning;
//! notes and indicators are accepted only beside the Godwit report they were
//! derived from. Anything else, and any marking Godwit cannot honour, is
//! refused with the object and property at fault.

use std::collections::BTreeMap;

use godwit_domain::Timestamp;
use godwit_domain::item::{Category, ItemContent, ItemDetails};
use godwit_domain::marking::{Caveats, Classification, ClassificationScale, Tlp};
use serde::Serialize;
use serde_json::{Map, Value};

use super::export::GodwitFields;
use super::{CAVEAT_PREFIX, CLASSIFICATION_PREFIX, EXTENSION_ID, SPEC_VERSION, single_caveats, tlp_of_marking};

/// An item read from a bundle, to be created by the importing user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedItem {
    /// The report it came from.
    pub stix_id: String,
    pub content: ItemContent,
}

/// One thing Godwit cannot represent, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The object's id, `objects/N` when it has none, or `bundle`.
    pub object: String,
    /// The property at fault, as a path (`object_marking_refs/1`).
    pub property: String,
    pub message: String,
}

/// Everything refused in a bundle; nothing of it is imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} error(s): {}", .0.len(), .0.iter().map(|e| format!("{} {}: {}", e.object, e.property, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ImportErrors(pub Vec<ImportError>);

impl ImportErrors {
    fn push(&mut self, object: &str, property: impl Into<String>, message: impl Into<String>) {
        self.0.push(ImportError { object: object.to_owned(), property: property.into(), message: message.into() });
    }
}

/// What a marking definition means to Godwit.
#[derive(Clone, Copy)]
enum Meaning {
    Tlp(Tlp),
    Classification(Classification),
    Caveat(Caveats),
}

/// Object types read for their meaning only.
const CONTEXT_TYPES: [&str; 3] = ["identity", "location", "extension-definition"];

/// The items of `bundle`, or every reason it cannot be imported. `scale` names
/// the classification levels; `now` bounds the dates of incidents.
pub fn import_bundle(
    bundle: &Value,
    scale: &ClassificationScale,
    now: Timestamp,
) -> Result<Vec<ImportedItem>, ImportErrors> {
    let mut errors = ImportErrors::default();
    let Some(objects) = bundle_objects(bundle, &mut errors) else {
        return Err(errors);
    };
    let mut by_id: BTreeMap<&str, &Map<String, Value>> = BTreeMap::new();
    for (i, object) in objects.iter().enumerate() {
        let at = format!("objects/{i}");
        let Some(object) = object.as_object() else {
            errors.push(&at, "", "is not a JSON object");
            continue;
        };
        let (Some(kind), Some(id)) = (text(object, "type"), text(object, "id")) else {
            errors.push(&at, "id", "every object needs a type and an id");
            continue;
        };
        if !id.strip_prefix(kind).is_some_and(|rest| rest.starts_with("--")) {
            errors.push(id, "id", format!("does not begin with its type {kind}--"));
        } else if by_id.insert(id, object).is_some() {
            errors.push(id, "id", "appears more than once; send one version of each object");
        }
    }

    let mut reader = Reader { by_id: &by_id, scale, errors, meanings: BTreeMap::new() };
    for (id, object) in &by_id {
        reader.check_common(id, object);
        if text(object, "type") == Some("marking-definition")
            && let Some(meaning) = reader.marking_meaning(id, object)
        {
            reader.meanings.insert(*id, meaning);
        }
    }
    let mut items = Vec::new();
    for (id, object) in &by_id {
        match text(object, "type").unwrap_or_default() {
            "report" => items.extend(reader.report(id, object, now)),
            "note" => reader.note(id, object),
            "indicator" => reader.indicator(id),
            "marking-definition" => {}
            kind if CONTEXT_TYPES.contains(&kind) => {}
            kind => reader.errors.push(
                id,
                "type",
                format!(
                    "Godwit cannot represent a {kind}: it imports reports, with their notes and indicators, identities, locations and marking definitions"
                ),
            ),
        }
    }
    if reader.errors.0.is_empty() { Ok(items) } else { Err(reader.errors) }
}

fn bundle_objects<'a>(bundle: &'a Value, errors: &mut ImportErrors) -> Option<&'a Vec<Value>> {
    if bundle.get("type").and_then(Value::as_str) != Some("bundle") {
        errors.push("bundle", "type", "must be \"bundle\"");
        return None;
    }
    let objects = bundle.get("objects").and_then(Value::as_array);
    if objects.is_none() {
        errors.push("bundle", "objects", "must be a list of STIX objects");
    }
    objects
}

fn text<'a>(object: &'a Map<String, Value>, property: &str) -> Option<&'a str> {
    object.get(property).and_then(Value::as_str)
}

fn strings<'a>(object: &'a Map<String, Value>, property: &str) -> Vec<(usize, Option<&'a str>)> {
    let list = object.get(property).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    list.iter().map(Value::as_str).enumerate().collect()
}

struct Reader<'a> {
    by_id: &'a BTreeMap<&'a str, &'a Map<String, Value>>,
    scale: &'a ClassificationScale,
    errors: ImportErrors,
    meanings: BTreeMap<&'a str, Meaning>,
}

impl<'a> Reader<'a> {
    /// What every object must satisfy: STIX 2.1, no granular markings (Godwit
    /// marks whole items), no extensions but Godwit's and TLP 2.0's.
    fn check_common(&mut self, id: &str, object: &Map<String, Value>) {
        if text(object, "spec_version") != Some(SPEC_VERSION) {
            self.errors.push(id, "spec_version", "must be \"2.1\": Godwit reads STIX 2.1 only");
        }
        if object.contains_key("granular_markings") {
            self.errors.push(
                id,
                "granular_markings",
                "Godwit marks whole items and cannot honour markings on parts of an object",
            );
        }
    }

    fn marking_meaning(&mut self, id: &str, object: &Map<String, Value>) -> Option<Meaning> {
        if let Some(tlp) = tlp_of_marking(id) {
            return Some(Meaning::Tlp(tlp));
        }
        let statement = (text(object, "definition_type") == Some("statement"))
            .then(|| object.get("definition").and_then(|d| d.get("statement")).and_then(Value::as_str))
            .flatten();
        let Some(statement) = statement else {
            self.errors.push(
                id,
                "definition_type",
                "unknown marking: Godwit honours the standard TLP markings and statement markings of a classification or caveat only",
            );
            return None;
        };
        if let Some(level) = statement.strip_prefix(CLASSIFICATION_PREFIX) {
            let found = self.scale.parse(level).map(Meaning::Classification);
            if found.is_none() {
                self.errors.push(
                    id,
                    "definition/statement",
                    format!(
                        "classification {level:?} is not a level of this node's scale ({})",
                        self.scale.levels.join(", ")
                    ),
                );
            }
            return found;
        }
        if let Some(label) = statement.strip_prefix(CAVEAT_PREFIX)
            && let Some((caveat, _)) = single_caveats().into_iter().find(|(_, known)| *known == label)
        {
            return Some(Meaning::Caveat(caveat));
        }
        self.errors.push(
            id,
            "definition/statement",
            format!("unknown statement {statement:?}: Godwit knows \"{CLASSIFICATION_PREFIX}<level>\" and \"{CAVEAT_PREFIX}<caveat>\" only"),
        );
        None
    }

    /// The TLP, classification and caveats of an object's markings.
    fn markings(&mut self, id: &str, object: &Map<String, Value>) -> Option<(Tlp, Classification, Caveats)> {
        let (mut tlp, mut classification, mut caveats) = (None, None, Caveats::default());
        let mut complete = true;
        for (i, reference) in strings(object, "object_marking_refs") {
            let property = format!("object_marking_refs/{i}");
            let meaning =
                reference.and_then(|r| tlp_of_marking(r).map(Meaning::Tlp).or_else(|| self.meanings.get(r).copied()));
            match meaning {
                Some(Meaning::Tlp(t)) if tlp.is_some_and(|seen| seen != t) => {
                    self.errors.push(id, property, "a second, different TLP marking");
                    complete = false;
                }
                Some(Meaning::Tlp(t)) => tlp = Some(t),
                Some(Meaning::Classification(c)) if classification.is_some_and(|seen| seen != c) => {
                    self.errors.push(id, property, "a second, different classification");
                    complete = false;
                }
                Some(Meaning::Classification(c)) => classification = Some(c),
                Some(Meaning::Caveat(c)) => {
                    caveats.no_third_party |= c.no_third_party;
                    caveats.not_for_judicial_use |= c.not_for_judicial_use;
                    caveats.personal_data |= c.personal_data;
                }
                None => {
                    // A definition in the bundle that failed was reported already.
                    if !reference.is_some_and(|r| self.by_id.contains_key(r)) {
                        self.errors.push(
                            id,
                            property,
                            format!(
                                "unknown marking {}: neither a standard TLP marking nor defined in the bundle",
                                reference.unwrap_or("(not a string)")
                            ),
                        );
                    }
                    complete = false;
                }
            }
        }
        let Some(tlp) = tlp else {
            if complete {
                self.errors.push(
                    id,
                    "object_marking_refs",
                    "no TLP marking: Godwit needs one to decide who may read it",
                );
            }
            return None;
        };
        // A bundle that states no classification is unclassified by its own terms.
        complete.then_some((tlp, classification.unwrap_or(Classification::LOWEST), caveats))
    }

    fn report(&mut self, id: &str, object: &Map<String, Value>, now: Timestamp) -> Option<ImportedItem> {
        let errors_before = self.errors.0.len();
        if object.get("revoked").and_then(Value::as_bool) == Some(true) {
            self.errors.push(id, "revoked", "a revoked report is withdrawn and is not imported");
        }
        let markings = self.markings(id, object);
        let title = text(object, "name").unwrap_or_default();
        if title.is_empty() {
            self.errors.push(id, "name", "a report needs a name, which becomes the item's title");
        }
        let godwit = self.is_godwit_report(id);
        let fields = self.godwit_fields(id, object);
        let mut tags = Vec::new();
        let mut category = fields.as_ref().map(|f| f.category);
        for (i, label) in strings(object, "labels") {
            let label = label.unwrap_or_default();
            match Category::parse(label) {
                Some(c) if !godwit && category.is_none() => category = Some(c),
                _ if label.contains(':') => tags.push(label.to_owned()),
                _ => self.errors.push(
                    id,
                    format!("labels/{i}"),
                    format!("label {label:?} is neither a Godwit category nor a namespace:value tag"),
                ),
            }
        }
        self.object_refs(id, object, godwit);
        let Some(category) = category else {
            if !godwit {
                self.errors.push(
                    id,
                    "labels",
                    "a report without the Godwit extension needs a label naming its Godwit category (people_smuggling, document_fraud, …)",
                );
            }
            return None;
        };
        let (tlp, classification, caveats) = markings?;
        let fields = fields.unwrap_or_else(|| foreign_fields(category));
        let content = ItemContent {
            title: title.to_owned(),
            summary: fields.summary,
            body: text(object, "description").unwrap_or_default().to_owned(),
            category,
            details: fields.details,
            classification,
            tlp,
            caveats,
            release: fields.release,
            grading: fields.grading,
            tags,
            countries: fields.countries,
            environment: fields.environment,
            valid_from: fields.valid_from,
            valid_until: fields.valid_until,
        };
        if let Err(invalid) = content.validate(self.scale, now) {
            for error in invalid.0 {
                self.errors.push(id, stix_property(&error.field), error.message);
            }
        }
        (self.errors.0.len() == errors_before).then(|| ImportedItem { stix_id: id.to_owned(), content })
    }

    /// The Godwit extension of a report, refusing any other extension.
    fn godwit_fields(&mut self, id: &str, object: &Map<String, Value>) -> Option<GodwitFields> {
        let extensions = object.get("extensions").and_then(Value::as_object)?;
        let mut fields = None;
        for (name, value) in extensions {
            let property = format!("extensions/{name}");
            if name != EXTENSION_ID {
                self.errors.push(id, property, "an extension Godwit does not know, whose meaning it cannot keep");
                continue;
            }
            match serde_json::from_value::<GodwitFields>(value.clone()) {
                Ok(parsed) if parsed.extension_type == "property-extension" => fields = Some(parsed),
                Ok(_) => self.errors.push(id, format!("{property}/extension_type"), "must be \"property-extension\""),
                Err(error) => self.errors.push(id, property, error.to_string()),
            }
        }
        fields
    }

    /// A report refers to identities, locations and (Godwit's) indicators in
    /// the bundle. Without the Godwit extension the role of a country is
    /// unknown, and an indicator would be lost.
    fn object_refs(&mut self, id: &str, object: &Map<String, Value>, godwit: bool) {
        for (i, reference) in strings(object, "object_refs") {
            let property = format!("object_refs/{i}");
            let kind = reference.and_then(|r| self.by_id.get(r)).and_then(|o| text(o, "type"));
            match kind {
                None => self.errors.push(
                    id,
                    property,
                    format!("refers to {}, which is not in the bundle", reference.unwrap_or("(not a string)")),
                ),
                Some("identity") => {}
                Some("location" | "indicator") if godwit => {}
                Some(kind @ ("location" | "indicator")) => self.errors.push(
                    id,
                    property,
                    format!("a {kind} is kept only with the Godwit extension, which says what it means to the item"),
                ),
                // Other types are refused as objects in their own right.
                Some(_) => {}
            }
        }
    }

    /// A note is accepted only about Godwit reports in the bundle, which carry
    /// what it says (the grading) in their extension.
    fn note(&mut self, id: &str, object: &Map<String, Value>) {
        for (i, reference) in strings(object, "object_refs") {
            if !reference.is_some_and(|r| self.is_godwit_report(r)) {
                self.errors.push(
                    id,
                    format!("object_refs/{i}"),
                    "a note is imported only about a report of the bundle that carries the Godwit extension",
                );
            }
        }
    }

    /// An indicator is accepted only as part of a Godwit report of the bundle,
    /// which carries what it says (the alerted document) in its extension.
    fn indicator(&mut self, id: &str) {
        let referenced = self.by_id.iter().any(|(other, object)| {
            self.is_godwit_report(other) && strings(object, "object_refs").iter().any(|(_, r)| *r == Some(id))
        });
        if !referenced {
            self.errors.push(
                id,
                "id",
                "an indicator is imported only as part of a report of the bundle that carries the Godwit extension",
            );
        }
    }

    fn is_godwit_report(&self, id: &str) -> bool {
        self.by_id.get(id).is_some_and(|o| {
            text(o, "type") == Some("report") && o.get("extensions").and_then(|e| e.get(EXTENSION_ID)).is_some()
        })
    }
}

/// A report from another tool becomes a bulletin of its category.
fn foreign_fields(category: Category) -> GodwitFields {
    GodwitFields {
        extension_type: "property-extension".to_owned(),
        item_id: uuid::Uuid::nil(),
        version: 1,
        category,
        details: ItemDetails::Bulletin,
        summary: String::new(),
        grading: None,
        countries: Vec::new(),
        environment: None,
        release: Default::default(),
        valid_from: None,
        valid_until: None,
    }
}

/// Where a field of an item's content (as [`ItemContent::validate`] names
/// it) lives in its report, to name it to whoever sent the bundle.
pub fn stix_property(field: &str) -> String {
    match field {
        "title" => "name".to_owned(),
        "body" => "description".to_owned(),
        "classification" => "object_marking_refs".to_owned(),
        _ => match field.strip_prefix("tags/") {
            Some(i) => format!("labels/{i}"),
            None => format!("extensions/{EXTENSION_ID}/{field}"),
        },
    }
}
