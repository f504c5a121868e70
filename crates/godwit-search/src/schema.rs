//! The index's fields and how an item becomes a document.
//!
//! Three kinds of field:
//! - full text: `title`, `summary`, `body`, analysed with [`ANALYSER`] (words,
//!   lower case, accents folded, English stop words removed, English stems);
//! - the envelope the access policy needs, as raw terms and numbers
//!   (`state`, `originator_member`, release lists, classification, validity…),
//!   read only by the pushed-down filter in [`crate::policy`];
//! - `facets`: one hierarchical facet field holding every filterable value
//!   (`/kind/alert`, `/country/origin/FJI`, `/tag/godwit:document-fraud`…), used
//!   both to filter and to count.

use godwit_domain::item::{CountryRole, Item};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};

/// The name of the full-text analyser registered on the index.
pub const ANALYSER: &str = "godwit_en";

/// Bumped whenever the schema or the analyser changes: an index of another
/// version is rebuilt rather than read.
pub const SCHEMA_VERSION: u32 = 1;

/// Stand-ins for an open validity bound, so that "no bound" is a plain range test.
pub(crate) const OPEN_FROM: i64 = i64::MIN;
pub(crate) const OPEN_UNTIL: i64 = i64::MAX;

/// The facet dimensions, as (name in results and filters, facet path prefix).
pub const DIMENSIONS: &[&str] = &[
    "kind",
    "category",
    "originator",
    "country",
    "country_origin",
    "country_transit",
    "country_destination",
    "country_issuing_state",
    "country_reporting",
    "environment",
    "tag",
    "classification",
    "tlp",
    "state",
];

/// The facet dimension of a country in one role.
pub fn country_dimension(role: Option<CountryRole>) -> &'static str {
    match role {
        None => "country",
        Some(CountryRole::Origin) => "country_origin",
        Some(CountryRole::Transit) => "country_transit",
        Some(CountryRole::Destination) => "country_destination",
        Some(CountryRole::IssuingState) => "country_issuing_state",
        Some(CountryRole::Reporting) => "country_reporting",
    }
}

/// The facet for `value` in `dimension`.
pub fn facet(dimension: &str, value: &str) -> Facet {
    Facet::from_path([dimension, value])
}

/// Handles on every field of the schema.
#[derive(Clone, Debug)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub summary: Field,
    pub body: Field,
    pub kind: Field,
    pub category: Field,
    pub state: Field,
    pub originator_member: Field,
    pub originator_org: Field,
    pub author: Field,
    pub classification: Field,
    pub tlp: Field,
    pub personal_data: Field,
    pub release_members: Field,
    pub release_groups: Field,
    pub release_orgs: Field,
    pub valid_from: Field,
    pub valid_until: Field,
    pub created_at: Field,
    pub updated_at: Field,
    pub published_at: Field,
    pub facets: Field,
}

/// Field names of the numeric fast fields used for sorting and ranges.
pub const UPDATED_AT: &str = "updated_at";
/// Field name of the facet field.
pub const FACETS: &str = "facets";

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |positions: bool| {
        let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(ANALYSER).set_index_option(record))
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text(true)),
        summary: b.add_text_field("summary", text(true)),
        body: b.add_text_field("body", text(true)),
        kind: b.add_text_field("kind", STRING),
        category: b.add_text_field("category", STRING),
        state: b.add_text_field("state", STRING),
        originator_member: b.add_text_field("originator_member", STRING),
        originator_org: b.add_text_field("originator_org", STRING),
        author: b.add_text_field("author", STRING),
        classification: b.add_u64_field("classification", INDEXED),
        tlp: b.add_text_field("tlp", STRING),
        personal_data: b.add_text_field("personal_data", STRING),
        release_members: b.add_text_field("release_members", STRING),
        release_groups: b.add_text_field("release_groups", STRING),
        release_orgs: b.add_text_field("release_orgs", STRING),
        valid_from: b.add_i64_field("valid_from", INDEXED | FAST),
        valid_until: b.add_i64_field("valid_until", INDEXED | FAST),
        created_at: b.add_i64_field("created_at", INDEXED | FAST),
        updated_at: b.add_i64_field(UPDATED_AT, INDEXED | FAST),
        published_at: b.add_i64_field("published_at", INDEXED | FAST),
        facets: b.add_facet_field(FACETS, FacetOptions::default()),
    };
    (b.build(), fields)
}

/// Registers [`ANALYSER`] on an index.
pub fn register_analyser(index: &Index) {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    let analyser = match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder.filter(stop_words).filter(Stemmer::new(Language::English)).build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    };
    index.tokenizers().register(ANALYSER, analyser);
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

impl Fields {
    /// The document for `item`: its text, its envelope and its facets.
    pub fn document(&self, item: &Item) -> TantivyDocument {
        let c = &item.content;
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, item.id.to_string());
        doc.add_text(self.title, &c.title);
        doc.add_text(self.summary, &c.summary);
        doc.add_text(self.body, &c.body);
        doc.add_text(self.kind, item.kind.as_str());
        doc.add_text(self.category, c.category.as_str());
        doc.add_text(self.state, item.state.as_str());
        doc.add_text(self.originator_member, item.originator_member.as_str());
        doc.add_text(self.originator_org, item.originator_org.to_string());
        doc.add_text(self.author, item.author.to_string());
        doc.add_u64(self.classification, u64::from(c.classification.0));
        doc.add_text(self.tlp, c.tlp.as_str());
        doc.add_text(self.personal_data, yes_no(c.caveats.personal_data));
        for member in &c.release.members {
            doc.add_text(self.release_members, member.as_str());
        }
        for group in &c.release.groups {
            doc.add_text(self.release_groups, group);
        }
        for org in &c.release.organisations {
            doc.add_text(self.release_orgs, org.to_string());
        }
        doc.add_i64(self.valid_from, c.valid_from.map_or(OPEN_FROM, |t| t.0));
        doc.add_i64(self.valid_until, c.valid_until.map_or(OPEN_UNTIL, |t| t.0));
        doc.add_i64(self.created_at, item.created_at.0);
        doc.add_i64(self.updated_at, item.updated_at.0);
        if let Some(published) = item.published_at {
            doc.add_i64(self.published_at, published.0);
        }

        doc.add_facet(self.facets, facet("kind", item.kind.as_str()));
        doc.add_facet(self.facets, facet("category", c.category.as_str()));
        doc.add_facet(self.facets, facet("originator", item.originator_member.as_str()));
        doc.add_facet(self.facets, facet("classification", &c.classification.0.to_string()));
        doc.add_facet(self.facets, facet("tlp", c.tlp.as_str()));
        doc.add_facet(self.facets, facet("state", item.state.as_str()));
        if let Some(environment) = c.environment {
            doc.add_facet(self.facets, facet("environment", environment.as_str()));
        }
        let mut countries: Vec<(&str, &str)> = Vec::new();
        for country in &c.countries {
            countries.push((country_dimension(None), &country.code));
            countries.push((country_dimension(Some(country.role)), &country.code));
        }
        for tag in &c.tags {
            countries.push(("tag", tag));
        }
        countries.sort_unstable();
        countries.dedup();
        for (dimension, value) in countries {
            doc.add_facet(self.facets, facet(dimension, value));
        }
        doc
    }
}
