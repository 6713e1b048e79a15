//! The Prometheus text exposition format (version 0.0.4): families with `# HELP` and `# TYPE`, escaped label
//! values, histograms with cumulative `le` buckets. And the bounded series maps the metrics are kept in: a family
//! holds at most `MAX_SERIES` label sets; observations beyond that are added to one series whose labels are all
//! `other`, so a client inventing model names cannot grow the exposition without bound.

use std::collections::HashMap;
use std::fmt::Write;
use std::hash::Hash;

/// The most label sets one family keeps before it folds new ones into `other`.
pub(crate) const MAX_SERIES: usize = 10_000;

/// The label value of the series observations beyond `MAX_SERIES` are folded into.
pub(crate) const OTHER: &str = "other";

/// A family's series by label values, bounded.
#[derive(Debug)]
pub(crate) struct Series<K, V> {
    map: HashMap<K, V>,
}

impl<K, V> Default for Series<K, V> {
    fn default() -> Self {
        Series { map: HashMap::new() }
    }
}

impl<K: Eq + Hash, V> Series<K, V> {
    /// The value of `key` (made by `init` the first time), or of `overflow()` when the family is full and `key` is
    /// new.
    pub(crate) fn entry(&mut self, key: K, overflow: impl FnOnce() -> K, init: impl FnOnce() -> V) -> &mut V {
        let key = if self.map.len() >= MAX_SERIES && !self.map.contains_key(&key) { overflow() } else { key };
        self.map.entry(key).or_insert_with(init)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }
}

/// Latency buckets, in seconds.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    pub(crate) fn new(bounds: &'static [f64]) -> Self {
        Histogram { bounds, counts: vec![0; bounds.len()], sum: 0.0, count: 0 }
    }

    pub(crate) fn observe(&mut self, seconds: f64) {
        if let Some(bucket) = self.bounds.iter().position(|bound| seconds <= *bound) {
            self.counts[bucket] += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// Writes the exposition.
#[derive(Default)]
pub(crate) struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a family.
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// One sample of the current family.
    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        write_labels(&mut self.text, labels);
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// A histogram's buckets, sum and count.
    pub(crate) fn histogram(&mut self, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        let mut cumulative = 0;
        let bucket = format!("{name}_bucket");
        for (bound, count) in histogram.bounds.iter().zip(&histogram.counts) {
            cumulative += count;
            let le = number(*bound);
            let with_le: Vec<(&str, &str)> = labels.iter().copied().chain([("le", le.as_str())]).collect();
            self.sample(&bucket, &with_le, count_value(cumulative));
        }
        let all: Vec<(&str, &str)> = labels.iter().copied().chain([("le", "+Inf")]).collect();
        self.sample(&bucket, &all, count_value(histogram.count));
        self.sample(&format!("{name}_sum"), labels, histogram.sum);
        self.sample(&format!("{name}_count"), labels, count_value(histogram.count));
    }

    pub(crate) fn finish(self) -> String {
        self.text
    }
}

#[expect(clippy::cast_precision_loss, reason = "counters far below 2^52 are exact")]
pub(crate) fn count_value(count: u64) -> f64 {
    count as f64
}

fn write_labels(out: &mut String, labels: &[(&str, &str)]) {
    if labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
}

fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value > 0.0 {
        "+Inf".into()
    } else {
        "NaN".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_histograms_are_cumulative() {
        let mut exposition = Exposition::default();
        exposition.family("x_total", "counter", "X.");
        exposition.sample("x_total", &[("model", "a\"b\\c\nd")], 3.0);
        let mut histogram = Histogram::new(&[0.1, 1.0]);
        for seconds in [0.05, 0.5, 0.7, 5.0] {
            histogram.observe(seconds);
        }
        exposition.family("t_seconds", "histogram", "T.");
        exposition.histogram("t_seconds", &[("endpoint", "GET /v1/usage")], &histogram);
        let text = exposition.finish();
        assert!(text.contains("x_total{model=\"a\\\"b\\\\c\\nd\"} 3\n"), "{text}");
        assert!(text.contains("t_seconds_bucket{endpoint=\"GET /v1/usage\",le=\"0.1\"} 1\n"), "{text}");
        assert!(text.contains("t_seconds_bucket{endpoint=\"GET /v1/usage\",le=\"1\"} 3\n"), "{text}");
        assert!(text.contains("t_seconds_bucket{endpoint=\"GET /v1/usage\",le=\"+Inf\"} 4\n"), "{text}");
        assert!(text.contains("t_seconds_count{endpoint=\"GET /v1/usage\"} 4\n"), "{text}");
    }

    #[test]
    fn a_full_family_folds_new_series_into_other() {
        let mut series: Series<String, u64> = Series::default();
        for i in 0..MAX_SERIES + 50 {
            *series.entry(format!("model-{i}"), || OTHER.to_owned(), u64::default) += 1;
        }
        assert_eq!(series.iter().count(), MAX_SERIES + 1);
        assert_eq!(series.iter().find(|(k, _)| k.as_str() == OTHER).map(|(_, v)| *v), Some(50));
        *series.entry("model-1".to_owned(), || OTHER.to_owned(), u64::default) += 1;
        assert_eq!(
            series.iter().find(|(k, _)| k.as_str() == "model-1").map(|(_, v)| *v),
            Some(2),
            "known ones still count"
        );
    }
}
