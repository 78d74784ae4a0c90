//! A topic's feed as Atom 1.0 (RFC 4287), written with quick-xml's writer, which escapes every
//! text and attribute; characters XML cannot hold at all are dropped first.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use url::Url;

use super::{FeedEntry, TopicFeed, timestamp};

/// The Atom namespace.
const NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// The whole document.
pub(super) fn document(feed: &TopicFeed) -> Vec<u8> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into memory cannot fail: a `Vec` takes every byte.
    write_feed(&mut writer, feed).expect("writing into a Vec cannot fail");
    writer.into_inner()
}

fn write_feed(w: &mut Writer<Vec<u8>>, feed: &TopicFeed) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", NAMESPACE))
        .write_inner_content(|w| {
            element(w, "id", &feed.id)?;
            text_construct(w, "title", &feed.title)?;
            text_construct(w, "subtitle", &feed.description)?;
            element(w, "updated", &timestamp(feed.updated))?;
            link(w, "self", "application/atom+xml", &feed.own)?;
            link(w, "alternate", "text/html", &feed.page)?;
            // Entries name their site; the feed's author stands for those that cannot.
            w.create_element("author")
                .write_inner_content(|w| element(w, "name", "newshound"))?;
            element(w, "generator", "newshound")?;
            for entry in &feed.entries {
                write_entry(w, entry)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_entry(w: &mut Writer<Vec<u8>>, entry: &FeedEntry) -> io::Result<()> {
    let mut start = w.create_element("entry");
    if let Some(language) = &entry.language {
        start = start.with_attribute(("xml:lang", language.as_str()));
    }
    start.write_inner_content(|w| {
        element(w, "id", &entry.id)?;
        text_construct(w, "title", &entry.title)?;
        element(w, "updated", &timestamp(entry.updated))?;
        if let Some(published) = entry.published {
            element(w, "published", &timestamp(published))?;
        }
        let source = xml_chars(&entry.source);
        if !source.trim().is_empty() {
            w.create_element("author")
                .write_inner_content(|w| element(w, "name", &source))?;
        }
        link(w, "alternate", "text/html", entry.link())?;
        if entry.article.is_some() {
            link(w, "related", "text/html", &entry.story_page)?;
        }
        text_construct(w, "summary", &entry.content)?;
        Ok(())
    })?;
    Ok(())
}

/// `<name>text</name>`.
fn element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_chars(text)))?;
    Ok(())
}

/// A text construct of type `text`: shown as it is, never read as markup.
fn text_construct(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .with_attribute(("type", "text"))
        .write_text_content(BytesText::new(&xml_chars(text)))?;
    Ok(())
}

fn link(w: &mut Writer<Vec<u8>>, rel: &str, media_type: &str, href: &Url) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", media_type))
        .with_attribute(("href", href.as_str()))
        .write_empty()?;
    Ok(())
}

/// `text` without the characters XML 1.0 cannot hold even escaped (control characters other
/// than tab and line ends, and U+FFFE and U+FFFF), which a feed or page may have slipped into
/// a title.
fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A title with control characters still makes a well-formed document: they are dropped,
    /// the rest is kept.
    #[test]
    fn characters_xml_cannot_hold_are_dropped() {
        assert_eq!(xml_chars("a\u{1}b\u{1b}[2J\tc\u{ffff}\n"), "ab[2J\tc\n");
        assert_eq!(xml_chars("Grüße <&> 🙂"), "Grüße <&> 🙂");
    }
}
