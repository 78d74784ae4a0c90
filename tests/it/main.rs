//! All integration tests, as one binary. One module per area; helpers in `support`.

/// Helpers shared by the tests, one file per kind: paths and the demo, test configs, running the
/// binary, the service started and stopped, loopback HTTP servers (scripted and hostile) with one
/// response writer, the SMTP server process, feed and page builders, the crash/outage newsroom.
mod support;

/// Feed fetching through `run --once` against a loopback HTTP server.
mod fetch;

/// Errors say each cause once, alone and as a chain (issue 13).
mod error_chains;

/// The binary under systemd's protocol, signals, and CLI commands.
mod service;

/// The service's /healthz and /metrics endpoint, and the feed broken / recovered emails.
mod health;

/// The shipped systemd unit, checked with systemd-analyze.
mod systemd;

/// The offline demo and the shipped configs.
mod demo;

/// Loading and validating configuration files.
mod config;

/// Every feed of ../shared/feeds through the parse stage (skipped when absent).
mod parse_corpus;

/// The vendored feed fixtures through the parse stage, always.
mod parse_fixtures;

/// The extract stage over the demo's article pages.
mod extract;

/// Hits stored by `run --once`, listed by `hits`, explained by `explain`.
mod matching;

/// `explain` shows what `run --once` stores: language, text source and hits.
mod explain_agrees;

/// Articles across feeds, stories across sites, one hit per story.
mod stories;

/// Alerts and digests by email: outbox, file transport, SMTP.
mod email;

/// Issue 14: search over the stored articles, rematch and the service's topic backfill.
mod search;

/// Article pages and the text fallbacks to the feed's content or summary.
mod pages;

/// The `extract` command.
mod extract_cli;

/// Extraction never panics and is bounded, on arbitrary and hostile input.
mod extract_props;

/// Extraction quality: vendored worst pages as snapshots, and the shared sets above floors.
mod extract_quality;

/// Deduplication quality: copies of real articles are one story, other stories are not.
mod dedup_quality;

/// Email transports against a real SMTP server process (aiosmtpd).
mod smtp;

/// Hostile servers (issue 8): bombs, endless and slow bodies, redirects, huge headers, bad
/// encodings, entity attacks, deep nesting and huge feeds, through the real binary.
mod hostile;

/// SIGKILL at random moments, restart, and nothing lost or duplicated (issue 8).
mod crash;

/// The mail server down, feeds unreachable, the disk full, the database locked (issue 8).
mod outage;

/// Inputs the fuzz targets (`fuzz/`) made fail, replayed on stable through the same checks.
mod fuzz_regressions;

/// Issue 15: the web server's rules (password, methods, headers, listeners) through the binary
/// and the router.
mod web;

/// Issue 15: the demo's web pages in headless Chromium (skipped when it is not installed).
mod web_browser;
/// Issue 15: the feeds of hits, /api/hits, the search page and the links from emails.
mod web_feeds;
/// Issue 15: the web overview, /feeds and /outbox over the demo's database.
mod web_pages_a;
/// Issue 15: the topic and story pages over the demo's database.
mod web_pages_b;

/// Issue 16: the channel test receivers (webhook, ntfy, Slack) and the Synapse homeserver.
mod channel_receivers;

// Issue 16: alerts through signed webhooks, ntfy, Slack-compatible chats and Matrix, end to end
// against real receivers and a Synapse homeserver.
mod channels;

/// Issue 17: shell completions, man pages and `--version`, made from the clap definitions.
mod cli_docs;
