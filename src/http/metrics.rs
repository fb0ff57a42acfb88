//! Prometheus metrics (`GET /metrics`, text format 0.0.4): requests by
//! status, latency histogram, GraphQL errors by code, SQL statements.
//! Kept by hand with atomics: a handful of series needs no library.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's counters, shared by every request.
#[derive(Default)]
pub struct Metrics {
    requests_by_status: Mutex<BTreeMap<u16, u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    errors_by_code: Mutex<BTreeMap<String, u64>>,
    /// SQL statements run (fed by the database connection's callback).
    pub sql_statements: Arc<AtomicU64>,
    websockets_open: AtomicU64,
}

impl Metrics {
    /// Counts one HTTP request.
    pub fn observe_request(&self, status: u16, elapsed: Duration) {
        if let Ok(mut by_status) = self.requests_by_status.lock() {
            *by_status.entry(status).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts one GraphQL error by its `extensions.code`.
    pub fn observe_error(&self, code: &str) {
        if let Ok(mut by_code) = self.errors_by_code.lock() {
            *by_code.entry(code.to_owned()).or_default() += 1;
        }
    }

    /// Counts a WebSocket connection opened.
    pub fn websocket_opened(&self) {
        self.websockets_open.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a WebSocket connection closed.
    pub fn websocket_closed(&self) {
        self.websockets_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Counts each of `errors` by its `extensions.code`.
    pub fn observe_errors(&self, errors: &[async_graphql::ServerError]) {
        for error in errors {
            let code = error.extensions.as_ref().and_then(|e| e.get("code"));
            match code {
                Some(async_graphql::Value::String(code)) => self.observe_error(code),
                _ => self.observe_error(""),
            }
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP medexchange_http_requests_total HTTP requests answered, by status."
        );
        let _ = writeln!(out, "# TYPE medexchange_http_requests_total counter");
        if let Ok(by_status) = self.requests_by_status.lock() {
            for (status, count) in by_status.iter() {
                let _ = writeln!(
                    out,
                    "medexchange_http_requests_total{{status=\"{status}\"}} {count}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP medexchange_http_request_duration_seconds Time to answer HTTP requests."
        );
        let _ = writeln!(
            out,
            "# TYPE medexchange_http_request_duration_seconds histogram"
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "medexchange_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "medexchange_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "medexchange_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "medexchange_http_request_duration_seconds_count {count}"
        );
        let _ = writeln!(
            out,
            "# HELP medexchange_graphql_errors_total GraphQL errors returned, by extensions.code."
        );
        let _ = writeln!(out, "# TYPE medexchange_graphql_errors_total counter");
        if let Ok(by_code) = self.errors_by_code.lock() {
            for (code, count) in by_code.iter() {
                let _ = writeln!(
                    out,
                    "medexchange_graphql_errors_total{{code=\"{code}\"}} {count}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP medexchange_sql_statements_total SQL statements run."
        );
        let _ = writeln!(out, "# TYPE medexchange_sql_statements_total counter");
        let _ = writeln!(
            out,
            "medexchange_sql_statements_total {}",
            self.sql_statements.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP medexchange_websockets_open WebSocket connections open.\n\
             # TYPE medexchange_websockets_open gauge\n\
             medexchange_websockets_open {}",
            self.websockets_open.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe_request(200, Duration::from_millis(3));
        metrics.observe_request(400, Duration::from_millis(30));
        metrics.observe_error("BAD_USER_INPUT");
        let text = metrics.render();
        assert!(text.contains("medexchange_http_requests_total{status=\"200\"} 1"));
        assert!(text.contains("medexchange_http_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("medexchange_http_request_duration_seconds_bucket{le=\"0.05\"} 2"));
        assert!(text.contains("medexchange_http_request_duration_seconds_count 2"));
        assert!(text.contains("medexchange_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1"));
    }
}
