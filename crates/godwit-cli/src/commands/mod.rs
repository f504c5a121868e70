//! Commands built on libraries other than the store.

pub mod acting;
pub mod assessment;
pub mod bulletin;
pub mod documents;
pub mod federation;
pub mod import;
pub mod index;
pub mod rfi;
pub mod screening;
pub mod stix;
pub mod survey;
pub mod taxii;
pub mod threats;
