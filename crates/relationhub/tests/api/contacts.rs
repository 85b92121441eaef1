//! contacts tests (to be written).
