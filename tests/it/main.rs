//! All integration tests, as one binary. One module per area; helpers in `support`.

mod support;

/// Feed fetching through `run --once` against a loopback HTTP server.
mod fetch;

/// The binary under systemd's protocol, signals, and CLI commands.
mod service;
