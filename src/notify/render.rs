//! Rendering of alert and digest emails (being written).
