//! Latency samples, their percentiles and the Markdown table they end up in.

use std::time::Duration;

/// The timings of one measured query.
pub struct Series {
    pub who: String,
    pub query: String,
    /// Items on the page (of the last sample), to show what the subject sees.
    pub page_items: usize,
    pub samples: Vec<Duration>,
}

impl Series {
    /// The nearest-rank percentile `p` (0–100) in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1_000.0
    }
}

/// The list latencies as a Markdown table.
pub fn table(series: &[Series]) -> String {
    let mut out = String::from(
        "| subject | query | items on page | samples | p50 ms | p95 ms | p99 ms | max ms |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in series {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            s.who,
            s.query,
            s.page_items,
            s.samples.len(),
            s.percentile_ms(50.0),
            s.percentile_ms(95.0),
            s.percentile_ms(99.0),
            s.percentile_ms(100.0),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let series = Series {
            who: "x".into(),
            query: "q".into(),
            page_items: 0,
            samples: (1..=100).map(Duration::from_millis).collect(),
        };
        assert_eq!(series.percentile_ms(50.0), 50.0);
        assert_eq!(series.percentile_ms(95.0), 95.0);
        assert_eq!(series.percentile_ms(99.0), 99.0);
        assert_eq!(series.percentile_ms(100.0), 100.0);
        assert!(table(&[series]).contains("| x | q | 0 | 100 | 50.00 | 95.00 | 99.00 | 100.00 |"));
    }
}
