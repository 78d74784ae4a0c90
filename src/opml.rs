//! Turns an OPML subscription list (as exported by feed readers) into `[[feeds]]` entries for
//! the config file, so that moving to newshound does not mean copying URLs by hand.
//!
//! Every `<outline>` with an `xmlUrl`, at any depth, becomes one feed; its `title` (or `text`)
//! becomes the name, and the titles of the outlines around it (the reader's folders) become
//! its tags. The output is built with the toml crate, so names with quotes or backslashes stay
//! valid TOML.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use serde::Serialize;

/// Why an OPML document could not be turned into feeds. A cause is part of the message, not
/// `source()` too, so a chain printed with `{:#}` says it once.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// The document is not well-formed XML.
    #[error("opml is not well-formed XML at byte {position}: {cause}")]
    Xml {
        /// Byte offset where the reader stopped.
        position: u64,
        /// What the XML reader found.
        cause: quick_xml::Error,
    },
    /// No outline carries an `xmlUrl`, so there is nothing to import.
    #[error("opml has no feed outlines (no outline with an xmlUrl attribute)")]
    NoFeeds,
    /// The feeds could not be written as TOML (not expected for plain strings).
    #[error("cannot write feeds as TOML: {0}")]
    Toml(toml::ser::Error),
}

/// One feed as it will appear in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct OpmlFeed {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct FeedsDocument {
    feeds: Vec<OpmlFeed>,
}

/// Prints a `[[feeds]]` block for every outline with an `xmlUrl`, ready to append to a config.
/// A URL listed twice is printed once (with the first outline's name and tags), because the
/// config refuses duplicate feeds.
pub fn feeds_toml_from_opml(xml: &str) -> Result<String, OpmlError> {
    let feeds = feeds_from_opml(xml)?;
    if feeds.is_empty() {
        return Err(OpmlError::NoFeeds);
    }
    toml::to_string(&FeedsDocument { feeds }).map_err(OpmlError::Toml)
}

/// Walks the outlines, keeping the stack of enclosing folder titles as tags.
fn feeds_from_opml(xml: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds: Vec<OpmlFeed> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|cause| OpmlError::Xml {
            position: reader.error_position(),
            cause,
        })?;
        match event {
            Event::Start(element) if is_outline(&element) => {
                let outline = Outline::read(&element);
                let folder = outline.xml_url.is_none().then(|| outline.label()).flatten();
                add_feed(&mut feeds, outline, &folders);
                folders.push(folder);
            }
            Event::Empty(element) if is_outline(&element) => {
                add_feed(&mut feeds, Outline::read(&element), &folders);
            }
            Event::End(element) if element.local_name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => return Ok(feeds),
            _ => {}
        }
    }
}

fn is_outline(element: &BytesStart) -> bool {
    element.local_name().as_ref() == "outline"
}

fn add_feed(feeds: &mut Vec<OpmlFeed>, outline: Outline, folders: &[Option<String>]) {
    let name = outline.label();
    let Some(url) = outline.xml_url else { return };
    if feeds.iter().any(|feed| feed.url == url) {
        return;
    }
    let mut tags: Vec<String> = Vec::new();
    for folder in folders.iter().flatten() {
        if !tags.contains(folder) {
            tags.push(folder.clone());
        }
    }
    feeds.push(OpmlFeed { url, name, tags });
}

/// The attributes of one `<outline>` that matter here, trimmed, empty ones dropped.
struct Outline {
    xml_url: Option<String>,
    title: Option<String>,
    text: Option<String>,
}

impl Outline {
    fn read(element: &BytesStart) -> Self {
        Outline {
            xml_url: attribute(element, "xmlUrl"),
            title: attribute(element, "title"),
            text: attribute(element, "text"),
        }
    }

    /// What a person would call this outline: its title, else its text.
    fn label(&self) -> Option<String> {
        self.title.clone().or_else(|| self.text.clone())
    }
}

/// An attribute's unescaped, trimmed value; `None` when absent, empty or malformed (one broken
/// attribute should not stop an import).
fn attribute(element: &BytesStart, name: &str) -> Option<String> {
    let attribute = element.try_get_attribute(name).ok().flatten()?;
    let value = attribute.normalized_value(XmlVersion::Implicit1_0).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline type="rss" text="BBC World" title="BBC News - World"
               xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" htmlUrl="https://www.bbc.co.uk/news"/>
      <outline text="Germany">
        <outline type="rss" text="tagesschau &quot;Top&quot; \ news"
                 xmlUrl="https://www.tagesschau.de/xml/rss2/"/>
      </outline>
    </outline>
    <outline type="rss" text="heise" xmlUrl="https://www.heise.de/rss/heise-atom.xml?a=1&amp;b=2"></outline>
    <outline text="Duplicates">
      <outline xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" text="again"/>
    </outline>
  </body>
</opml>"#;

    /// Nested folders become tags, names come from title then text, and escapes survive.
    #[test]
    fn nested_outlines_become_tagged_feeds() {
        let feeds = feeds_from_opml(NESTED).unwrap();
        assert_eq!(
            feeds,
            vec![
                OpmlFeed {
                    url: "https://feeds.bbci.co.uk/news/world/rss.xml".into(),
                    name: Some("BBC News - World".into()),
                    tags: vec!["News".into()],
                },
                OpmlFeed {
                    url: "https://www.tagesschau.de/xml/rss2/".into(),
                    name: Some("tagesschau \"Top\" \\ news".into()),
                    tags: vec!["News".into(), "Germany".into()],
                },
                OpmlFeed {
                    url: "https://www.heise.de/rss/heise-atom.xml?a=1&b=2".into(),
                    name: Some("heise".into()),
                    tags: vec![],
                },
            ]
        );
    }

    /// The printed TOML parses back to the same feeds, so quoting is right.
    #[test]
    fn printed_toml_reads_back() {
        let text = feeds_toml_from_opml(NESTED).unwrap();
        assert!(text.contains("[[feeds]]"), "{text}");
        let value: toml::Table = toml::from_str(&text).unwrap();
        let feeds = value["feeds"].as_array().unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(
            feeds[1]["name"].as_str(),
            Some("tagesschau \"Top\" \\ news")
        );
        assert_eq!(feeds[1]["tags"].as_array().unwrap().len(), 2);
        assert!(feeds[2].get("tags").is_none());
    }

    /// A list without feed outlines is an error rather than an empty import.
    #[test]
    fn opml_without_feeds_is_an_error() {
        let error = feeds_toml_from_opml("<opml><body><outline text='x'/></body></opml>");
        assert!(matches!(error, Err(OpmlError::NoFeeds)), "{error:?}");
    }

    /// Broken XML is reported with a position instead of a partial import.
    #[test]
    fn malformed_opml_is_an_error() {
        let error = feeds_toml_from_opml("<opml><body><outline xmlUrl='x'></body></opml>");
        assert!(matches!(error, Err(OpmlError::Xml { .. })), "{error:?}");
    }
}
