//! The slack channel's message (see the module above).

use super::{Notice, Payload};

/// Renders `notice` as the body the slack receiver takes.
pub fn render(notice: &Notice<'_>) -> Payload {
    let _ = notice;
    todo!("slack renderer")
}
