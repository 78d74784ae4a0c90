//! The story index over recent fingerprints (work in progress).
