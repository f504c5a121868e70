//! Helpers shared by the item templates: the generated text of an item before its
//! markings are chosen, random picks, dates and country roles.

use godwit_domain::Timestamp;
use godwit_domain::item::{BorderEnvironment, Category, CountryRef, CountryRole, ItemDetails};
use rand::Rng;

use crate::demo::region::{MemberSpec, NATIONALITIES, ROUTES};

/// What a template writes: everything of the content except the markings.
pub struct Text {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: Category,
    pub details: ItemDetails,
    pub tags: Vec<String>,
    pub countries: Vec<CountryRef>,
    pub environment: Option<BorderEnvironment>,
    /// How long the item stays valid, in days from its creation; `None`: no end.
    pub valid_days: Option<i64>,
}

/// What a template is given: who writes, when, and the generator.
pub struct Ctx<'r, R: Rng> {
    pub rng: &'r mut R,
    pub member: &'static MemberSpec,
    pub when: Timestamp,
}

impl<R: Rng> Ctx<'_, R> {
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.rng.random_range(0..options.len())]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        self.rng.random_range(low..=high)
    }

    /// A border post of the writing member, or of a random state for members without one.
    pub fn post(&mut self) -> (&'static str, &'static str) {
        let member = if self.member.posts.is_empty() {
            let states: Vec<_> = crate::demo::region::states().collect();
            states[self.rng.random_range(0..states.len())]
        } else {
            self.member
        };
        self.pick(member.posts)
    }

    pub fn nationality(&mut self) -> (&'static str, &'static str) {
        self.pick(NATIONALITIES)
    }

    /// A route with the environment of its last leg.
    pub fn route(&mut self) -> (&'static [&'static str], BorderEnvironment) {
        let (route, env) = self.pick(ROUTES);
        (route, BorderEnvironment::parse(env).unwrap_or(BorderEnvironment::Air))
    }

    /// The date `days_before` days before the item was written, in words.
    pub fn date_words(&self, days_before: i64) -> String {
        long_date(self.when.plus_days(-days_before))
    }
}

/// `14 March 2026`.
pub fn long_date(at: Timestamp) -> String {
    at.to_datetime()
        .format(time::macros::format_description!("[day padding:none] [month repr:long] [year]"))
        .unwrap_or_default()
}

/// `2026-03-14`.
pub fn iso_date(at: Timestamp) -> String {
    at.to_datetime().format(time::macros::format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// `March 2026`.
pub fn month_year(at: Timestamp) -> String {
    at.to_datetime().format(time::macros::format_description!("[month repr:long] [year]")).unwrap_or_default()
}

/// `LKA → MYS → IDN → AUS`.
pub fn route_words(route: &[&str]) -> String {
    route.join(" → ")
}

/// The countries of a route with their roles: origin, transit points, destination.
pub fn route_countries(route: &[&str]) -> Vec<CountryRef> {
    let last = route.len().saturating_sub(1);
    route
        .iter()
        .enumerate()
        .map(|(i, code)| CountryRef {
            code: (*code).to_owned(),
            role: match i {
                0 => CountryRole::Origin,
                i if i == last => CountryRole::Destination,
                _ => CountryRole::Transit,
            },
        })
        .collect()
}

/// The reporting member as a country reference, for states only.
pub fn reporting(member: &MemberSpec) -> Option<CountryRef> {
    (!member.posts.is_empty()).then(|| CountryRef { code: member.code.to_owned(), role: CountryRole::Reporting })
}

/// A tag `namespace:value` with the value made lower-case and hyphenated.
pub fn tag(namespace: &str, value: &str) -> String {
    let value: String =
        value.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("{namespace}:{value}")
}
