//! The file transport of the [`Mailer`](super::Mailer): each message as `DIR/<Message-ID>.eml`,
//! written atomically, so delivering the same message again replaces the file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::SendError;

/// Tells temporary files of concurrent deliveries apart.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes the message to `dir/<name>.eml` through a temporary file and a rename, so the folder
/// never holds half a message and the same message replaces its earlier copy.
pub(super) async fn write_file(dir: &Path, message: &[u8]) -> Result<PathBuf, SendError> {
    let io_error = |path: &Path, error: std::io::Error| {
        SendError::Temporary(format!("cannot write {}: {error}", path.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|error| io_error(dir, error))?;
    let name = file_name(message);
    let path = dir.join(format!("{name}.eml"));
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = async {
        let mut file = tokio::fs::File::create(&temp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, message).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temp, &path).await
    }
    .await;
    if let Err(error) = written {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(io_error(&path, error));
    }
    Ok(path)
}

/// The longest file name stem taken from a Message-ID, well below common 255-byte limits.
pub(super) const MAX_STEM: usize = 120;

/// The file name (without `.eml`) for a message: its Message-ID without the angle brackets,
/// with characters other than ASCII letters, digits and `.-_@+=` replaced by `_` (and a leading
/// dot too), cut to `MAX_STEM`; if that changed anything, `-` and 16 hex digits of the
/// SHA-256 of the Message-ID follow, so different IDs stay different files. Without a
/// Message-ID: `sha256-` and 32 hex digits of the SHA-256 of the whole message, so the same
/// bytes still land in the same file.
pub fn file_name(message: &[u8]) -> String {
    let Some(id) = message_id(message) else {
        let digest = Sha256::digest(message);
        return format!("sha256-{}", &hex::encode(digest)[..32]);
    };
    let mut stem: String = id
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '@' | '+' | '=' => c,
            _ => '_',
        })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(..1, "_");
    }
    stem.truncate(MAX_STEM);
    if stem != id {
        let digest = Sha256::digest(id.as_bytes());
        stem.push('-');
        stem.push_str(&hex::encode(digest)[..16]);
    }
    stem
}

/// The value of the first `Message-ID` header in the message's header section, unfolded,
/// without surrounding angle brackets; none when absent or empty.
fn message_id(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let mut value: Option<String> = None;
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the header before.
            if let Some(value) = value.as_mut() {
                value.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((name, rest)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("message-id")
        {
            value = Some(rest.trim().to_string());
        }
    }
    let value = value?;
    let id = value.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|id| id.split_once('>').map(|(id, _)| id))
        .unwrap_or(id)
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}
