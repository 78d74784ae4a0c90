//! An article's page and text: the pages still to fetch, the outcome of each fetch, and the one
//! step that settles an article's final text (the page's, or the feed's standing in): its
//! story, the story's lead and the topic hits, in the transaction that writes the text.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::hits::insert_hits;
use super::search_index::refresh_search_extras;
use super::stories::{RecentStories, StoryChoice, choose_story};
use super::{Store, StoreError};
use crate::dedup::TextIdentity;
use crate::model::{Extracted, TextAnalysis, TextSource};

/// An article whose text is still to be settled: its page is to be fetched, or it gets the
/// feed's own text. Carries what matching needs besides the text.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    /// Row id.
    pub article_id: i64,
    /// The page to fetch; `None` for entries without a link.
    pub url: Option<String>,
    /// The entry's title from the feed.
    pub title: Option<String>,
    /// The language the entry or its feed declares.
    pub language: Option<String>,
    /// The feed's own text of the entry, to stand in for a page that yields too little.
    pub feed_text: Option<(String, TextSource)>,
    /// Page fetches tried so far.
    pub attempts: i64,
}

/// The result of fetching one article page, written to its row with the topic hits of the text
/// the article ends up with.
#[derive(Debug, Clone)]
pub enum PageResult {
    /// The page was fetched and extracted; `page.text` is the article's text, which came from
    /// `source` (the feed's text replaces a page that yielded too little).
    Extracted {
        /// Text and metadata of the page.
        page: Box<Extracted>,
        /// Where `page.text` came from.
        source: TextSource,
        /// Language and topic hits of `page.text`.
        analysis: TextAnalysis,
        /// The keys of the story `page.text` belongs to.
        identity: TextIdentity,
    },
    /// The page could not be fetched, was refused, or is not HTML. With `give_up` no more
    /// attempts are made and the feed's own text becomes the article's text, with `analysis`
    /// its language and hits and `identity` its story's keys; otherwise the page stays pending
    /// and both are ignored.
    Failed {
        /// Why, for the operator.
        error: String,
        /// This was the last attempt (refused, gone, or [`MAX_PAGE_ATTEMPTS`] reached).
        give_up: bool,
        /// Language and hits of the feed's text, used with `give_up`.
        analysis: TextAnalysis,
        /// The keys of the feed text's story, used with `give_up`.
        identity: TextIdentity,
    },
}

/// Page fetches are tried up to this many times, on successive polls, before the feed's own
/// text is used instead.
pub const MAX_PAGE_ATTEMPTS: i64 = 3;

impl Store {
    /// Articles of a feed whose page has not been fetched yet (new ones, and ones a crash or an
    /// earlier failure left behind), oldest first.
    pub fn pending_pages(
        &self,
        feed_id: i64,
        limit: usize,
    ) -> Result<Vec<PendingPage>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.select_pending(
            "WHERE feed_id = ?1 AND page_status = 'pending' AND url IS NOT NULL
             ORDER BY id LIMIT ?2",
            params![feed_id, limit],
        )
    }

    /// The pending articles that will get no page: all of them when the feed has
    /// fetch_articles off (`all`), else those without a link. They get the feed's text through
    /// [`Store::record_feed_texts`].
    pub fn articles_without_page(
        &self,
        feed_id: i64,
        all: bool,
    ) -> Result<Vec<PendingPage>, StoreError> {
        self.select_pending(
            "WHERE feed_id = ?1 AND page_status = 'pending' AND (?2 OR url IS NULL) ORDER BY id",
            params![feed_id, all],
        )
    }

    fn select_pending(
        &self,
        condition: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<PendingPage>, StoreError> {
        let sql = format!(
            "SELECT id, url, title, language, feed_text, feed_text_source, page_attempts
             FROM articles {condition}"
        );
        self.db.read(|c| {
            c.prepare_cached(&sql)?
                .query_map(values, |r| {
                    let text: Option<String> = r.get(4)?;
                    let source: Option<String> = r.get(5)?;
                    Ok(PendingPage {
                        article_id: r.get(0)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        language: r.get(3)?,
                        feed_text: text.zip(source.as_deref().and_then(TextSource::parse)),
                        attempts: r.get(6)?,
                    })
                })?
                .collect()
        })
    }

    /// Gives articles that get no page their feed's text, with its language, story and topic
    /// hits, in one transaction. Returns the number of new hits.
    pub fn record_feed_texts(
        &mut self,
        texts: &[(i64, TextAnalysis, TextIdentity)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.write_settling(now, |tx, recent| {
            let mut settled = Vec::with_capacity(texts.len());
            for (article_id, analysis, identity) in texts {
                tx.prepare_cached(
                    "UPDATE articles SET page_status = 'skipped', text = feed_text,
                         text_source = feed_text_source, language = COALESCE(?2, language)
                     WHERE id = ?1",
                )?
                .execute(params![article_id, analysis.language])?;
                settled.push(settle(tx, recent, *article_id, analysis, identity, now)?);
            }
            Ok(settled)
        })
    }

    /// Writes the outcome of one page fetch to its article and, when the article's text is
    /// settled (extracted, or the feed's text after the last attempt), its story and the hits
    /// of that text, in one transaction. Returns the number of new hits: none for a topic that
    /// already hit the story through another copy.
    pub fn record_page(
        &mut self,
        article_id: i64,
        result: &PageResult,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.write_settling(now, |tx, recent| {
            let text = match result {
                PageResult::Extracted {
                    page,
                    source,
                    analysis,
                    identity,
                } => {
                    write_extracted(tx, article_id, page, *source, analysis, now)?;
                    Some((analysis, identity))
                }
                PageResult::Failed {
                    error,
                    give_up,
                    analysis,
                    identity,
                } => {
                    write_failure(tx, article_id, error, *give_up, analysis, now)?;
                    give_up.then_some((analysis, identity))
                }
            };
            text.map(|(analysis, identity)| settle(tx, recent, article_id, analysis, identity, now))
                .transpose()
        })
    }

    /// Runs `work`, which writes article texts and settles them, in one transaction, with the
    /// recent stories to compare them against; once it commits, adds the settled articles to the
    /// story index. Returns their new hits.
    fn write_settling<S: IntoIterator<Item = Settled>>(
        &mut self,
        now: DateTime<Utc>,
        work: impl FnOnce(&Transaction<'_>, RecentStories<'_>) -> rusqlite::Result<S>,
    ) -> Result<usize, StoreError> {
        self.load_story_index(now)?;
        let recent = RecentStories {
            index: self.stories.as_ref(),
            window: self.story_window,
        };
        let settled = self.db.write(|tx| work(tx, recent))?;
        let mut new_hits = 0;
        for article in settled {
            new_hits += article.new_hits;
            self.index_story(article.article_id, article.story, now);
        }
        Ok(new_hits)
    }
}

/// An article whose text was settled in a transaction, for the story index once it commits.
struct Settled {
    article_id: i64,
    /// Its story, and the fingerprint to index.
    story: StoryChoice,
    /// The topic hits its text added (none for a topic that already hit the story).
    new_hits: usize,
}

/// Settles an article whose final text (page or feed) is written: its story (and the story's
/// lead), then the topic hits of its text, inside the caller's transaction. Every text reaches
/// the hits this one way.
fn settle(
    tx: &Transaction<'_>,
    recent: RecentStories<'_>,
    article_id: i64,
    analysis: &TextAnalysis,
    identity: &TextIdentity,
    now: DateTime<Utc>,
) -> rusqlite::Result<Settled> {
    refresh_search_extras(tx, article_id)?;
    let story = choose_story(tx, recent, article_id, identity, now)?;
    let new_hits = insert_hits(tx, article_id, story.story_id, &analysis.hits, now)?;
    Ok(Settled {
        article_id,
        story,
        new_hits,
    })
}

fn write_extracted(
    tx: &Transaction<'_>,
    article_id: i64,
    page: &Extracted,
    source: TextSource,
    analysis: &TextAnalysis,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "UPDATE articles SET page_status = 'ok', page_attempts = page_attempts + 1,
             page_error = NULL, fetched_at = ?2, page_title = ?3, text = ?4,
             canonical_url = ?5, site_name = ?6,
             language = COALESCE(?7, language), author = COALESCE(author, ?8),
             published_at = COALESCE(published_at, ?9), text_source = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        article_id,
        now.timestamp(),
        page.title,
        page.text,
        page.canonical_url.as_ref().map(|u| u.as_str()),
        page.site_name,
        analysis.language.as_deref().or(page.language.as_deref()),
        page.author,
        page.published_at.map(|t| t.timestamp()),
        source.as_str(),
    ])
}

fn write_failure(
    tx: &Transaction<'_>,
    article_id: i64,
    error: &str,
    give_up: bool,
    analysis: &TextAnalysis,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "UPDATE articles SET page_attempts = page_attempts + 1, page_error = ?2, fetched_at = ?3,
             page_status = CASE WHEN ?4 THEN 'failed' ELSE 'pending' END,
             text = CASE WHEN ?4 THEN feed_text ELSE text END,
             text_source = CASE WHEN ?4 THEN feed_text_source ELSE text_source END,
             language = CASE WHEN ?4 THEN COALESCE(?5, language) ELSE language END
         WHERE id = ?1",
    )?
    .execute(params![
        article_id,
        error,
        now.timestamp(),
        give_up,
        analysis.language
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{entry, open_with_feed, poll};

    /// A page that fails is retried until the caller gives up, then left alone.
    #[test]
    fn failed_pages_are_retried_then_given_up() {
        let (_dir, mut store, feed) = open_with_feed();
        store
            .store_poll(feed, &poll(&[entry("a", "A")], Utc::now()))
            .unwrap();
        for attempt in 0..MAX_PAGE_ATTEMPTS {
            let pending = store.pending_pages(feed, 10).unwrap();
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].attempts, attempt);
            let failure = PageResult::Failed {
                error: "boom".into(),
                give_up: attempt + 1 >= MAX_PAGE_ATTEMPTS,
                analysis: TextAnalysis::default(),
                identity: TextIdentity::default(),
            };
            store
                .record_page(pending[0].article_id, &failure, Utc::now())
                .unwrap();
        }
        assert!(store.pending_pages(feed, 10).unwrap().is_empty());
    }
}
