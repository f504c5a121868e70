//! Tag taxonomies: machine tags `namespace:value` drawn from lists the node
//! knows, so that tags mean the same thing across members (as MISP taxonomies do).

use serde::{Deserialize, Serialize};

/// One namespace of tags.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub namespace: String,
    #[serde(default)]
    pub description: String,
    /// The allowed values; empty means any value (lower-case letters, digits, hyphens).
    #[serde(default)]
    pub values: Vec<String>,
}

/// The taxonomies of a node: the defaults below plus any the node configures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomies(pub Vec<Taxonomy>);

fn closed(namespace: &str, description: &str, values: &[&str]) -> Taxonomy {
    Taxonomy {
        namespace: namespace.into(),
        description: description.into(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn open(namespace: &str, description: &str) -> Taxonomy {
    closed(namespace, description, &[])
}

impl Default for Taxonomies {
    fn default() -> Self {
        Taxonomies(vec![
            closed("alert", "Kind of alert", &["document-fraud", "modus-operandi", "route", "facilitator"]),
            closed(
                "fraud",
                "How a document is fraudulent",
                &["forged", "counterfeit", "fraudulently-obtained", "impostor"],
            ),
            closed("report", "Level of an intelligence report", &["strategic", "operational", "tactical"]),
            closed("assessment", "Scope of a threat assessment", &["regional", "register"]),
            closed("bulletin", "Bulletin series", &["pidc-monthly", "rso-bimonthly"]),
            closed("rfi", "Request for information", &["request", "response"]),
            open("incident", "Kind of incident"),
            open("nationality", "ISO 3166-1 alpha-3 code, lower case"),
            open("issuing-state", "ICAO code of a document's issuing state, lower case"),
            open("route", "Route as codes joined by hyphens"),
            open("library", "Kind of library document"),
            open("godwit", "Free tags of a member"),
        ])
    }
}

impl Taxonomies {
    /// Adds configured taxonomies; one with a known namespace replaces it.
    pub fn extended(mut self, extra: Vec<Taxonomy>) -> Self {
        for taxonomy in extra {
            self.0.retain(|t| t.namespace != taxonomy.namespace);
            self.0.push(taxonomy);
        }
        self
    }

    /// Why `tag` is not acceptable, if it is not.
    pub fn problem(&self, tag: &str) -> Option<String> {
        let Some((namespace, value)) = tag.split_once(':') else {
            return Some("must be namespace:value".into());
        };
        let Some(taxonomy) = self.0.iter().find(|t| t.namespace == namespace) else {
            return Some(format!("{namespace} is not a taxonomy of this node"));
        };
        if taxonomy.values.is_empty() {
            let well_formed = !value.is_empty()
                && value.len() <= 100
                && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            return (!well_formed).then(|| "values are lower-case letters, digits and hyphens".into());
        }
        (!taxonomy.values.iter().any(|v| v == value))
            .then(|| format!("{value} is not in the {namespace} taxonomy ({})", taxonomy.values.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_from_known_taxonomies() {
        let t = Taxonomies::default();
        assert_eq!(t.problem("alert:route"), None);
        assert_eq!(t.problem("nationality:afg"), None);
        assert!(t.problem("alert:rumour").is_some_and(|p| p.contains("not in the alert taxonomy")));
        assert!(t.problem("colour:red").is_some());
        assert!(t.problem("nationality:AFG").is_some());
        assert!(t.problem("untagged").is_some());
        let extended = t.extended(vec![closed("alert", "", &["rumour"])]);
        assert_eq!(extended.problem("alert:rumour"), None);
        assert!(extended.problem("alert:route").is_some());
    }
}
