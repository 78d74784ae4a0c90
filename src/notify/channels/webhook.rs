//! The webhook channel's message (see the module above).

use super::{Notice, Payload};

/// Renders `notice` as the body the webhook receiver takes.
pub fn render(notice: &Notice<'_>) -> Payload {
    let _ = notice;
    todo!("webhook renderer")
}
