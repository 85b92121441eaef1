//! Metrics: names and labels the binary's Prometheus exporter publishes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use llm::ProviderKind::*;
use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// Records every counter increment and histogram sample under "name{label=value,…}".
#[derive(Default)]
struct Capture(Arc<Mutex<BTreeMap<String, f64>>>);

struct Handle {
    key: String,
    values: Arc<Mutex<BTreeMap<String, f64>>>,
}

impl Handle {
    fn add(&self, value: f64) {
        *self.values.lock().unwrap().entry(self.key.clone()).or_default() += value;
    }
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        self.add(value as f64);
    }
    fn absolute(&self, value: u64) {
        self.values.lock().unwrap().insert(self.key.clone(), value as f64);
    }
}

impl HistogramFn for Handle {
    /// Counts samples (durations vary).
    fn record(&self, _value: f64) {
        self.add(1.0);
    }
}

impl Capture {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        Arc::new(Handle { key: format!("{}{{{}}}", key.name(), labels.join(",")), values: self.0.clone() })
    }

    fn get(&self, key: &str) -> f64 {
        self.0.lock().unwrap().get(key).copied().unwrap_or(0.0)
    }
}

impl Recorder for Capture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

#[tokio::test]
async fn generations_tokens_and_durations_are_recorded_per_provider() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok()))
        .mount(&server)
        .await;
    let capture = Capture::default();
    let _guard = metrics::set_default_local_recorder(&capture);
    generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert_eq!(capture.get("relationhub_ai_generations_total{provider=openai,outcome=retried}"), 1.0);
    assert_eq!(capture.get("relationhub_ai_generations_total{provider=openai,outcome=success}"), 1.0);
    assert_eq!(capture.get("relationhub_ai_tokens_total{provider=openai,kind=input}"), 412.0);
    assert_eq!(capture.get("relationhub_ai_tokens_total{provider=openai,kind=output}"), 57.0);
    assert_eq!(capture.get("relationhub_ai_request_duration_seconds{provider=openai}"), 2.0);
}
