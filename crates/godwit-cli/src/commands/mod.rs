//! Commands built on libraries other than the store.

pub mod index;
pub mod screening;
