//! What newshound makes of one article: the text it keeps (the page's, or the feed's when the
//! page yields too little), the title it matches, the language, the topics hit and the keys that
//! find the article's story.
//!
//! Pure, and the only place these choices are made: the pipeline stores what it returns and
//! `newshound explain` shows it, so what a user is told about an article is what the daemon
//! stored for it.

use url::Url;

use crate::dedup::fingerprint::Fingerprint;
use crate::dedup::{self, TextIdentity};
use crate::matcher::{Article, Language, TopicSet, match_tokenised};
use crate::model::{Extracted, TextAnalysis, TextSource};
use crate::{extract, language};

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
    // The language is detected once, below, on the final text (issue 18).
    let mut page = extract::extract_undetected(&html, url);
    let undeclared = page.language.is_none();
    let feed_text = entry
        .feed_text
        .map(|(text, source)| (text.to_owned(), source));
    let (source, page_text) = choose_text(&mut page, feed_text);
    let text = std::mem::take(&mut page.text);
    let title = entry
        .title
        .or(page.title.as_deref())
        .unwrap_or_default()
        .to_owned();
    let detected = language::detect(&text);
    if undeclared {
        // What `extract` says of the page: the language of its own text.
        page.language = match &page_text {
            None => detected,
            Some(own) => language::detect(own),
        }
        .map(str::to_owned);
    }
    let code = detected.map(str::to_owned).or_else(|| {
        [page.language.as_deref(), entry.language]
            .into_iter()
            .flatten()
            .find_map(language::normalise_declared)
    });
    let (found, fingerprint) = match_and_fingerprint(topics, &title, &text, code);
    let identity = dedup::identity_with_fingerprint(
        &text,
        fingerprint,
        Some(url),
        page.canonical_url.as_ref(),
    );
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
    let code = language::of_article(&text, [entry.language]);
    let (found, fingerprint) = match_and_fingerprint(topics, &title, &text, code);
    let identity = dedup::identity_with_fingerprint(&text, fingerprint, None, None);
    Analysis {
        title,
        text,
        source,
        found,
        identity,
    }
}

/// The topic hits of an article in the language `code`, and the fingerprint of its `text`,
/// from one tokenisation: the fingerprint reads the words the matcher split, which are the
/// words [`Fingerprint::of_text`] would split. Public for `benches/matching.rs`.
pub fn match_and_fingerprint(
    topics: &TopicSet,
    title: &str,
    text: &str,
    code: Option<String>,
) -> (TextAnalysis, Option<Fingerprint>) {
    let article = Article::new(
        title,
        text,
        Language::from_code(code.as_deref().unwrap_or("")),
    );
    let fingerprint = Fingerprint::of_words(article.body_words());
    (
        match_tokenised(topics, &article, code, title, text),
        fingerprint,
    )
}

/// Keeps the page's text unless it is too short to be the article and the feed offers more;
/// returns where the text now comes from, and the page's own text when it was replaced.
pub fn choose_text(
    page: &mut Extracted,
    feed_text: Option<(String, TextSource)>,
) -> (TextSource, Option<String>) {
    let page_chars = page.text.chars().count();
    match feed_text {
        Some((text, source))
            if page_chars < MIN_PAGE_TEXT_CHARS && text.chars().count() > page_chars =>
        {
            (source, Some(std::mem::replace(&mut page.text, text)))
        }
        _ => (TextSource::Page, None),
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
        assert_eq!(choose_text(&mut extracted, feed), (TextSource::Page, None));
        assert!(extracted.text.starts_with("Real article"));
    }

    /// A page that yields too little (a consent wall) gives way to the feed's longer text.
    #[test]
    fn short_page_text_gives_way_to_the_feed() {
        let mut extracted = page("Please accept cookies.");
        let summary = "The council agreed on the budget after long talks.".to_owned();
        let chosen = choose_text(
            &mut extracted,
            Some((summary.clone(), TextSource::FeedSummary)),
        );
        let own = Some("Please accept cookies.".to_owned());
        assert_eq!(chosen, (TextSource::FeedSummary, own));
        assert_eq!(extracted.text, summary);
    }

    /// The fingerprint made from the matcher's words is the fingerprint of the text, in every
    /// script and spelling the splitter meets (issue 18 shares the split; stored fingerprints
    /// must not change).
    #[test]
    fn shared_words_fingerprint_like_the_text() {
        let texts = [
            include_str!("../../tests/fixtures/dedup/kim-putin-second-agency.de.txt"),
            "Die Außenminister der Länder trafen sich in Brüssel zu Gesprächen. ",
            "ÉLECTION: l'arme, l’arme — Nord-Stream's G\u{2011}7 e\u{301}te\u{301} Ёлка ﬁnance; ",
        ];
        for text in texts {
            let text = text.repeat(40);
            let (_, shared) = match_and_fingerprint(&TopicSet::default(), "", &text, None);
            assert_eq!(shared, Fingerprint::of_text(&text));
            assert!(shared.is_some());
            let german = Some("de".to_owned());
            let (_, stemmed) = match_and_fingerprint(&TopicSet::default(), "T", &text, german);
            assert_eq!(stemmed, shared);
        }
    }

    /// The language is detected once, in the pipeline, yet the page and the article get what
    /// they got when `extract` detected too: the page its own text's language when it declares
    /// none, the article its final text's (issue 18).
    #[test]
    fn pages_and_articles_keep_their_languages_with_one_detection() {
        let german = "Der Bundestag hat am Donnerstag nach langer Debatte ein neues Gesetz \
                      beschlossen, das die Förderung von Wärmepumpen in Wohngebäuden regelt. ";
        let english = "The council agreed on the budget for next year after a long debate on \
                       Thursday evening, the mayor said, and work on the harbour starts soon. ";
        let url = Url::parse("https://news.example/a").unwrap();
        let cases = [
            ("", german.repeat(4), None, "de"),
            (" lang=\"en\"", german.repeat(4), None, "de"),
            ("", german.to_owned(), Some(english.repeat(4)), "en"),
            (
                " lang=\"fr\"",
                german.to_owned(),
                Some(english.repeat(4)),
                "en",
            ),
        ];
        for (lang, page_text, feed_text, article_language) in cases {
            let html =
                format!("<html{lang}><body><article><p>{page_text}</p></article></body></html>");
            let entry = EntryFacts {
                feed_text: feed_text
                    .as_deref()
                    .map(|text| (text, TextSource::FeedSummary)),
                ..EntryFacts::default()
            };
            let analysed = analyse_page(html.as_bytes(), None, &url, entry, &TopicSet::default());
            let extracted = extract::extract(&html, &url);
            assert_eq!(
                analysed.page.language, extracted.language,
                "{lang} {page_text}"
            );
            let found = analysed.article.found.language;
            assert_eq!(
                found.as_deref(),
                Some(article_language),
                "{lang} {page_text}"
            );
        }
    }

    /// A short page is still kept when the feed has nothing longer.
    #[test]
    fn short_page_text_stays_without_a_better_feed_text() {
        let mut extracted = page("Short but real.");
        assert_eq!(choose_text(&mut extracted, None), (TextSource::Page, None));
        let tiny = Some(("Tiny.".to_owned(), TextSource::FeedSummary));
        assert_eq!(choose_text(&mut extracted, tiny), (TextSource::Page, None));
    }
}
