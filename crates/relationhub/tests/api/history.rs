//! history tests (to be written).
