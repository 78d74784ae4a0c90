//! What newshound makes of one article: the text it keeps (the page's, or the feed's when the
//! page yields too little), the title it matches, the language, the topics hit and the keys that
//! find the article's story.
//!
//! Pure, and the only place these choices are made: the pipeline stores what it returns and
//! `newshound explain` shows it, so what a user is told about an article is what the daemon
//! stored for it.

use url::Url;

use crate::dedup::{self, TextIdentity};
use crate::extract;
use crate::matcher::{TopicSet, match_article};
use crate::model::{Extracted, TextAnalysis, TextSource};

/// A page whose extracted text is shorter than this many characters is taken for a failed
/// extraction (a consent wall, a paywall teaser, a video or gallery page) rather than the
/// article, and the feed's own text is used when it is longer. It is trafilatura's default
/// minimum extraction size: two real sentences of news text already pass it, while what remains
/// of such pages is usually shorter than the feed's summary.
pub const MIN_PAGE_TEXT_CHARS: usize = 250;

/// What the feed says about an article besides its page.
#[derive(Debug, Clone, Copy, Default)]
pub struct EntryFacts<'a> {
    /// The entry's title; it wins over the page's, which often carries the site's name.
    pub title: Option<&'a str>,
    /// The language the entry (or else its feed) declares; a fallback for short texts.
    pub language: Option<&'a str>,
    /// The feed's own text of the entry, standing in for a page that yields too little.
    pub feed_text: Option<(&'a str, TextSource)>,
}

/// An article as it is matched and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The title matched: the entry's, else the page's.
    pub title: String,
    /// The article's final text.
    pub text: String,
    /// Where `text` came from.
    pub source: TextSource,
    /// Language and topic hits of `text`.
    pub found: TextAnalysis,
    /// The keys that find the story `text` belongs to.
    pub identity: TextIdentity,
}

/// A fetched page analysed: the page's own metadata (its `text` moved into `article`) and the
/// article.
#[derive(Debug, Clone)]
pub struct PageAnalysis {
    /// Title, author, dates, canonical link and site name as the page gives them.
    pub page: Extracted,
    /// The article made of the page and its entry.
    pub article: Analysis,
}

/// Analyses a fetched HTML page (`body` as served, `charset` from the HTTP header, `url` the
/// page's final URL) as the article of `entry`.
pub fn analyse_page(
    body: &[u8],
    charset: Option<&str>,
    url: &Url,
    entry: EntryFacts<'_>,
    topics: &TopicSet,
) -> PageAnalysis {
    let html = extract::decode_html(body, charset);
    let mut page = extract::extract(&html, url);
    let feed_text = entry
        .feed_text
        .map(|(text, source)| (text.to_owned(), source));
    let source = choose_text(&mut page, feed_text);
    let text = std::mem::take(&mut page.text);
    let title = entry
        .title
        .or(page.title.as_deref())
        .unwrap_or_default()
        .to_owned();
    let declared = [page.language.as_deref(), entry.language];
    let found = match_article(topics, &title, &text, declared);
    let identity = dedup::text_identity(&text, Some(url), page.canonical_url.as_ref());
    PageAnalysis {
        page,
        article: Analysis {
            title,
            text,
            source,
            found,
            identity,
        },
    }
}

/// Analyses the feed's own text of `entry`: for entries without a page, pages that are off,
/// and pages given up on.
pub fn analyse_feed_text(entry: EntryFacts<'_>, topics: &TopicSet) -> Analysis {
    let (text, source) = entry.feed_text.map_or(
        (String::new(), TextSource::FeedSummary),
        |(text, source)| (text.to_owned(), source),
    );
    let title = entry.title.unwrap_or_default().to_owned();
    let found = match_article(topics, &title, &text, [entry.language]);
    let identity = dedup::text_identity(&text, None, None);
    Analysis {
        title,
        text,
        source,
        found,
        identity,
    }
}

/// Keeps the page's text unless it is too short to be the article and the feed offers more;
/// returns where the text now comes from.
pub fn choose_text(page: &mut Extracted, feed_text: Option<(String, TextSource)>) -> TextSource {
    let page_chars = page.text.chars().count();
    match feed_text {
        Some((text, source))
            if page_chars < MIN_PAGE_TEXT_CHARS && text.chars().count() > page_chars =>
        {
            page.text = text;
            source
        }
        _ => TextSource::Page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Extracted {
        Extracted {
            text: text.into(),
            ..Extracted::default()
        }
    }

    /// A page with an article's worth of text keeps it, whatever the feed offers.
    #[test]
    fn full_page_text_is_kept() {
        let mut extracted = page(&"Real article text. ".repeat(20));
        let feed = Some(("A longer feed text ".repeat(40), TextSource::FeedContent));
        assert_eq!(choose_text(&mut extracted, feed), TextSource::Page);
        assert!(extracted.text.starts_with("Real article"));
    }

    /// A page that yields too little (a consent wall) gives way to the feed's longer text.
    #[test]
    fn short_page_text_gives_way_to_the_feed() {
        let mut extracted = page("Please accept cookies.");
        let summary = "The council agreed on the budget after long talks.".to_owned();
        let source = choose_text(
            &mut extracted,
            Some((summary.clone(), TextSource::FeedSummary)),
        );
        assert_eq!(source, TextSource::FeedSummary);
        assert_eq!(extracted.text, summary);
    }

    /// A short page is still kept when the feed has nothing longer.
    #[test]
    fn short_page_text_stays_without_a_better_feed_text() {
        let mut extracted = page("Short but real.");
        assert_eq!(choose_text(&mut extracted, None), TextSource::Page);
        let tiny = Some(("Tiny.".to_owned(), TextSource::FeedSummary));
        assert_eq!(choose_text(&mut extracted, tiny), TextSource::Page);
    }
}
