//! `newshound explain URL|FILE`: runs one page (or a feed and every item in it) through
//! extraction and matching, and shows for each topic whether it matched, with which words and
//! snippet, or which part of its query failed. This is how users tune their watchlists.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use url::Url;

use newshound::fetch::{FetchOutcome, Fetched, Fetcher, Origin, Validators};
use newshound::language;
use newshound::matcher::{Article, Language, TopicSet, verdicts};
use newshound::model::{Entry, TextSource};
use newshound::parse;
use newshound::pipeline::analyse::{Analysis, EntryFacts, analyse_feed_text, analyse_page};

/// Lines of the extracted text shown before the topics.
const PREVIEW_LINES: usize = 3;
/// Characters of each preview line.
const PREVIEW_CHARS: usize = 160;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An http(s) URL, or a file (HTML page or feed).
    input: String,
}

/// One article as the daemon would store it, and where it came from.
struct Explained {
    label: String,
    article: Analysis,
}

/// Explains the input of `args` against the config's topics.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    let topics = config.topic_set();
    let fetcher = Fetcher::new(config.fetch_settings())?;
    super::runtime()?.block_on(explain(&args.input, &topics, &fetcher))?;
    Ok(ExitCode::SUCCESS)
}

/// Explains `input` (an http(s) or file: URL, or a path) against `topics`, printing to stdout.
/// Returns the number of articles explained.
async fn explain(input: &str, topics: &TopicSet, fetcher: &Fetcher) -> anyhow::Result<usize> {
    let (url, is_file) = input_url(input)?;
    let fetched = fetch(fetcher, &url, Origin::CommandLine).await?;
    let articles = if looks_like_html(&fetched) {
        let article = page_article(&fetched, EntryFacts::default(), topics);
        vec![Explained {
            label: url.to_string(),
            article,
        }]
    } else {
        feed_articles(fetcher, &fetched, is_file, topics).await?
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, explained) in articles.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_article(&mut out, explained, topics)?;
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

/// The article of one fetched page, analysed as the daemon does.
fn page_article(fetched: &Fetched, entry: EntryFacts<'_>, topics: &TopicSet) -> Analysis {
    let charset = fetched.charset.as_deref();
    analyse_page(&fetched.body, charset, &fetched.final_url, entry, topics).article
}

/// What the feed says about an entry, as the daemon hands it to the analysis.
fn entry_facts(entry: &Entry) -> EntryFacts<'_> {
    EntryFacts {
        title: entry.title.as_deref(),
        language: entry.language.as_deref(),
        feed_text: entry.feed_text(),
    }
}

/// Every item of a feed: its page when it links one that can be fetched, else the feed's text.
async fn feed_articles(
    fetcher: &Fetcher,
    fetched: &Fetched,
    is_file: bool,
    topics: &TopicSet,
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
        let explained = match page {
            Some((link, Ok(page))) if looks_like_html(&page) => Explained {
                label: link.to_string(),
                article: page_article(&page, entry_facts(entry), topics),
            },
            other => {
                if let Some((link, Err(e))) = &other {
                    eprintln!("newshound: {link}: {e:#}; using the feed's text");
                }
                Explained {
                    label: entry
                        .link
                        .as_ref()
                        .map_or_else(|| entry.guid.clone().unwrap_or_default(), Url::to_string),
                    article: analyse_feed_text(entry_facts(entry), topics),
                }
            }
        };
        articles.push(explained);
    }
    Ok(articles)
}

/// Shows the article's language, title and text, then for every topic whether it hit (the hit
/// the daemon stores) or why not.
fn write_article(
    out: &mut impl Write,
    explained: &Explained,
    topics: &TopicSet,
) -> anyhow::Result<()> {
    let article = &explained.article;
    let code = article.found.language.as_deref();
    let how = if language::detect(&article.text).is_some() {
        "detected from the text"
    } else if code.is_some() {
        "declared by the page or feed; the text is too short to detect"
    } else {
        "unknown: too little text and none declared; words are compared without stemming"
    };
    writeln!(out, "== {}", explained.label)?;
    writeln!(out, "language:  {} ({how})", code.unwrap_or("-"))?;
    writeln!(out, "title:     {}", article.title)?;
    write_preview(out, article)?;
    let parsed = Article::new(
        &article.title,
        &article.text,
        Language::from_code(code.unwrap_or_default()),
    );
    for (topic, verdict) in verdicts(topics, &article.found.hits, code, &parsed) {
        writeln!(out)?;
        writeln!(out, "{}: {}", topic.name, verdict.headline())?;
        for (label, text) in verdict.details(topic) {
            writeln!(out, "  {:<9}{text}", format!("{label}:"))?;
        }
    }
    Ok(())
}

/// The first lines of the text, each cut to [`PREVIEW_CHARS`], and its size and origin.
fn write_preview(out: &mut impl Write, article: &Analysis) -> anyhow::Result<()> {
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
