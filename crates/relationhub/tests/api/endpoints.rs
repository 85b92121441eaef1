//! endpoints tests (to be written).
