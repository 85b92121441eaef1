//! isolation tests (to be written).
