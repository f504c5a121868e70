//! The policy filter, computed once per index segment and reused.
//!
//! Evaluating the pushed-down policy (a tree of unions and intersections over
//! the envelope fields) for every candidate document cost most of a search over
//! 1,000,000 items (docs/benchmarks.md). Segments never change once written and
//! the filter depends only on the subject's policy inputs and the agreements in
//! force ([`crate::policy::cache_key`]), so the documents it matches in a
//! segment are kept as a bitset under that exact key and every later search
//! intersects with the bitset. Deleted documents stay in the bitset; collectors
//! skip them as they do for any query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Schema;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Bitsets kept at most (about 125 KB each per 1,000,000 documents); past it
/// the cache starts again empty.
const MAX_ENTRIES: usize = 256;

/// The documents a filter matches in one segment, by (policy key, segment).
type Entries = HashMap<(Arc<str>, SegmentId), Arc<BitSet>>;

/// Filters already computed.
#[derive(Default)]
pub struct FilterCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for FilterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FilterCache")
    }
}

impl FilterCache {
    fn bits(
        &self,
        key: &Arc<str>,
        reader: &SegmentReader,
        compute: impl FnOnce() -> tantivy::Result<BitSet>,
    ) -> tantivy::Result<Arc<BitSet>> {
        let slot = (key.clone(), reader.segment_id());
        if let Some(found) = self.lock().get(&slot) {
            return Ok(found.clone());
        }
        let bits = Arc::new(compute()?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(slot, bits.clone());
        Ok(bits)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves only whole entries behind.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `filter`, answered from the cache under `key`.
#[derive(Debug)]
pub struct CachedFilter {
    key: Arc<str>,
    filter: Box<dyn Query>,
    cache: Arc<FilterCache>,
}

impl CachedFilter {
    pub fn new(key: String, filter: Box<dyn Query>, cache: Arc<FilterCache>) -> Self {
        CachedFilter { key: key.into(), filter, cache }
    }
}

impl Clone for CachedFilter {
    fn clone(&self) -> Self {
        CachedFilter { key: self.key.clone(), filter: self.filter.box_clone(), cache: self.cache.clone() }
    }
}

impl Query for CachedFilter {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CachedWeight { filter: self.clone(), schema: enable_scoring.schema().clone() }))
    }
}

/// The filter's own weight is only built for a segment not in the cache:
/// building it (the automata of its term sets) costs more than a search that
/// finds every segment cached.
struct CachedWeight {
    filter: CachedFilter,
    schema: Schema,
}

impl CachedWeight {
    fn uncached(&self) -> tantivy::Result<Box<dyn Weight>> {
        self.filter.filter.weight(EnableScoring::disabled_from_schema(&self.schema))
    }
}

impl Weight for CachedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.filter.cache.bits(&self.filter.key, reader, || {
            let mut matching = self.uncached()?.scorer(reader, 1.0)?;
            let mut bits = BitSet::with_max_value(reader.max_doc());
            let mut doc: DocId = matching.doc();
            while doc != TERMINATED {
                bits.insert(doc);
                doc = matching.advance();
            }
            Ok(bits)
        })?;
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(BitSet::clone(&bits)), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.uncached()?.explain(reader, doc)
    }
}
