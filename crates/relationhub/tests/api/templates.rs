//! templates tests (to be written).
