//! Recognises the same story however many sites copy it. Pure: URLs, texts and fingerprints
//! in, identities and story decisions out.
//!
//! # Layout
//! - [`url`] canonicalises article URLs (tracking parameters, case, default ports, fragments),
//!   so the same page reached through several feeds or links is one article.
//! - [`fingerprint`] turns an article's extracted text into a MinHash signature over word
//!   shingles, whose agreement estimates how much two texts share.
//! - [`index`] keeps the fingerprints of a recent window in LSH band tables, so finding the
//!   story a new article belongs to costs about the same with 100,000 or 1,000,000 articles.

pub mod fingerprint;
pub mod index;
pub mod url;

use ::url::Url;
use sha2::{Digest, Sha256};

/// Texts shorter than this (in characters) get no exact-text hash: short feed teasers ("Watch
/// the video", "Live updates") are often equal without being one story. The page text minimum
/// of the pipeline is 250 characters; a summary of 200 is already specific.
pub const MIN_HASHED_TEXT_CHARS: usize = 200;

/// The keys that find an article's story, cheapest first: the page's own canonical link, the
/// exact text, and a fingerprint for near-duplicates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextIdentity {
    /// The page's `<link rel="canonical">` or `og:url`, canonicalised, when it is on the site the
    /// page was fetched from (a foreign canonical link is not trusted for identity).
    pub canonical_url: Option<String>,
    /// SHA-256 of the whitespace-normalised text, when the text is long enough that two equal
    /// texts mean one story (short teasers such as "Watch the video" are often equal).
    pub text_hash: Option<String>,
    /// MinHash signature of the text, when it is long enough to have one.
    pub fingerprint: Option<fingerprint::Fingerprint>,
}

/// The keys that find the story of an article's final `text`. `page` is the URL the text was
/// fetched from and `canonical` the page's own canonical link, trusted only on the same site.
pub fn text_identity(text: &str, page: Option<&Url>, canonical: Option<&Url>) -> TextIdentity {
    let fingerprint = fingerprint::Fingerprint::of_text(text);
    identity_with_fingerprint(text, fingerprint, page, canonical)
}

/// [`text_identity`] with the text's fingerprint already made (from the words the matcher split,
/// [`Fingerprint::of_words`](fingerprint::Fingerprint::of_words)), so the text is not split
/// twice.
pub fn identity_with_fingerprint(
    text: &str,
    fingerprint: Option<fingerprint::Fingerprint>,
    page: Option<&Url>,
    canonical: Option<&Url>,
) -> TextIdentity {
    let canonical_url = match (page, canonical) {
        (Some(page), Some(canonical)) if url::same_site(page, canonical) => {
            Some(url::canonical_url(canonical).to_string())
        }
        _ => None,
    };
    TextIdentity {
        canonical_url,
        text_hash: text_hash(text),
        fingerprint,
    }
}

/// SHA-256 of the text with whitespace runs collapsed, when the text is long enough.
fn text_hash(text: &str) -> Option<String> {
    if text.chars().count() < MIN_HASHED_TEXT_CHARS {
        return None;
    }
    let mut hasher = Sha256::new();
    for (index, word) in text.split_whitespace().enumerate() {
        if index > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    Some(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that differ only in whitespace hash alike; short texts get no hash.
    #[test]
    fn text_hash_ignores_whitespace_and_skips_short_texts() {
        let long = "word ".repeat(60);
        let spaced = long.replace(' ', "\n\n  ");
        assert_eq!(text_hash(&long), text_hash(&spaced));
        assert!(text_hash(&long).is_some());
        assert_eq!(text_hash("Watch the video"), None);
    }

    /// A canonical link counts only on the site the page came from.
    #[test]
    fn canonical_link_is_trusted_on_the_same_site_only() {
        let page = Url::parse("https://www.example.com/a?utm_source=x").unwrap();
        let own = Url::parse("https://example.com/story").unwrap();
        let foreign = Url::parse("https://aggregator.example.net/story").unwrap();
        let identity = text_identity("short", Some(&page), Some(&own));
        assert_eq!(
            identity.canonical_url.as_deref(),
            Some("https://example.com/story")
        );
        assert_eq!(
            text_identity("short", Some(&page), Some(&foreign)).canonical_url,
            None
        );
    }
}
