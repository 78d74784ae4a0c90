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
