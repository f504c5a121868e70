//! The indexer: applies the store's outbox to the index in order, and rebuilds
//! the index from the items table.
//!
//! The cursor (the id of the last outbox entry applied) is written in the
//! payload of the same tantivy commit as the documents, so the two cannot
//! disagree after a crash: at worst a batch is applied twice, which is harmless
//! because applying an entry means "replace the document with the item as the
//! store holds it now" (or remove it when the store no longer has it).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use godwit_domain::item::Item;
use godwit_store::Store;
use tantivy::{IndexWriter, TantivyDocument, TantivyError, Term};
use uuid::Uuid;

use crate::{CommitPayload, SearchError, SearchIndex, parse_payload, schema};

/// Outbox entries read per step.
const OUTBOX_BATCH: u64 = 2_000;
/// Items read per page during a rebuild.
const REBUILD_PAGE: u64 = 2_000;
/// Memory for the writer's in-progress segments, over all its threads.
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// Outbox entries applied.
    pub entries: u64,
    /// The id of the last entry applied (unchanged when there was nothing new).
    pub cursor: i64,
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rebuilt {
    pub items: u64,
    /// The outbox position the rebuilt index stands at.
    pub cursor: i64,
    pub elapsed: Duration,
}

/// Holds the index's only writer and feeds it from the store.
pub struct Indexer {
    index: SearchIndex,
    store: Store,
    writer: Arc<Mutex<IndexWriter>>,
}

fn lock(writer: &Mutex<IndexWriter>) -> std::sync::MutexGuard<'_, IndexWriter> {
    // A panic while holding the lock leaves uncommitted work at worst: the next
    // commit or rollback sorts it out, so the poison is ignored.
    writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, SearchError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| SearchError::Task(e.to_string()))?
}

impl Indexer {
    pub(crate) fn new(index: SearchIndex, store: Store) -> Result<Indexer, SearchError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        let writer = match index.inner.index.writer_with_num_threads(threads, WRITER_MEMORY) {
            Ok(writer) => writer,
            Err(TantivyError::LockFailure(..)) => return Err(SearchError::Locked(index.inner.dir.clone())),
            Err(e) => return Err(e.into()),
        };
        Ok(Indexer { index, store, writer: Arc::new(Mutex::new(writer)) })
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The id of the last outbox entry applied, from the last commit.
    pub fn cursor(&self) -> Result<i64, SearchError> {
        let metas = self.index.inner.index.load_metas()?;
        Ok(parse_payload(metas.payload.as_deref(), &self.index.inner.dir)?.map_or(0, |p| p.outbox_cursor))
    }

    /// Applies every outbox entry after the cursor, in order, committing after
    /// each batch with the new cursor; searches see the result on return.
    pub async fn catch_up(&self) -> Result<CatchUp, SearchError> {
        let mut cursor = self.cursor()?;
        let mut entries = 0u64;
        loop {
            let batch = self.store.outbox_after(cursor, OUTBOX_BATCH).await?;
            let Some(last) = batch.last().map(|e| e.id) else { break };
            let mut ids: Vec<Uuid> = Vec::with_capacity(batch.len());
            for entry in &batch {
                match Uuid::parse_str(&entry.item_id) {
                    Ok(id) => ids.push(id),
                    Err(_) => {
                        tracing::warn!(entry = entry.id, item = %entry.item_id, "outbox entry without a valid item id")
                    }
                }
            }
            ids.sort_unstable();
            ids.dedup();
            let items = self.store.items_for_index(&ids).await?;
            let (index, writer) = (self.index.clone(), self.writer.clone());
            blocking(move || {
                let mut writer = lock(&writer);
                replace(&index, &writer, &ids, &items)?;
                commit(&mut writer, last)?;
                index.reload()
            })
            .await?;
            entries += batch.len() as u64;
            cursor = last;
        }
        Ok(CatchUp { entries, cursor })
    }

    /// Recreates the index from the items table: every document is replaced in
    /// one commit (searches see the old index until then), the cursor is set to
    /// where the outbox stood before the items were read, and whatever changed
    /// meanwhile is then applied by a catch-up. `progress` is told how many
    /// items are done out of how many.
    pub async fn rebuild(&self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Result<Rebuilt, SearchError> {
        let started = Instant::now();
        let head = self.store.outbox_head().await?;
        let total = self.store.count_items().await?;
        // Pages of items, then `None` once all were read; a channel closed
        // without it means the reading failed, and nothing is committed.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Option<Vec<Item>>>(2);
        let (index, writer) = (self.index.clone(), self.writer.clone());
        let consumer = tokio::task::spawn_blocking(move || -> Result<u64, SearchError> {
            let mut writer = lock(&writer);
            let mut done = 0u64;
            let fed = (|| {
                writer.delete_all_documents()?;
                loop {
                    match rx.blocking_recv() {
                        Some(Some(items)) => {
                            for item in &items {
                                writer.add_document(index.inner.fields.document(item))?;
                            }
                            done += items.len() as u64;
                            progress(done, total.max(done));
                        }
                        Some(None) => break,
                        None => return Err(SearchError::Task("the rebuild was interrupted".into())),
                    }
                }
                commit(&mut writer, head)?;
                index.reload()
            })();
            if let Err(e) = fed {
                // Leave the index as it was rather than half rebuilt.
                let _ = writer.rollback();
                return Err(e);
            }
            Ok(done)
        });
        let mut after = None;
        let read: Result<(), SearchError> = async {
            loop {
                let page = self.store.items_for_index_after(after, REBUILD_PAGE).await?;
                let Some(last) = page.last().map(|i| i.id) else { break };
                after = Some(last);
                if tx.send(Some(page)).await.is_err() {
                    return Ok(()); // the consumer failed; its error is reported below
                }
            }
            let _ = tx.send(None).await;
            Ok(())
        }
        .await;
        drop(tx);
        let consumed = consumer.await.map_err(|e| SearchError::Task(e.to_string()))?;
        read?;
        let items = consumed?;
        let caught_up = self.catch_up().await?;
        Ok(Rebuilt { items, cursor: caught_up.cursor, elapsed: started.elapsed() })
    }

    /// Catches up every `interval` until the task is dropped; errors are logged
    /// and retried, since the index is derived data and the database goes on.
    pub async fn run(self, interval: Duration) {
        loop {
            match self.catch_up().await {
                Ok(CatchUp { entries: 0, .. }) => {}
                Ok(done) => tracing::debug!(entries = done.entries, cursor = done.cursor, "search index caught up"),
                Err(e) => tracing::error!(error = %e, "search indexer: catching up failed; retrying"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}

/// Replaces the documents of `ids` with `items` (ids without an item are removed).
fn replace(index: &SearchIndex, writer: &IndexWriter, ids: &[Uuid], items: &[Item]) -> Result<(), SearchError> {
    let fields = &index.inner.fields;
    for id in ids {
        writer.delete_term(Term::from_field_text(fields.id, &id.to_string()));
    }
    for item in items {
        let doc: TantivyDocument = fields.document(item);
        writer.add_document(doc)?;
    }
    Ok(())
}

fn commit(writer: &mut IndexWriter, cursor: i64) -> Result<(), SearchError> {
    let payload =
        serde_json::to_string(&CommitPayload { schema_version: schema::SCHEMA_VERSION, outbox_cursor: cursor })
            .map_err(|e| SearchError::Task(e.to_string()))?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}
