//! STIX 2.1 bundles of items.
//!
//! An item becomes a `report` whose standard properties carry what other tools
//! understand (title, body, tags as labels, author as an identity, countries as
//! locations, markings) and whose Godwit extension carries the rest (category,
//! kind-specific details such as the incident facts, source grading, country
//! roles, releasability). Graded items get a `note` explaining the grade; alerts
//! naming document series get a PCRE `indicator` over document numbers.
//!
//! A report's id is its item's id (see [`report_id`]) and the other ids are
//! UUIDv5 of what they stand for, so exporting the same items again gives the
//! same objects and a new version of an item is a new version of its report. TLP uses the TLP 2.0 marking definitions
//! with their standard ids; classification and caveats are statement markings.

mod countries;
mod export;
mod import;

use godwit_domain::marking::{Caveats, Tlp};
use sha1::{Digest, Sha1};
use uuid::Uuid;

pub use export::{Directory, Lineage, export_bundle, item_objects, item_of_report, report_id};
pub use import::{ImportError, ImportErrors, ImportedItem, import_bundle, stix_property};

pub const SPEC_VERSION: &str = "2.1";

/// The namespace of the UUIDv5 ids Godwit gives STIX objects.
const NAMESPACE: Uuid = Uuid::from_u128(0x2260_4a9e_840d_44b2_82e9_d985_ea93_6fd2);

/// Godwit's extension for item fields STIX has no property for; fixed forever,
/// as `stix_id("extension-definition", "extension-definition/godwit-item")`.
pub const EXTENSION_ID: &str = "extension-definition--3467992f-8cb0-5712-b5d8-923d561a11be";

/// Godwit itself, the creator of its extension and statement markings.
const GODWIT_IDENTITY: &str = "identity--b557a0cd-7ee3-57dd-86a7-a5a8b3c1e0f8";

/// OASIS's extension that carries a TLP 2.0 level on a marking definition.
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// When the TLP 2.0 marking definitions were published (they are immutable).
const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// When Godwit's own shared objects (its identity, extension, statement
/// markings, member identities, locations) were first defined; fixed so that
/// re-exports give them the same content.
const DEFINED: &str = "2026-11-01T00:00:00.000Z";

/// The TLP 2.0 marking definitions of cti-stix-common-objects.
const TLP2_MARKINGS: [(Tlp, &str); 5] = [
    (Tlp::Clear, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
    (Tlp::Green, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
    (Tlp::Amber, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    (Tlp::AmberStrict, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
    (Tlp::Red, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
];

/// The TLP 1.0 marking definitions of STIX 2.1 itself, read on import as
/// their TLP 2.0 counterparts (FIRST maps WHITE to CLEAR).
const TLP1_MARKINGS: [(Tlp, &str); 4] = [
    (Tlp::Clear, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
    (Tlp::Green, "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
    (Tlp::Amber, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
    (Tlp::Red, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
];

/// The standard id of the TLP 2.0 marking definition of `tlp`.
pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    TLP2_MARKINGS.iter().find(|(t, _)| *t == tlp).map_or(TLP2_MARKINGS[4].1, |(_, id)| id)
}

fn tlp_of_marking(id: &str) -> Option<Tlp> {
    TLP2_MARKINGS.iter().chain(TLP1_MARKINGS.iter()).find(|(_, known)| *known == id).map(|(tlp, _)| *tlp)
}

/// The statement of the classification marking, `CLASSIFICATION: RESTRICTED`.
const CLASSIFICATION_PREFIX: &str = "CLASSIFICATION: ";
/// The statement of a caveat marking, `CAVEAT: NOT FOR JUDICIAL USE`.
const CAVEAT_PREFIX: &str = "CAVEAT: ";

/// Each caveat alone, with its words.
fn single_caveats() -> [(Caveats, &'static str); 3] {
    let one = [
        Caveats { no_third_party: true, ..Caveats::default() },
        Caveats { not_for_judicial_use: true, ..Caveats::default() },
        Caveats { personal_data: true, ..Caveats::default() },
    ];
    one.map(|c| (c, c.labels().first().copied().unwrap_or_default()))
}

/// A STIX id `kind--UUIDv5(NAMESPACE, name)`: the same name always gives the
/// same id, which is what makes re-exports stable.
pub fn stix_id(kind: &str, name: &str) -> String {
    let digest = Sha1::new().chain_update(NAMESPACE.as_bytes()).chain_update(name.as_bytes()).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!("{kind}--{}", uuid::Builder::from_sha1_bytes(bytes).into_uuid())
}

/// The id of a statement marking: a function of its words only.
fn statement_id(statement: &str) -> String {
    stix_id("marking-definition", &format!("statement/{statement}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuidv5_as_python_computes_them() {
        // uuid.uuid5(uuid.UUID("22604a9e-840d-44b2-82e9-d985ea936fd2"), name) in Python.
        assert_eq!(
            stix_id("report", "report/00000000-0000-0000-0000-000000000001/1"),
            "report--17a3949b-b490-58a9-8b57-655cedc29f36"
        );
        assert_eq!(stix_id("extension-definition", "extension-definition/godwit-item"), EXTENSION_ID);
        assert_eq!(stix_id("identity", "identity/godwit"), GODWIT_IDENTITY);
    }

    #[test]
    fn every_tlp_has_its_standard_marking_and_reads_back() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp_of_marking(tlp_marking_id(tlp)), Some(tlp));
        }
        assert_eq!(tlp_marking_id(Tlp::AmberStrict), "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
        assert_eq!(tlp_of_marking("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), Some(Tlp::Clear));
    }
}
