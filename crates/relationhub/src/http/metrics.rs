//! Prometheus metrics on `GET /metrics`: GraphQL requests by operation and outcome, a latency
//! histogram, database pool use, plus what other modules record (AI generations, deliveries).

use super::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process-wide recorder (installed once; later calls share it).
///
/// The exporter keeps every histogram sample in a queue until upkeep folds it into the buckets,
/// and nothing does that on its own: with `/metrics` never scraped (or turned off) each request
/// would leave its latency behind for good, and a busy server grew by megabytes a minute
/// (docs/BENCHMARKS.md). A thread of its own runs upkeep every [`UPKEEP_EVERY`] for the life of
/// the process, so what is queued is bounded by a few seconds of traffic.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (embedding); keep a private one so /metrics works.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            };
            let upkept = handle.clone();
            let started = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkept.run_upkeep();
                }
            });
            if let Err(e) = started {
                // Scrapes still run upkeep; only an unscraped process keeps samples queued.
                tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
            }
            handle
        })
        .clone()
}

/// The label of requests that do not start with one of the schema's root fields.
pub const OTHER: &str = "other";

/// The label for a request: the first root field of its operation when that is a Query or
/// Mutation field of our schema, otherwise [`OTHER`]. Only names from the schema become labels
/// (a fixed, small set): client-chosen operation names and aliases never do, so no client can
/// fill the metric's label slots.
pub fn operation_label(root_field: Option<&str>) -> &'static str {
    root_field.and_then(|name| root_fields().get(name)).map_or(OTHER, String::as_str)
}

/// The Query and Mutation root field names, read once from the schema's SDL.
fn root_fields() -> &'static HashSet<String> {
    static FIELDS: OnceLock<HashSet<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let Ok(doc) = async_graphql::parser::parse_schema(crate::graphql::sdl()) else {
            return HashSet::new();
        };
        let roots: Vec<String> = doc
            .definitions
            .iter()
            .filter_map(|def| match def {
                TypeSystemDefinition::Schema(schema) => Some(&schema.node),
                _ => None,
            })
            .flat_map(|schema| [&schema.query, &schema.mutation])
            .flatten()
            .map(|name| name.node.to_string())
            .collect();
        doc.definitions
            .iter()
            .filter_map(|def| match def {
                TypeSystemDefinition::Type(ty) if roots.contains(&ty.node.name.node.to_string()) => {
                    Some(&ty.node.kind)
                }
                _ => None,
            })
            .filter_map(|kind| match kind {
                TypeKind::Object(object) => Some(object.fields.iter().map(|f| f.node.name.node.to_string())),
                _ => None,
            })
            .flatten()
            .collect()
    })
}

/// Counts one request and observes its latency. The labels are borrowed or moved, never
/// copied: this runs for every request.
pub fn record_request(operation: &'static str, outcome: String, elapsed: Duration) {
    metrics::counter!("relationhub_graphql_requests_total", "operation" => operation, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("relationhub_graphql_request_duration_seconds", "operation" => operation)
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
    use super::{OTHER, operation_label};

    #[test]
    fn only_root_fields_of_the_schema_become_labels() {
        assert_eq!(operation_label(Some("emails")), "emails");
        assert_eq!(operation_label(Some("me")), "me");
        assert_eq!(operation_label(Some("createContact")), "createContact");
        for foreign in ["ListEmails", "__schema", "__typename", "noSuchField", "a\"b{c}", ""] {
            assert_eq!(operation_label(Some(foreign)), OTHER, "{foreign}");
        }
        assert_eq!(operation_label(None), OTHER);
    }

    /// Histogram samples queue until upkeep: without the upkeep thread an unscraped server
    /// keeps every request's latency forever (the leak this thread fixed).
    #[test]
    fn the_recorder_comes_with_an_upkeep_thread() {
        let _handle = super::handle();
        let names = || -> Vec<String> {
            std::fs::read_dir("/proc/self/task")
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
                        .map(|name| name.trim().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        // A new thread names itself once it runs: until then it shows its parent's name.
        let mut seen = names();
        for _ in 0..200 {
            if seen.iter().any(|n| n == "metrics-upkeep") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
            seen = names();
        }
        assert!(seen.iter().any(|n| n == "metrics-upkeep"), "threads: {seen:?}");
    }
}
