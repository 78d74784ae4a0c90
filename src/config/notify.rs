//! The slice of the config that notify takes. It is built once per load, so the notify step,
//! which runs after every poll cycle and every few seconds, neither reads nor copies the whole
//! config, and each topic's and digest's recipients are resolved once.

use std::collections::HashSet;
use std::time::Duration;

use url::Url;

use super::{
    Alert, ChannelKind, ChannelSettings, Config, DigestSettings, EmailSettings, NtfyOptions,
};

/// The `From:` address when `[email] from` is not set: a file-transport setup needs no address.
const DEFAULT_SENDER: &str = "newshound@localhost";

/// What notify needs: how mail leaves, which topic's hits go to whom and when, and whom to tell
/// about broken feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifySettings {
    /// `[email]`: transport, default recipients and the hourly cap of immediate alerts.
    pub email: EmailSettings,
    /// Every topic in config order (emails list topics in that order), with its route.
    pub topics: Vec<TopicRoute>,
    /// Every digest, its `to` resolved (the default recipients when it names none).
    pub digests: Vec<DigestSettings>,
    /// Who hears about broken and recovered feeds, and when.
    pub feed_health: FeedHealthSettings,
    /// `[web] public_url`: where readers reach the web pages, so that each story in an email
    /// links to its page (why it matched, every copy) and each topic heading to the topic's;
    /// `None` leaves the links out.
    pub public_url: Option<Url>,
    /// Every channel by name, the implicit `email` first.
    pub channels: Vec<ChannelSettings>,
}

/// When and to whom one topic's hits are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRoute {
    /// The topic's name, as in the hits.
    pub name: String,
    /// At once, or in which digest.
    pub alert: Alert,
    /// Every email recipient: the topic's `to`, else the `to` of each email channel it names.
    pub recipients: Vec<String>,
    /// The channels it names that are not email, in the order written.
    pub channels: Vec<String>,
    /// Its ntfy priority and tags.
    pub ntfy: NtfyOptions,
}

/// The "feed broken" and "recovered" emails.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedHealthSettings {
    /// `[email] admin`, else the first default recipient, when `admin_channels` names an email
    /// channel; no emails when neither is set.
    pub admin: Option<String>,
    /// The channels of `admin_channels` that are not email.
    pub channels: Vec<String>,
    /// A feed failing longer than this is reported (`[daemon] feed_failure_alert_after`).
    pub alert_after: Duration,
    /// The URLs of the configured feeds: feeds removed from the config are not reported.
    pub feeds: HashSet<String>,
}

impl NotifySettings {
    /// The topics whose hits go out as soon as they are found.
    pub fn immediate_topics(&self) -> impl Iterator<Item = &TopicRoute> {
        self.topics.iter().filter(|t| t.alert == Alert::Immediate)
    }

    /// The names of the topics collected into the digest `name`, in config order.
    pub fn digest_topics(&self, name: &str) -> Vec<String> {
        self.topics
            .iter()
            .filter(|t| matches!(&t.alert, Alert::Digest(digest) if digest == name))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The digest called `name`.
    pub fn digest(&self, name: &str) -> Option<&DigestSettings> {
        self.digests.iter().find(|d| d.name == name)
    }

    /// The channel called `name`.
    pub fn channel(&self, name: &str) -> Option<&ChannelSettings> {
        self.channels.iter().find(|c| c.name == name)
    }
}

impl EmailSettings {
    /// The `From:` address: `from`, else a local one.
    pub fn sender(&self) -> String {
        self.from
            .clone()
            .unwrap_or_else(|| DEFAULT_SENDER.to_owned())
    }
}

impl Config {
    /// The notify slice of this config.
    pub fn notify_settings(&self) -> NotifySettings {
        NotifySettings {
            email: self.email.clone(),
            topics: self
                .topics
                .iter()
                .map(|t| {
                    let (recipients, channels) = self.route(&t.notify, &t.to);
                    TopicRoute {
                        name: t.name.clone(),
                        alert: t.alert.clone(),
                        recipients,
                        channels,
                        ntfy: t.ntfy.clone(),
                    }
                })
                .collect(),
            digests: self
                .digests
                .iter()
                .map(|d| {
                    let (to, notify) = self.route(&d.notify, &d.to);
                    DigestSettings {
                        to,
                        notify,
                        ..d.clone()
                    }
                })
                .collect(),
            feed_health: FeedHealthSettings {
                admin: self.admin_if_emailed(),
                channels: self.route(&self.daemon.admin_channels, &[]).1,
                alert_after: self.daemon.feed_failure_alert_after,
                feeds: self.configured_feeds(),
            },
            public_url: self.web.public_url.clone(),
            channels: self.channels.clone(),
        }
    }

    /// Splits `notify` into the email recipients (`to` when it names someone, else the `to` of
    /// each email channel named) and the names of the other channels.
    fn route(&self, notify: &[String], to: &[String]) -> (Vec<String>, Vec<String>) {
        let mut recipients: Vec<String> = Vec::new();
        let mut others = Vec::new();
        for name in notify {
            match self
                .channels
                .iter()
                .find(|c| &c.name == name)
                .map(|c| &c.kind)
            {
                Some(ChannelKind::Email { to: defaults }) => {
                    let chosen = if to.is_empty() { defaults } else { to };
                    for mailbox in chosen {
                        if !recipients.contains(mailbox) {
                            recipients.push(mailbox.clone());
                        }
                    }
                }
                Some(_) => others.push(name.clone()),
                None => {}
            }
        }
        (recipients, others)
    }

    /// The admin address when `admin_channels` names an email channel.
    fn admin_if_emailed(&self) -> Option<String> {
        let emailed = self.daemon.admin_channels.iter().any(|name| {
            self.channels
                .iter()
                .any(|c| &c.name == name && matches!(c.kind, ChannelKind::Email { .. }))
        });
        if emailed { self.admin.clone() } else { None }
    }
}
