//! The ntfy channel's message (see the module above).

use super::{Notice, Payload};

/// Renders `notice` as the body the ntfy receiver takes.
pub fn render(notice: &Notice<'_>, topic: &str) -> Payload {
    let _ = (notice, topic);
    todo!("ntfy renderer")
}

/// The topic name of an ntfy topic URL (its last path segment).
pub fn topic_of(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_owned))
        .unwrap_or_default()
}
