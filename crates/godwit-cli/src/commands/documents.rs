//! What `godwit assessment` and `godwit bulletin` share: their documents are
//! kept in versions by the same store functions, so they are listed, their
//! history read and a change saved onto the version read the same way.

use godwit_domain::document::Versioned;
use godwit_domain::user::Subject;
use godwit_store::documents::StoredDraft;
use godwit_store::{Store, StoreError};
use uuid::Uuid;

/// One document per line: id, member, version, title.
pub fn print<D: StoredDraft>(document: &Versioned<D>) {
    println!("{}\t{}\tversion {}\t{}", document.id, document.member, document.version, document.draft.title());
}

/// The documents of a kind `subject` may open, newest first.
pub async fn list<D: StoredDraft>(store: &Store, subject: &Subject) -> anyhow::Result<()> {
    for document in store.documents::<D>(subject).await? {
        print(&document);
    }
    Ok(())
}

/// Every saved version of document `id`, newest first: who saved it and when.
pub async fn history<D: StoredDraft>(store: &Store, subject: &Subject, id: Uuid) -> anyhow::Result<()> {
    for saved in store.document_history::<D>(subject, id).await? {
        let by = store.user(saved.changed_by).await?.user.username;
        println!(
            "version {}\t{}\t{by} ({})\t{}",
            saved.version,
            saved.changed_at.to_rfc3339(),
            saved.changed_member,
            saved.draft.title()
        );
    }
    Ok(())
}

/// Document `id` as `subject` may open it; not found otherwise, as in the API.
pub async fn current<D: StoredDraft>(store: &Store, subject: &Subject, id: Uuid) -> anyhow::Result<Versioned<D>> {
    let found = store.documents::<D>(subject).await?.into_iter().find(|d| d.id == id);
    Ok(found.ok_or(StoreError::NotFound(D::NAME))?)
}
