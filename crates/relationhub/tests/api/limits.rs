//! limits tests (to be written).
