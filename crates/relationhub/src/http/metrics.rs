//! Prometheus metrics on `GET /metrics`: GraphQL requests by operation and outcome, a latency
//! histogram, database pool use, plus what other modules record (AI generations, deliveries).

use super::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process-wide recorder (installed once; later calls share it).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (embedding); keep a private one so /metrics works.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// Most distinct operation names kept as labels; later new names count as "other", so a
/// client cannot grow the metric without bound.
const MAX_OPERATIONS: usize = 200;

/// A bounded, sanitised label for a request: its operation name, else its first root field.
pub fn operation_label(name: Option<&str>, query: &str) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let raw =
        name.map(str::to_owned).unwrap_or_else(|| first_field(query).unwrap_or_else(|| "anonymous".into()));
    let clean: String = raw.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
    if clean.is_empty() {
        return "anonymous".into();
    }
    let mut seen = SEEN.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&clean) || seen.len() < MAX_OPERATIONS {
        seen.insert(clean.clone());
        clean
    } else {
        "other".into()
    }
}

/// The first field name of a query document (e.g. `emails` in `{ emails(first: 20) { … } }`).
fn first_field(query: &str) -> Option<String> {
    let body = &query[query.find('{')? + 1..];
    let name: String =
        body.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// Counts one request and observes its latency.
pub fn record_request(operation: &str, outcome: &str, elapsed: Duration) {
    metrics::counter!("relationhub_graphql_requests_total", "operation" => operation.to_owned(), "outcome" => outcome.to_owned())
        .increment(1);
    metrics::histogram!("relationhub_graphql_request_duration_seconds", "operation" => operation.to_owned())
        .record(elapsed.as_secs_f64());
}

/// True when `presented` equals `expected`, in time independent of where they differ.
fn same_secret(presented: &str, expected: &str) -> bool {
    use sha2::Digest as _;
    // Comparing digests keeps the time independent of the lengths too.
    let (a, b) = (sha2::Sha256::digest(presented.as_bytes()), sha2::Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Renders the text exposition format: 404 unless `RELATIONHUB_METRICS` is on, 401 without the
/// bearer token when `RELATIONHUB_METRICS_TOKEN` is set.
pub async fn render(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let config = &shared.state.config;
    if !config.metrics_enabled {
        return (StatusCode::NOT_FOUND, "metrics are off (RELATIONHUB_METRICS=on turns them on)")
            .into_response();
    }
    if let Some(expected) = &config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !presented.is_some_and(|p| same_secret(p, expected)) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "send the metrics token as Authorization: Bearer <token>",
            )
                .into_response();
        }
    }
    let (size, idle) = shared.state.store.pool_stats();
    metrics::gauge!("relationhub_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("relationhub_db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("relationhub_db_pool_max_connections")
        .set(f64::from(shared.state.config.max_connections));
    shared.metrics.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], shared.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn operation_labels_are_sanitised() {
        assert_eq!(super::operation_label(Some("ListEmails"), ""), "ListEmails");
        assert_eq!(super::operation_label(None, "{ emails(first: 20) { nodes { id } } }"), "emails");
        assert_eq!(super::operation_label(None, "query { me { id } }"), "me");
        assert_eq!(super::operation_label(Some("a\"b{c}"), ""), "abc");
        assert_eq!(super::operation_label(Some("!!"), ""), "anonymous");
    }
}
