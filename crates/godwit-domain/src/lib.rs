//! Godwit's domain: the pure types and rules every other crate builds on.
//!
//! Nothing here performs I/O or reads the clock: time, ids and randomness are
//! passed in by the caller so that every rule can be tested deterministically.
//! The security-critical part is [`policy`]: the single function that decides
//! whether a subject may read an item.

pub mod agreement;
pub mod error;
pub mod grading;
pub mod item;
pub mod marking;
pub mod member;
pub mod policy;
pub mod user;
pub mod workflow;

pub use error::{ValidationError, ValidationErrors};

/// A point in time, as milliseconds since the Unix epoch (UTC).
///
/// Stored as a plain integer so that both databases compare and index it the same way.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_datetime(t: time::OffsetDateTime) -> Self {
        Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn to_datetime(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// RFC 3339 text, the form used on the wire.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }

    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(Self::from_datetime)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * 86_400_000)
    }
}

/// The source of the current time; injected so tests control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until moved, for tests and reproducible demos.
#[derive(Debug, Default)]
pub struct FixedClock(std::sync::atomic::AtomicI64);

impl FixedClock {
    pub fn new(at: Timestamp) -> Self {
        FixedClock(std::sync::atomic::AtomicI64::new(at.0))
    }
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.0, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod testing;
