//! Godwit's domain: the pure types and rules every other crate builds on.
//!
//! Nothing here performs I/O or reads the clock: time, ids and randomness are
//! passed in by the caller so that every rule can be tested deterministically.
//! The security-critical part is [`policy`]: the single function that decides
//! whether a subject may read an item.

pub mod agreement;
pub mod assessment;
pub mod bulletin;
pub mod codes;
pub mod document;
pub mod error;
pub mod grading;
pub mod incident;
pub mod item;
pub mod marking;
pub mod member;
pub mod policy;
pub mod regional;
pub mod requirement;
pub mod rfi;
pub mod risk;
pub mod survey;
pub mod taxonomy;
pub mod template;
pub mod threat;
pub mod user;
pub mod workflow;

pub use error::{ValidationError, ValidationErrors};

/// A point in time, as milliseconds since the Unix epoch (UTC).
///
/// Stored as a plain integer so that both databases compare and index it the same
/// way; written on the wire as RFC 3339 text (and read from text or milliseconds).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = DateTime))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Millis(i64),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Millis(ms) => Ok(Timestamp(ms)),
            Wire::Text(text) => Timestamp::parse_rfc3339(&text)
                .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time"))),
        }
    }
}

impl Timestamp {
    pub fn from_datetime(t: time::OffsetDateTime) -> Self {
        Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn to_datetime(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// RFC 3339 text, the form used on the wire.
    /// RFC 3339 text in UTC with exactly three digits of milliseconds.
    pub fn to_rfc3339(self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        self.to_datetime().format(&format).unwrap_or_default()
    }

    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().map(Self::from_datetime)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * 86_400_000)
    }
}

/// Serde helpers that write stored millisecond fields as RFC 3339 text, for
/// records that keep the integer (it is what the audit chain hashes).
pub mod wire_time {
    use super::Timestamp;

    pub fn millis<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Timestamp(*ms).to_rfc3339())
    }

    pub fn opt_millis<S: serde::Serializer>(ms: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => millis(ms, serializer),
            None => serializer.serialize_none(),
        }
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

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn timestamps_travel_as_rfc3339_and_are_read_from_either_form() {
        let t = Timestamp(1_793_491_200_123);
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(Timestamp(1_793_491_200_360).to_rfc3339(), "2026-11-01T00:00:00.360Z");
        assert_eq!(Timestamp(1_793_491_200_000).to_rfc3339(), "2026-11-01T00:00:00.000Z");
        assert_eq!(json, "\"2026-11-01T00:00:00.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).ok(), Some(t));
        assert_eq!(serde_json::from_str::<Timestamp>("1793491200123").ok(), Some(t));
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(any(test, feature = "testing"))]
pub mod fuzz_replay;

#[cfg(any(test, feature = "testing"))]
pub mod oracles;
