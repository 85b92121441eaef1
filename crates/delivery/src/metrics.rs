//! Metric names (Prometheus style) and their descriptions.

/// Counter of send attempts by outcome (`sent`, `retry`, `failed`, `lease_lost`).
pub const SENT_TOTAL: &str = "relationhub_emails_sent_total";
/// Histogram of seconds from an email's due time to its successful send.
pub const SEND_LAG: &str = "relationhub_send_lag_seconds";
/// The label of [`SENT_TOTAL`].
pub const OUTCOME: &str = "outcome";

/// Registers the descriptions with the installed recorder (call once, after installing it).
pub fn describe() {
    metrics::describe_counter!(
        SENT_TOTAL,
        "Email send attempts by outcome (sent, retry, failed, lease_lost)."
    );
    metrics::describe_histogram!(
        SEND_LAG,
        metrics::Unit::Seconds,
        "Delay from an email's due time to its successful send."
    );
}
