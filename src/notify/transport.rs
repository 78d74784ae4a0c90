//! Email transports (being written).
