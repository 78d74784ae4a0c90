//! Canonical article URLs (work in progress).
