//! The ready-made objects the running parts take, built from a loaded config: the fetch
//! settings, the compiled topics and the feeds as the store registers them. The daemon builds
//! them once per load (start and every reload) and the commands build the ones they need, so
//! none of them assembles settings field by field.

use std::collections::HashSet;

use super::{Config, DaemonSettings};
use crate::fetch::FetchSettings;
use crate::matcher::{Topic, TopicSet};
use crate::store::FeedSpec;

impl DaemonSettings {
    /// The HTTP limits and identity of every request, for the fetcher.
    pub fn fetch_settings(&self) -> FetchSettings {
        FetchSettings {
            user_agent: self.user_agent.clone(),
            request_timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            max_body_bytes: self.max_body_bytes,
            concurrency: self.concurrency,
            per_host_concurrency: self.per_host_concurrency,
            allow_private_networks: self.allow_private_networks,
        }
    }
}

impl Config {
    /// The fetch settings of `[daemon]`.
    pub fn fetch_settings(&self) -> FetchSettings {
        self.daemon.fetch_settings()
    }

    /// Every topic compiled into one matcher. Compiling indexes the queries, so it is done once
    /// per load, not per article.
    pub fn topic_set(&self) -> TopicSet {
        TopicSet::new(
            self.topics
                .iter()
                .map(|t| Topic {
                    name: t.name.clone(),
                    query: t.parsed.clone(),
                    languages: t.languages.clone(),
                })
                .collect(),
        )
    }

    /// The configured feeds as the store registers them (its key is the URL as configured).
    pub fn feed_specs(&self) -> Vec<FeedSpec> {
        self.feeds
            .iter()
            .map(|f| FeedSpec {
                config_url: f.url.to_string(),
                name: f.name.clone(),
            })
            .collect()
    }

    /// The URLs of the configured feeds, as the store keys them: the database keeps feeds
    /// removed from the config, which reports leave out.
    pub fn configured_feeds(&self) -> HashSet<String> {
        self.feeds.iter().map(|f| f.url.to_string()).collect()
    }
}
