//! The line-level pass: removes teaser, read-aloud, reading-time, newsletter and "read also"
//! lines that sit inside the article body, where block-level extraction cannot see them.

/// Drops the noise lines of an extracted text (paragraphs separated by blank lines).
pub(crate) fn remove_noise_lines(text: &str) -> String {
    text.to_owned()
}
