//! What the portal's pages of documents read by an audience (threat
//! assessments, bulletins) share: their row in a list, the audience and
//! markings of their form (`document_audience.html`), and saving a form.

use axum::http::StatusCode;
use godwit_domain::document::{DocumentDraft, DocumentMarking, Versioned};
use godwit_domain::marking::{Caveats, ClassificationScale, Tlp};
use godwit_domain::member::{Audience, MemberCode};
use godwit_store::documents::StoredDraft;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::forms::when;
use crate::web::page::WebError;
use crate::web::plans::codes;
use crate::web::viewer::Viewer;

/// A document in a list.
pub struct DocumentRow {
    pub id: Uuid,
    pub title: String,
    pub member: String,
    pub audience: String,
    pub classification: String,
    pub version: u32,
    pub updated: String,
}

impl DocumentRow {
    pub fn of<D: DocumentDraft>(doc: &Versioned<D>, scale: &ClassificationScale) -> Self {
        let d = &doc.draft;
        DocumentRow {
            id: doc.id,
            title: d.title().to_owned(),
            member: doc.member.to_string(),
            audience: d.audience().label(),
            classification: scale.name(d.marking().classification).to_owned(),
            version: doc.version,
            updated: when(doc.updated_at),
        }
    }
}

/// The audience and markings of a document as its form sends them.
#[derive(serde::Deserialize, Default)]
pub struct AudienceFields {
    /// Member codes separated by commas.
    #[serde(default)]
    pub members: String,
    /// Group codes separated by commas.
    #[serde(default)]
    pub groups: String,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub no_third_party: Option<String>,
    #[serde(default)]
    pub not_for_judicial_use: Option<String>,
    #[serde(default)]
    pub personal_data: Option<String>,
}

impl AudienceFields {
    /// The fields of `draft`, as the form shows them.
    pub fn of(draft: &impl DocumentDraft, scale: &ClassificationScale) -> Self {
        let (audience, marking) = (draft.audience(), draft.marking());
        AudienceFields {
            members: audience.members.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", "),
            groups: audience.groups.iter().cloned().collect::<Vec<_>>().join(", "),
            classification: scale.name(marking.classification).to_owned(),
            tlp: marking.tlp.as_str().to_owned(),
            no_third_party: marking.caveats.no_third_party.then(String::new),
            not_for_judicial_use: marking.caveats.not_for_judicial_use.then(String::new),
            personal_data: marking.caveats.personal_data.then(String::new),
        }
    }

    pub fn audience(&self) -> Audience {
        Audience { members: codes(&self.members).map(MemberCode).collect(), groups: codes(&self.groups).collect() }
    }

    /// The markings chosen: a level of `scale`, a TLP, the caveats ticked.
    pub fn marking(&self, scale: &ClassificationScale) -> Result<DocumentMarking, ApiError> {
        let classification =
            scale.parse(&self.classification).ok_or_else(|| ApiError::invalid("classification", "choose a level"))?;
        let tlp = Tlp::parse(self.tlp.trim()).ok_or_else(|| ApiError::invalid("tlp", "choose a TLP"))?;
        let caveats = Caveats {
            no_third_party: self.no_third_party.is_some(),
            not_for_judicial_use: self.not_for_judicial_use.is_some(),
            personal_data: self.personal_data.is_some(),
        };
        Ok(DocumentMarking { classification, tlp, caveats })
    }
}

/// Refuses the edit form of `doc` to whoever does not write it.
pub fn check_edits<D: DocumentDraft>(viewer: &Viewer, doc: &Versioned<D>) -> Result<(), WebError> {
    if D::edits(&viewer.caller.subject, &doc.member) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Only the analysts and officers of its member edit it."))
    }
}

/// The version an edit form was made to; none is a form to reload.
pub fn based_on(sent: Option<u32>) -> Result<u32, WebError> {
    sent.ok_or_else(|| WebError::from(ApiError::invalid("based_on", "reload the form")))
}

/// Saves the draft a form was read as: a new document, or a change to
/// document `editing` made to version `based_on`.
pub async fn save_draft<D: StoredDraft>(
    state: &AppState,
    viewer: &Viewer,
    draft: Result<D, ApiError>,
    editing: Option<(Uuid, u32)>,
) -> Result<Versioned<D>, ApiError> {
    let subject = &viewer.caller.subject;
    Ok(match editing {
        None => state.store.create_document(subject, draft?).await?,
        Some((id, based_on)) => state.store.update_document(subject, id, based_on, draft?).await?,
    })
}
