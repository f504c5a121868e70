//! Helpers for forms and values on pages: field errors shown beside their
//! field, and times and dates in the form people read them.

use std::collections::BTreeMap;

use godwit_domain::Timestamp;

use crate::error::ApiError;

/// Messages per form field; a message with no field goes in `general`.
#[derive(Debug, Default)]
pub struct FieldErrors {
    fields: BTreeMap<String, String>,
    pub general: Vec<String>,
}

impl FieldErrors {
    pub fn one(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// Adds a message; a second one for the same field is appended.
    pub fn add(&mut self, field: &str, message: &str) {
        self.fields
            .entry(field.to_owned())
            .and_modify(|m| {
                m.push_str("; ");
                m.push_str(message);
            })
            .or_insert_with(|| message.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    /// The message for a field, for the template.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// Every message, fields first, for the summary at the top of a form.
    pub fn all(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|(f, m)| format!("{}: {m}", f.replace('_', " ")))
            .chain(self.general.iter().cloned())
            .collect()
    }

    /// Files the errors under the form field whose name the error path starts
    /// with (`release.members[2]` → `release_members`), via `map`.
    pub fn from_api(e: &ApiError, map: impl Fn(&str) -> Option<String>) -> Self {
        let mut errors = FieldErrors::default();
        for error in &e.errors {
            match map(&error.field) {
                Some(field) => errors.add(&field, &error.message),
                None => errors.general.push(format!("{}: {}", error.field, error.message)),
            }
        }
        if e.errors.is_empty() {
            errors.general.push(e.detail.clone().unwrap_or_else(|| "the request was refused".into()));
        }
        errors
    }
}

impl From<&ApiError> for FieldErrors {
    /// Field names of the error are the form's field names.
    fn from(e: &ApiError) -> Self {
        FieldErrors::from_api(e, |f| Some(f.to_owned()))
    }
}

/// A moment as people read it: `2026-11-23 16:40 UTC`.
pub fn when(t: Timestamp) -> String {
    let dt = t.to_datetime();
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", dt.year(), u8::from(dt.month()), dt.day(), dt.hour(), dt.minute())
}

/// The date part, `2026-11-23`, as `<input type=date>` wants it.
pub fn date(t: Timestamp) -> String {
    when(t).chars().take(10).collect()
}

/// Parses `YYYY-MM-DD` as the start of that day (UTC).
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let date = time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(Timestamp::from_datetime(date.midnight().assume_utc()))
}

/// A stored name in words: `intelligence_report` → `Intelligence report`.
pub fn words(name: &str) -> String {
    let text = name.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let t = parse_date("2026-02-28").expect("a date");
        assert_eq!(date(t), "2026-02-28");
        assert_eq!(when(t), "2026-02-28 00:00 UTC");
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn names_read_as_words() {
        assert_eq!(words("intelligence_report"), "Intelligence report");
        assert_eq!(words(""), "");
    }

    #[test]
    fn errors_collect_per_field() {
        let mut errors = FieldErrors::one("title", "is empty");
        errors.add("title", "is too long");
        assert_eq!(errors.get("title"), Some("is empty; is too long"));
        assert_eq!(errors.get("body"), None);
        assert!(!errors.is_empty());
    }
}
