//! `newshound explain URL|FILE`: runs one page (or a feed and every item in it) through
//! extraction and matching, and shows for each topic whether it matched, with which words and
//! snippet, or which part of its query failed. This is how users tune their watchlists.

use std::io::Write;

use anyhow::Context as _;
use url::Url;

use newshound::extract::{decode_html, extract};
use newshound::fetch::{FetchOutcome, Fetched, Fetcher, Origin, Validators};
use newshound::language;
use newshound::matcher::{Article, Language, TopicSet, evaluate, topic_hit, why_not};
use newshound::model::{Entry, TextSource};
use newshound::parse;
use newshound::pipeline::choose_text;

/// Lines of the extracted text shown before the topics.
const PREVIEW_LINES: usize = 3;
/// Characters of each preview line.
const PREVIEW_CHARS: usize = 160;

/// One article as matching sees it.
struct Explained {
    label: String,
    title: String,
    text: String,
    source: TextSource,
    declared: Vec<Option<String>>,
}

/// Explains `input` (an http(s) or file: URL, or a path) against `topics`, printing to stdout.
/// Returns the number of articles explained.
pub async fn run(input: &str, topics: &TopicSet, fetcher: &Fetcher) -> anyhow::Result<usize> {
    let (url, is_file) = input_url(input)?;
    let fetched = fetch(fetcher, &url, Origin::CommandLine).await?;
    let articles = if looks_like_html(&fetched) {
        vec![page_article(url.to_string(), &fetched, None, None)]
    } else {
        feed_articles(fetcher, &fetched, is_file).await?
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, article) in articles.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_article(&mut out, article, topics)?;
    }
    Ok(articles.len())
}

/// The URL of an input, and whether it is a local file.
fn input_url(input: &str) -> anyhow::Result<(Url, bool)> {
    match Url::parse(input) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok((url, false)),
        Ok(url) if url.scheme() == "file" => Ok((url, true)),
        _ => {
            let path = std::path::absolute(input)
                .with_context(|| format!("{input}: not a usable path"))?;
            let url = Url::from_file_path(&path)
                .map_err(|()| anyhow::anyhow!("{input}: not a usable path"))?;
            Ok((url, true))
        }
    }
}

async fn fetch(fetcher: &Fetcher, url: &Url, origin: Origin) -> anyhow::Result<Fetched> {
    match fetcher.fetch(url, origin, &Validators::default()).await? {
        FetchOutcome::Fetched(fetched) => Ok(*fetched),
        FetchOutcome::NotModified { .. } => anyhow::bail!("{url}: unexpected 304 Not Modified"),
    }
}

/// A page rather than a feed: served as HTML, or (for files, which have no media type) with an
/// `<html` before any sign of a feed.
fn looks_like_html(fetched: &Fetched) -> bool {
    if let Some(kind) = &fetched.content_type {
        return kind.contains("html");
    }
    let head =
        String::from_utf8_lossy(&fetched.body[..fetched.body.len().min(2048)]).to_lowercase();
    let html_at = ["<!doctype html", "<html"]
        .iter()
        .filter_map(|m| head.find(m))
        .min();
    let feed_at = ["<rss", "<feed", "<rdf:rdf", "\"version\""]
        .iter()
        .filter_map(|m| head.find(m))
        .min();
    match (html_at, feed_at) {
        (Some(html), Some(feed)) => html < feed,
        (html, _) => html.is_some(),
    }
}

/// The article of one fetched page; an entry's title and text take part as in the daemon.
fn page_article(
    label: String,
    fetched: &Fetched,
    entry: Option<&Entry>,
    feed_language: Option<&str>,
) -> Explained {
    let html = decode_html(&fetched.body, fetched.charset.as_deref());
    let mut page = extract(&html, &fetched.final_url);
    let feed_text = entry
        .and_then(Entry::feed_text)
        .map(|(text, source)| (text.to_owned(), source));
    let source = choose_text(&mut page, feed_text);
    let title = entry
        .and_then(|e| e.title.clone())
        .or(page.title.clone())
        .unwrap_or_default();
    let entry_language = entry.and_then(|e| e.language.clone());
    Explained {
        label,
        title,
        text: page.text,
        source,
        declared: vec![
            page.language,
            entry_language,
            feed_language.map(str::to_owned),
        ],
    }
}

/// Every item of a feed: its page when it links one that can be fetched, else the feed's text.
async fn feed_articles(
    fetcher: &Fetcher,
    fetched: &Fetched,
    is_file: bool,
) -> anyhow::Result<Vec<Explained>> {
    let feed = parse::parse_feed(
        &fetched.body,
        fetched.charset.as_deref(),
        &fetched.final_url,
    )
    .with_context(|| format!("{}: neither an HTML page nor a feed", fetched.final_url))?;
    let mut articles = Vec::with_capacity(feed.entries.len());
    for entry in &feed.entries {
        let origin = Origin::ArticleLink {
            from_file_feed: is_file,
        };
        let page = match &entry.link {
            Some(link) => Some((link, fetch(fetcher, link, origin).await)),
            None => None,
        };
        let article = match page {
            Some((link, Ok(page))) if looks_like_html(&page) => page_article(
                link.to_string(),
                &page,
                Some(entry),
                feed.language.as_deref(),
            ),
            other => {
                if let Some((link, Err(e))) = &other {
                    eprintln!("newshound: {link}: {e:#}; using the feed's text");
                }
                feed_text_article(entry, feed.language.as_deref())
            }
        };
        articles.push(article);
    }
    Ok(articles)
}

fn feed_text_article(entry: &Entry, feed_language: Option<&str>) -> Explained {
    let (text, source) = entry
        .feed_text()
        .map_or((String::new(), TextSource::FeedSummary), |(t, s)| {
            (t.to_owned(), s)
        });
    Explained {
        label: entry
            .link
            .as_ref()
            .map_or_else(|| entry.guid.clone().unwrap_or_default(), Url::to_string),
        title: entry.title.clone().unwrap_or_default(),
        text,
        source,
        declared: vec![entry.language.clone(), feed_language.map(str::to_owned)],
    }
}

fn write_article(
    out: &mut impl Write,
    article: &Explained,
    topics: &TopicSet,
) -> anyhow::Result<()> {
    let declared = article.declared.iter().map(Option::as_deref);
    let code = language::of_article(&article.text, declared);
    let how = if language::detect(&article.text).is_some() {
        "detected from the text"
    } else if code.is_some() {
        "declared by the page or feed; the text is too short to detect"
    } else {
        "unknown: too little text and none declared; words are compared without stemming"
    };
    writeln!(out, "== {}", article.label)?;
    writeln!(out, "language:  {} ({how})", code.as_deref().unwrap_or("-"))?;
    writeln!(out, "title:     {}", article.title)?;
    write_preview(out, article)?;
    let parsed = Article::new(
        &article.title,
        &article.text,
        Language::from_code(code.as_deref().unwrap_or_default()),
    );
    for topic in topics.topics() {
        writeln!(out)?;
        if !topic.applies_to(code.as_deref()) {
            writeln!(out, "{}: not applied", topic.name)?;
            writeln!(
                out,
                "  why:     the article's language is {}; the topic watches only {}",
                code.as_deref().unwrap_or("unknown"),
                topic.languages.join(", ")
            )?;
            continue;
        }
        let evaluation = evaluate(&topic.query, &parsed);
        if evaluation.matched {
            let hit = topic_hit(&topic.name, &evaluation, &article.title, &article.text);
            writeln!(out, "{}: MATCHED (score {})", topic.name, hit.score)?;
            writeln!(out, "  words:   {}", hit.matched.join(", "))?;
            writeln!(out, "  snippet: {}", hit.snippet.marked())?;
        } else {
            let why = why_not(&topic.query, &parsed).unwrap_or_default();
            writeln!(out, "{}: no match", topic.name)?;
            writeln!(out, "  query:   {}", topic.query)?;
            writeln!(out, "  failed:  {why}")?;
        }
    }
    Ok(())
}

/// The first lines of the text, each cut to [`PREVIEW_CHARS`], and its size and origin.
fn write_preview(out: &mut impl Write, article: &Explained) -> anyhow::Result<()> {
    let lines: Vec<&str> = article
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for (index, line) in lines.iter().take(PREVIEW_LINES).enumerate() {
        let label = if index == 0 { "text:" } else { "" };
        let mut shown: String = line.chars().take(PREVIEW_CHARS).collect();
        if line.chars().count() > PREVIEW_CHARS {
            shown.push('…');
        }
        writeln!(out, "{label:<10} {shown}")?;
    }
    if lines.is_empty() {
        writeln!(out, "text:      (none)")?;
    }
    writeln!(
        out,
        "           ({} lines, {} characters, from {})",
        lines.len(),
        article.text.chars().count(),
        source_name(article.source)
    )?;
    Ok(())
}

fn source_name(source: TextSource) -> &'static str {
    match source {
        TextSource::Page => "the page",
        TextSource::FeedContent => "the feed's content",
        TextSource::FeedSummary => "the feed's summary",
    }
}
