//! Facet counts from each segment's facet ordinals, decoded once and kept.
//!
//! tantivy's `FacetCollector` decodes every matching document's facet ordinals
//! (about 15 per item) from the bit-packed column through several dynamic calls
//! per value; over the half a million items a member's landing search matches,
//! that was most of the search (docs/benchmarks.md). Segments never change once
//! written, so the first search that meets a segment decodes its ordinals into
//! two flat arrays, and its dictionary into facet names, and every later search
//! counts by walking contiguous memory. Memory per segment: 2 bytes per facet
//! value (4 past 65,536 distinct values) and 4 bytes per document, about 34 MB
//! per 1,000,000 items; entries of segments no longer searched are dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, TantivyError};

use crate::query::FacetCount;
use crate::schema::DIMENSIONS;

/// Rows decoded at a time while reading a segment's column.
const DECODE_CHUNK: usize = 1 << 16;

/// A facet's ordinals, as narrow as the segment's dictionary allows.
enum Ordinals {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// One segment's facets: document `d` has the facets
/// `ordinals[starts[d]..starts[d + 1]]`, sorted and without repeats, and
/// ordinal `o` is value `names[o].1` of dimension `DIMENSIONS[names[o].0]`.
struct SegmentFacets {
    starts: Vec<u32>,
    ordinals: Ordinals,
    names: Vec<(usize, String)>,
}

impl SegmentFacets {
    fn decode(column: &StrColumn) -> tantivy::Result<SegmentFacets> {
        let ords = column.ords();
        let max_doc = ords.num_docs();
        let narrow = column.num_terms() <= usize::from(u16::MAX) + 1;
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut wide: Vec<u32> = Vec::new();
        let mut narrow_values: Vec<u16> = Vec::new();
        let mut buffer = vec![0u64; DECODE_CHUNK];
        let mut row_count: u32 = 0;
        let mut doc_values: Vec<u64> = Vec::new();
        for doc in 0..max_doc {
            starts.push(row_count);
            let rows = ords.index.value_row_ids(doc);
            doc_values.clear();
            let mut row = rows.start;
            while row < rows.end {
                let take = ((rows.end - row) as usize).min(DECODE_CHUNK);
                ords.values.get_range(u64::from(row), &mut buffer[..take]);
                doc_values.extend_from_slice(&buffer[..take]);
                row += take as u32;
            }
            doc_values.sort_unstable();
            doc_values.dedup();
            for &value in &doc_values {
                if narrow {
                    narrow_values.push(u16::try_from(value).map_err(|_| corrupt("facet ordinal out of range"))?);
                } else {
                    wide.push(u32::try_from(value).map_err(|_| corrupt("facet ordinal out of range"))?);
                }
            }
            row_count += doc_values.len() as u32;
        }
        starts.push(row_count);
        let ordinals = if narrow { Ordinals::Narrow(narrow_values) } else { Ordinals::Wide(wide) };

        let mut names = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            let facet = Facet::from_encoded(terms.key().to_vec()).map_err(|_| corrupt("facet term is not UTF-8"))?;
            let path = facet.to_path();
            let dimension = path.first().and_then(|d| DIMENSIONS.iter().position(|known| known == d));
            names.push(match (dimension, path.get(1)) {
                (Some(dimension), Some(value)) => (dimension, (*value).to_owned()),
                // Not a value of a known dimension: never reported.
                _ => (usize::MAX, String::new()),
            });
        }
        Ok(SegmentFacets { starts, ordinals, names })
    }
}

fn corrupt(what: &str) -> TantivyError {
    TantivyError::InternalError(format!("facets column: {what}"))
}

/// Decoded segments, by id.
#[derive(Default)]
pub struct FacetCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl std::fmt::Debug for FacetCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FacetCache")
    }
}

impl FacetCache {
    fn segment(&self, reader: &SegmentReader, field: &str) -> tantivy::Result<Arc<SegmentFacets>> {
        if let Some(found) = self.lock().get(&reader.segment_id()) {
            return Ok(found.clone());
        }
        let decoded = match reader.fast_fields().str(field)? {
            Some(column) => Arc::new(SegmentFacets::decode(&column)?),
            None => Arc::new(SegmentFacets {
                starts: vec![0; reader.max_doc() as usize + 1],
                ordinals: Ordinals::Narrow(Vec::new()),
                names: Vec::new(),
            }),
        };
        self.lock().insert(reader.segment_id(), decoded.clone());
        Ok(decoded)
    }

    /// Drops the segments that are not in `live` (merged away or deleted).
    pub fn retain(&self, live: &[SegmentId]) {
        self.lock().retain(|id, _| live.contains(id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentFacets>>> {
        // A panic while holding the lock leaves only whole entries behind.
        self.segments.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Counts, per dimension and value, the documents collected; the `values` most
/// frequent values of each dimension are kept, most frequent first.
pub struct FacetTally {
    pub field: &'static str,
    pub values: usize,
    pub cache: Arc<FacetCache>,
}

pub struct SegmentTally {
    facets: Arc<SegmentFacets>,
    counts: Vec<u32>,
}

impl SegmentCollector for SegmentTally {
    type Fruit = Vec<(usize, String, u64)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let starts = &self.facets.starts;
        match &self.facets.ordinals {
            Ordinals::Narrow(ordinals) => tally(docs, starts, ordinals, &mut self.counts),
            Ordinals::Wide(ordinals) => tally(docs, starts, ordinals, &mut self.counts),
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
            .iter()
            .zip(&self.facets.names)
            .filter(|(count, (dimension, _))| **count > 0 && *dimension != usize::MAX)
            .map(|(count, (dimension, value))| (*dimension, value.clone(), u64::from(*count)))
            .collect()
    }
}

/// A facet ordinal as stored, usable as an index.
trait Ordinal: Copy {
    fn index(self) -> usize;
}

impl Ordinal for u16 {
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Ordinal for u32 {
    fn index(self) -> usize {
        self as usize
    }
}

/// Adds the facets of `docs` to `counts`.
fn tally<T: Ordinal>(docs: &[DocId], starts: &[u32], ordinals: &[T], counts: &mut [u32]) {
    for &doc in docs {
        let (start, end) = (starts[doc as usize] as usize, starts[doc as usize + 1] as usize);
        for ordinal in &ordinals[start..end] {
            counts[ordinal.index()] += 1;
        }
    }
}

impl Collector for FacetTally {
    type Fruit = BTreeMap<String, Vec<FacetCount>>;
    type Child = SegmentTally;

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentTally> {
        let facets = self.cache.segment(reader, self.field)?;
        let counts = vec![0; facets.names.len()];
        Ok(SegmentTally { facets, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<(usize, String, u64)>>) -> tantivy::Result<Self::Fruit> {
        let mut totals: BTreeMap<(usize, String), u64> = BTreeMap::new();
        for (dimension, value, count) in segments.into_iter().flatten() {
            *totals.entry((dimension, value)).or_default() += count;
        }
        let mut out: BTreeMap<String, Vec<FacetCount>> = BTreeMap::new();
        for ((dimension, value), count) in totals {
            out.entry(DIMENSIONS[dimension].to_owned()).or_default().push(FacetCount { value, count });
        }
        for values in out.values_mut() {
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(self.values);
        }
        Ok(out)
    }
}
