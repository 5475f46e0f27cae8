//! Prometheus metrics: counters and gauges with labels, rendered in the text format.
//!
//! A small registry of our own rather than a metrics crate: the daemon needs a handful of
//! series, and the text format is simple. Series are created on first use; their HELP and
//! TYPE come from `describe`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

type Labels = Vec<(String, String)>;

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(&'static str, Labels), f64>>,
}

/// HELP text and type of every metric the daemon exports.
fn describe(name: &str) -> (&'static str, &'static str) {
    match name {
        "sturmglas_mentions_total" => ("counter", "Mentions matched to a brand."),
        "sturmglas_negative_mentions_total" => ("counter", "Matched mentions scored negative."),
        "sturmglas_alerts_total" => ("counter", "Alert notices raised, by brand and level."),
        "sturmglas_ingested_total" => ("counter", "Mentions received, by source and result."),
        "sturmglas_ingest_requests_total" => ("counter", "Ingest API requests by HTTP status."),
        "sturmglas_deliveries_total" => ("counter", "Notification attempts by channel and result."),
        "sturmglas_outbox_pending" => ("gauge", "Notifications waiting for delivery."),
        "sturmglas_source_fetches_total" => ("counter", "Source fetches by source and result."),
        "sturmglas_source_items_total" => ("counter", "Items read from each source."),
        "sturmglas_source_last_success_timestamp_seconds" => {
            ("gauge", "Unix time of each source's last successful fetch.")
        }
        "sturmglas_errors_total" => ("counter", "Internal errors by component."),
        "sturmglas_store_errors_total" => ("counter", "Writes to the state database that failed."),
        "sturmglas_brand_level" => (
            "gauge",
            "Alert level per brand: 0 ok, 1 warning, 2 critical.",
        ),
        "sturmglas_ticks_total" => ("counter", "Detector ticks run."),
        "sturmglas_notices_held" => (
            "gauge",
            "Notices held back, by reason: silence, interval (mute or not active), escalation.",
        ),
        "sturmglas_nats_consumer_pending" => (
            "gauge",
            "Messages in the stream not yet delivered to this NATS consumer (its lag).",
        ),
        "sturmglas_nats_acked_total" => ("counter", "NATS messages acknowledged once stored."),
        "sturmglas_cluster_delivering" => (
            "gauge",
            "1 while this node holds the cluster's delivering lease, else 0.",
        ),
        _ => ("untyped", "sturmglas metric."),
    }
}

fn labels(l: &[(&str, &str)]) -> Labels {
    l.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<(&'static str, Labels), f64>> {
        crate::lock::lock(&self.series)
    }

    pub fn inc(&self, name: &'static str, l: &[(&str, &str)]) {
        self.add(name, l, 1.0);
    }

    pub fn add(&self, name: &'static str, l: &[(&str, &str)], by: f64) {
        *self.map().entry((name, labels(l))).or_insert(0.0) += by;
    }

    /// The outbox gauge, set by the delivery worker between deliveries and fresh on each scrape.
    pub fn set_outbox_pending(&self, pending: u64) {
        self.set("sturmglas_outbox_pending", &[], pending as f64);
    }

    pub fn set(&self, name: &'static str, l: &[(&str, &str)], v: f64) {
        self.map().insert((name, labels(l)), v);
    }

    /// The current value of one series, for tests and the health check.
    pub fn get(&self, name: &'static str, l: &[(&str, &str)]) -> f64 {
        self.map().get(&(name, labels(l))).copied().unwrap_or(0.0)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let map = self.map();
        let mut out = String::new();
        let mut last: Option<&str> = None;
        for ((name, labels), value) in map.iter() {
            if last != Some(name) {
                let (kind, help) = describe(name);
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} {kind}");
                last = Some(name);
            }
            out.push_str(name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {value}");
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_format_with_escaped_labels() {
        let m = Metrics::new();
        m.inc("sturmglas_mentions_total", &[("brand", "A \"B\"")]);
        m.inc("sturmglas_mentions_total", &[("brand", "A \"B\"")]);
        m.set("sturmglas_outbox_pending", &[], 3.0);
        let text = m.render();
        assert!(text.contains("# TYPE sturmglas_mentions_total counter"));
        assert!(
            text.contains("sturmglas_mentions_total{brand=\"A \\\"B\\\"\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("sturmglas_outbox_pending 3\n"));
        assert_eq!(
            m.get("sturmglas_mentions_total", &[("brand", "A \"B\"")]),
            2.0
        );
    }
}
