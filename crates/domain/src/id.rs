//! Identifier generation: time-ordered, unguessable UUIDv7 rendered as text.

/// A new row id: a UUIDv7 (millisecond timestamp + 74 random bits) as lowercase text.
///
/// Time-ordered ids keep B-tree inserts local; the random part makes them unguessable.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Current time truncated to milliseconds, the precision of the guide's `TIMESTAMP(3)` columns.
///
/// Truncating in the application keeps the value we hold equal to the value stored, which
/// keyset cursors rely on.
pub fn now_ms() -> chrono::DateTime<chrono::Utc> {
    truncate_ms(chrono::Utc::now())
}

/// Truncates a timestamp to whole milliseconds.
pub fn truncate_ms(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Timelike};
    let t = t.trunc_subsecs(3);
    debug_assert_eq!(t.nanosecond() % 1_000_000, 0);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sort_by_creation_time() {
        let a = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert_ne!(a, b);
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(a.len(), 36);
    }
}
