//! Traveller screening for Godwit, usable as a library without the server.
//!
//! The pipeline, one module per step:
//! - [`mrz`] reads and validates machine readable zones (ICAO Doc 9303);
//! - [`countries`] maps ICAO nationality codes to ISO 3166-1 alpha-3;
//! - [`traveller`] is what every manifest format reduces to.

pub mod countries;
pub mod csv_table;
pub mod dates;
pub mod manifest;
pub mod mrz;
pub mod names;
pub mod paxlst;
pub mod traveller;
pub mod watchlist;
