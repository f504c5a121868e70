//! Exchange with the tools Godwit's members and their partners already run.
//!
//! [`stix`] writes items as a STIX 2.1 bundle (reports, notes, indicators,
//! identities, locations, TLP 2.0 and statement markings, and an extension for
//! what only Godwit has) and reads such bundles back, refusing whatever it
//! cannot represent. Pure: no I/O, no clock; the caller passes the time and
//! decides which items a user may export (see docs/interoperability.md).
//!
//! [`federation`] is the wire format between Godwit nodes: node keys, signed
//! requests and signed bundles of changes (see docs/federation.md).

pub mod federation;
pub mod fuzz_checks;
pub mod stix;
