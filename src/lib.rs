//! newshound watches the news for its users: it polls RSS, Atom and JSON feeds, fetches each new
//! article and extracts its text, recognises the same story across sites, matches stories
//! against watch topics, stores hits in SQLite, and emails alerts and digests.
//!
//! # Layout
//!
//! Data flows one way: schedule → fetch → parse → extract → dedup → match → store → notify.
//!
//! - [`config`] owns the TOML schema: raw serde structs validated into typed settings, with
//!   `FILE:LINE:COLUMN` errors, and builds the ready-made objects the running parts take
//!   (fetch settings, compiled topics, feed registrations).
//! - [`daemon`] runs the lifecycle: `run --once` cycles, the service loop, signals, reload,
//!   retention, systemd notifications, and the one log line per poll cycle.
//! - [`schedule`] is pure policy: when a feed is due, backoff, publisher hints.
//! - [`pipeline`] refreshes one feed, calling the stages in order; the only module that calls
//!   several stages. Its pure [`pipeline::analyse`] decides an article's text, language, hits
//!   and story keys, for the daemon and `newshound explain` alike.
//! - [`fetch`] owns HTTP: one set of clients, timeouts, body caps, redirects, conditional GET,
//!   politeness and the address guard for article links.
//! - [`parse`] adapts feed-rs: bytes and base URL to entries, with a repair pass for broken feeds,
//!   and entry identity.
//! - [`extract`] turns an HTML page into main text and metadata; pure.
//! - [`charset`] holds the one rule of both decoders (feeds and pages) for bytes that should be
//!   UTF-8 and are not quite; pure.
//! - [`dedup`] canonicalises URLs and fingerprints texts to find the story an article belongs
//!   to; pure.
//! - [`language`] detects a text's language and normalises declared ones.
//! - [`matcher`] parses topic queries and matches them against normalised, stemmed article
//!   text (compounds, phrases, NEAR); pure.
//! - [`store`] owns SQLite: pragmas, migrations from `migrations/`, every SQL statement, and
//!   the full-text index of the stored articles (kept by triggers with their text).
//! - [`search`] runs a query over the stored articles: the index narrows, the matcher decides;
//!   it only reads. [`rematch`] applies topics to stored articles through it and stores the
//!   hits as backfilled (`newshound rematch`, and the service's backfill of new topics).
//! - [`progress`] reports long jobs over stored articles: a bar on a terminal, log lines
//!   otherwise.
//! - [`opml`] converts OPML subscription lists into `[[feeds]]` TOML.
//! - [`notify`] renders alerts and digests, keeps the outbox and delivers it: email, and the
//!   channels (signed webhooks, ntfy, Slack-compatible chats, Matrix) the topics and digests
//!   name; its notify step is what the daemon runs after each poll cycle.
//! - [`model`] holds the plain data passed between stages.
//! - [`metrics`] counts what the service does; [`monitor`] (in `web`) answers `/healthz` and
//!   `/metrics` (`[daemon] listen`, and beside the pages).
//! - [`web`] serves the read-only web pages (`[web] listen`, `newshound web`): topics, stories
//!   and why they matched, search, feeds, the outbox, and the topics' hits as Atom and JSON
//!   feeds. It sits beside the pipeline and reads through its own read-only connections.
//!
//! Only `fetch`, `store`, `notify`, `web`, `daemon`, `search` and `rematch` do I/O (`web`,
//! `search` and `rematch` through `store`); the other stages take plain data and `now`.
//!
//! The binary (`src/main.rs`) parses the command line and hands each subcommand to its file in
//! `src/cli/` (run, check, feeds, extract, explain, hits, search, rematch, outbox, digest,
//! test_email, test_channel, import_opml, web, init, completions, man); `anyhow` lives only
//! there.

pub mod charset;
pub mod config;
pub mod daemon;
pub mod dedup;
pub mod extract;
pub mod fetch;
pub mod language;
pub mod matcher;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod opml;
pub mod parse;
pub mod pipeline;
pub mod progress;
pub mod rematch;
pub mod schedule;
pub mod search;
pub mod store;
pub mod web;

pub use web::monitor;
