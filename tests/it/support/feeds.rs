//! Documents the loopback servers serve: feeds and article pages, and a counter of a raw
//! feed's items.

/// An RSS 2.0 document with the given (title, link) items.
pub fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| {
            format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Test feed</title><link>http://example.com/</link>{items}</channel></rss>"
    )
}

/// A small article page with enough text for the extractor.
pub fn article_page(title: &str) -> String {
    let paragraph = format!(
        "<p>{title}: the council met on Tuesday and agreed on a new budget for the coming year, \
         after long talks with the unions and the regional governments.</p>"
    );
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{title} - Test News</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>{}</article>\
         <footer>Copyright</footer></body></html>",
        paragraph.repeat(5)
    )
}

/// How many `<item>` / `<entry>` elements (any case, any prefix) a raw feed document holds.
/// Counts element names exactly: RSS 1.0's channel-level `<items>` sequence is not an item.
pub fn item_elements(doc: &[u8]) -> usize {
    doc.split(|&b| b == b'<')
        .skip(1)
        .filter(|tail| {
            let end = tail
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                .unwrap_or(tail.len());
            let name = &tail[..end];
            let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
            local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry")
        })
        .count()
}
