//! Caps a document's items before feed-rs reads it (issue 18). feed-rs builds every entry of a
//! document before the caller can choose, and an entry costs it many times the bytes of a small
//! item, so a document of a hundred thousand items cost its parse more memory than the rest of
//! a run together (README, "Before the caps on hostile feeds"). A document with more item elements than the cap is scanned first
//! (`markup`'s tokenizer, which needs no decoding) and handed on with only the newest items left
//! in it, everything around them (the channel, the root) copied as it was. Documents within the
//! cap are never copied.
//!
//! "Newest" is [`super::MAX_ENTRIES`]'s rule, on the dates feed-rs would give the items (see
//! [`super::dates`]): published, else updated; undated items after dated ones, in document
//! order. The scan keeps at most `max` candidates at a time (a heap of offsets and dates), so
//! its own memory does not grow with the items; for XML it runs twice, once to choose and once
//! to copy. A JSON Feed gets the same treatment through `json_items`.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use super::dates::parse_timestamp;
use super::json_items::scan_json_items;
use super::markup::{Token, Tokens, local_name};
use super::normalise::{attribute, count_item_elements};
use super::runs::is_json;

/// A date element's text beyond this many bytes is not a date; the rest is ignored.
const MAX_DATE_BYTES: usize = 256;

/// A document with at most `max` items left in it.
pub(super) struct Capped<'a> {
    /// The document, borrowed unchanged when it holds at most `max` items.
    pub(super) doc: Cow<'a, [u8]>,
    /// How many items were cut out.
    pub(super) dropped: usize,
}

/// `doc` with only its `max` newest items left in it (see the module doc). UTF-16/32 documents
/// and documents whose root is not a feed come back unchanged; so does an item the document
/// breaks off in, and a JSON Feed that is malformed.
pub(super) fn keep_newest_items(doc: &[u8], max: usize) -> Capped<'_> {
    if super::is_wide(doc) {
        return Capped::unchanged(doc);
    }
    if is_json(doc) {
        return keep_newest_json_items(doc, max);
    }
    // The byte-level count sees every element the scan sees (and more), so it rules out the
    // scan cheaply for every ordinary feed.
    if count_item_elements(doc) <= max {
        return Capped::unchanged(doc);
    }
    let mut newest = Newest::new(max);
    scan_items(doc, true, |item| {
        newest.offer(item.date, item.start, item.end)
    });
    if newest.seen <= max {
        return Capped::unchanged(doc);
    }
    let dropped = newest.seen - max;
    let kept: Vec<usize> = newest.into_kept().iter().map(|c| c.rank.index.0).collect();
    Capped {
        doc: Cow::Owned(without_items(doc, &kept)),
        dropped,
    }
}

/// [`keep_newest_items`] for a JSON Feed: the kept elements of `items` are written back into
/// the array, separated by commas, with everything before and after it as it was.
fn keep_newest_json_items(doc: &[u8], max: usize) -> Capped<'_> {
    let mut newest = Newest::new(max);
    let array = scan_json_items(doc, |item| newest.offer(item.date, item.start, item.end));
    let Some(array) = array.filter(|_| newest.seen > max) else {
        return Capped::unchanged(doc);
    };
    let dropped = newest.seen - max;
    let mut out = Vec::with_capacity(doc.len().min(1 << 20));
    out.extend_from_slice(&doc[..=array.open]);
    for (n, kept) in newest.into_kept().iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&doc[kept.start..kept.end]);
    }
    out.extend_from_slice(&doc[array.close..]);
    Capped {
        doc: Cow::Owned(out),
        dropped,
    }
}

impl<'a> Capped<'a> {
    fn unchanged(doc: &'a [u8]) -> Self {
        Capped {
            doc: Cow::Borrowed(doc),
            dropped: 0,
        }
    }
}

/// How an item ranks for the cap: by date, undated last; earlier in the document first among
/// equals. A greater `Rank` is kept first.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    date: Option<DateTime<Utc>>,
    index: Reverse<usize>,
}

/// An item still in the running, with its byte span.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    /// First, so that it alone orders candidates (its index is unique).
    rank: Rank,
    start: usize,
    end: usize,
}

/// The newest `max` items offered so far: a heap whose top is the one to drop next, so memory
/// stays at `max` candidates whatever the document holds.
struct Newest {
    max: usize,
    heap: BinaryHeap<Reverse<Candidate>>,
    /// Items offered, in document order.
    seen: usize,
}

impl Newest {
    fn new(max: usize) -> Self {
        Newest {
            max,
            heap: BinaryHeap::with_capacity(max.saturating_add(1).min(1 << 16)),
            seen: 0,
        }
    }

    /// Offers the next item of the document.
    fn offer(&mut self, date: Option<DateTime<Utc>>, start: usize, end: usize) {
        let rank = Rank {
            date,
            index: Reverse(self.seen),
        };
        self.seen += 1;
        self.heap.push(Reverse(Candidate { rank, start, end }));
        if self.heap.len() > self.max {
            self.heap.pop();
        }
    }

    /// The kept items in document order.
    fn into_kept(self) -> Vec<Candidate> {
        let mut kept: Vec<Candidate> = self.heap.into_iter().map(|c| c.0).collect();
        kept.sort_unstable_by_key(|c| c.start);
        kept
    }
}

/// `doc` without the items whose index is not in `kept` (sorted).
fn without_items(doc: &[u8], kept: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len().min(1 << 20));
    let mut copied = 0;
    let mut next_kept = kept.iter().peekable();
    scan_items(doc, false, |item| {
        if next_kept.next_if_eq(&&item.index).is_none() {
            out.extend_from_slice(&doc[copied..item.start]);
            copied = item.end;
        }
    });
    out.extend_from_slice(&doc[copied..]);
    out
}

// ---------------------------------------------------------------------------------------------
// The scan

/// One item element of the document.
struct Item {
    /// Its position among the items, from 0.
    index: usize,
    /// Byte offset of its `<`.
    start: usize,
    /// Byte offset just after its end tag's `>`.
    end: usize,
    /// Its published date, else its updated date, as feed-rs would read them.
    date: Option<DateTime<Utc>>,
}

/// The feed formats feed-rs tells apart by the root element, as far as the cap cares: where the
/// items sit and which of their children are dates.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    /// RSS 2.0 (and every `<rss>` version the repair pass turns into 2.0): `rss/channel/item`.
    Rss2,
    /// RSS 0.91/0.92: `rss/channel/item`; feed-rs reads no item dates.
    Rss0,
    /// RSS 0.90/1.0: `RDF/item`.
    Rdf,
    /// Atom: `feed/entry`.
    Atom,
}

/// Which of an entry's dates an element gives.
#[derive(Clone, Copy)]
enum DateField {
    Published,
    Updated,
}

impl Format {
    /// The format of a document whose root element is `root`; `None` for one feed-rs does not
    /// read as a feed of many entries.
    fn of_root(name: &[u8], tag: &[u8]) -> Option<Format> {
        match local_name(name) {
            b"feed" => Some(Format::Atom),
            b"RDF" => Some(Format::Rdf),
            b"rss" => {
                let tag = String::from_utf8_lossy(tag);
                let version = attribute(&tag, "version");
                let old = version.is_some_and(|v| matches!(v.value, "0.91" | "0.92"));
                Some(if old { Format::Rss0 } else { Format::Rss2 })
            }
            _ => None,
        }
    }

    /// The local name of the item elements.
    fn item_name(self) -> &'static [u8] {
        match self {
            Format::Atom => b"entry",
            _ => b"item",
        }
    }

    /// The date an item's child element named `local` gives, as feed-rs's reader of this format
    /// maps it (by local name; the namespace is not checked).
    fn date_field(self, local: &[u8]) -> Option<DateField> {
        match (self, local) {
            (Format::Rss2, b"pubDate" | b"date") | (Format::Rdf, b"date") => {
                Some(DateField::Published)
            }
            (Format::Atom, b"published" | b"pubDate") => Some(DateField::Published),
            (Format::Rss2 | Format::Atom, b"updated") => Some(DateField::Updated),
            _ => None,
        }
    }
}

/// An item whose end tag the scan has not reached yet.
struct OpenItem {
    start: usize,
    /// Its element depth (the root is 1).
    depth: usize,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    /// The date child being read, with its text so far.
    reading: Option<(DateField, String)>,
}

impl OpenItem {
    /// Records a date child's text the way feed-rs does: the last one of a kind wins, even
    /// when it does not parse (or is empty).
    fn set(&mut self, field: DateField, text: Option<&str>) {
        let date = text.and_then(parse_timestamp);
        match field {
            DateField::Published => self.published = date,
            DateField::Updated => self.updated = date,
        }
    }
}

/// Where the scan is in the document.
#[derive(Default)]
struct Walk {
    /// Depth of the current element (the root is 1).
    depth: usize,
    format: Option<Format>,
    /// Depth of the element whose children are the items (the root, or `<channel>`), while
    /// inside it.
    container: Option<usize>,
    item: Option<OpenItem>,
    /// Items seen so far.
    items: usize,
}

/// Calls `visit` with each item element of `doc`, in document order, and returns how many
/// there are. Dates are read only `with_dates`. Stops where the document breaks off, or at once
/// when the root is not a feed of items.
fn scan_items(doc: &[u8], with_dates: bool, mut visit: impl FnMut(Item)) -> usize {
    let mut walk = Walk::default();
    for (start, end, token) in Tokens::new(doc) {
        match token {
            Token::Start { name, empty } => {
                walk.depth += 1;
                if !walk.open(name, &doc[start..end], start, with_dates) {
                    break;
                }
                if empty {
                    walk.close(end, &mut visit);
                }
            }
            Token::End => walk.close(end, &mut visit),
            Token::Text(text) => walk.text(text, true),
            Token::CData(text) => walk.text(text, false),
        }
    }
    walk.items
}

impl Walk {
    /// Takes the start tag `tag` of an element named `name` at `self.depth`, at byte `start`;
    /// false when it is a root that is not a feed.
    fn open(&mut self, name: &[u8], tag: &[u8], start: usize, with_dates: bool) -> bool {
        let Some(format) = self.format else {
            self.format = Format::of_root(name, tag);
            if matches!(self.format, Some(Format::Atom | Format::Rdf)) {
                self.container = Some(1);
            }
            return self.format.is_some();
        };
        let local = local_name(name);
        match &mut self.item {
            None if self.container == Some(self.depth - 1) && local == format.item_name() => {
                self.item = Some(OpenItem {
                    start,
                    depth: self.depth,
                    published: None,
                    updated: None,
                    reading: None,
                });
            }
            None if matches!(format, Format::Rss2 | Format::Rss0)
                && self.depth == 2
                && local == b"channel" =>
            {
                self.container = Some(2);
            }
            Some(item) if with_dates && self.depth == item.depth + 1 => {
                item.reading = format.date_field(local).map(|f| (f, String::new()));
            }
            _ => {}
        }
        true
    }

    /// Adds text to the date being read, if any; `escaped` text has its references resolved
    /// (a date written with character references is still a date to feed-rs).
    fn text(&mut self, text: &[u8], escaped: bool) {
        let Some((_, date)) = self.item.as_mut().and_then(|i| i.reading.as_mut()) else {
            return;
        };
        let Ok(text) = std::str::from_utf8(text) else {
            return;
        };
        let text = if escaped {
            quick_xml::escape::unescape(text).unwrap_or(Cow::Borrowed(text))
        } else {
            Cow::Borrowed(text)
        };
        if date.len() + text.len() <= MAX_DATE_BYTES {
            date.push_str(&text);
        }
    }

    /// Takes the end of the element at `self.depth`, which ends at byte `end`.
    fn close(&mut self, end: usize, visit: &mut impl FnMut(Item)) {
        let depth = self.depth;
        self.depth = depth.saturating_sub(1);
        if self.container == Some(depth) {
            self.container = None;
        }
        let Some(item) = self.item.as_mut() else {
            return;
        };
        if depth == item.depth + 1
            && let Some((field, text)) = item.reading.take()
        {
            let text = text.trim();
            item.set(field, (!text.is_empty()).then_some(text));
        }
        if depth == item.depth
            && let Some(item) = self.item.take()
        {
            visit(Item {
                index: self.items,
                start: item.start,
                end,
                date: item.published.or(item.updated),
            });
            self.items += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items of `doc` as (start, end, date) text, for looking at the scan.
    fn items_of(doc: &str) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        scan_items(doc.as_bytes(), true, |item| {
            out.push((
                doc[item.start..item.end].to_string(),
                item.date.map(|d| d.to_rfc3339()),
            ));
        });
        out
    }

    /// The scan finds the items where feed-rs looks for them, with their dates, and nothing
    /// that only looks like one (in text, CDATA, comments, or elsewhere in the tree).
    #[test]
    fn scan_finds_the_items_feed_rs_reads() {
        let doc = "<?xml version=\"1.0\"?><!-- <item>no</item> --><rss version=\"2.0\"><channel>\
                   <title>&lt;item&gt;</title><item><title>a</title><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>\
                   <image><item>no</item></image>\
                   <item><description><![CDATA[<item>x</item>]]></description><dc:date>2024-01-05</dc:date></item>\
                   <item/></channel><item>outside</item></rss>";
        let items = items_of(doc);
        let spans: Vec<&str> = items.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "<item><title>a</title><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>",
                "<item><description><![CDATA[<item>x</item>]]></description><dc:date>2024-01-05</dc:date></item>",
                "<item/>",
            ]
        );
        let dates: Vec<Option<&str>> = items.iter().map(|(_, d)| d.as_deref()).collect();
        assert_eq!(
            dates,
            [
                Some("2003-06-10T04:00:00+00:00"),
                Some("2024-01-05T00:00:00+00:00"),
                None
            ]
        );
    }

    /// Atom entries take published, else updated; RDF items `dc:date`; RSS 0.91 items no date.
    #[test]
    fn dates_follow_the_format() {
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><updated>2024-01-02T00:00:00Z</updated></entry>\
                    <entry><updated>2024-01-02T00:00:00Z</updated><published>2024-01-01T00:00:00Z</published></entry></feed>";
        let dates: Vec<Option<String>> = items_of(atom).into_iter().map(|(_, d)| d).collect();
        assert_eq!(
            dates,
            [
                Some("2024-01-02T00:00:00+00:00".to_string()),
                Some("2024-01-01T00:00:00+00:00".to_string())
            ]
        );
        let rdf = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><channel><items/></channel>\
                   <item rdf:about=\"x\"><dc:date>2024-01-03</dc:date></item></rdf:RDF>";
        assert_eq!(
            items_of(rdf)[0].1.as_deref(),
            Some("2024-01-03T00:00:00+00:00")
        );
        let rss091 = "<rss version=\"0.91\"><channel><item><pubDate>2024-01-03</pubDate></item></channel></rss>";
        assert_eq!(items_of(rss091)[0].1, None);
    }

    /// A document that is not a feed, or breaks off, yields what is whole and never panics.
    #[test]
    fn broken_and_foreign_documents_are_safe() {
        assert!(items_of("<html><body><item>x</item></body></html>").is_empty());
        let cut = "<rss><channel><item>a</item><item>b</it";
        assert_eq!(items_of(cut).len(), 1);
        let bare_amp = "<rss><channel><item>a & b</item><item>c</item></channel></rss>";
        assert_eq!(items_of(bare_amp).len(), 2);
        assert!(items_of("").is_empty());
    }

    /// Cutting keeps everything around the kept items byte for byte.
    #[test]
    fn cut_document_keeps_the_rest_as_it_was() {
        let doc = "<rss><channel><title>T</title>\n<item>0</item>\n<item>1</item>\n<item>2</item>\n<image/></channel></rss>";
        let cut = String::from_utf8(without_items(doc.as_bytes(), &[1])).unwrap();
        assert_eq!(
            cut,
            "<rss><channel><title>T</title>\n\n<item>1</item>\n\n<image/></channel></rss>"
        );
    }
}
