//! emails tests (to be written).
