//! Documents the loopback servers serve: RSS feeds and article pages, built one way for every
//! test, and a counter of a raw feed's items.

/// One `<item>` of a test feed; its guid is its link.
pub struct FeedItem {
    title: String,
    link: String,
    /// The feed's summary (`<description>`), used when the page cannot serve.
    description: Option<String>,
    /// The feed's full content (`<content:encoded>`), HTML.
    content: Option<String>,
}

impl FeedItem {
    /// An item with a title and a link (written as given: escape `&` yourself).
    pub fn new(title: &str, link: &str) -> FeedItem {
        FeedItem {
            title: title.to_owned(),
            link: link.to_owned(),
            description: None,
            content: None,
        }
    }

    /// Gives the item a summary.
    pub fn description(mut self, text: &str) -> FeedItem {
        self.description = Some(text.to_owned());
        self
    }

    /// Gives the item full content.
    pub fn content(mut self, html: &str) -> FeedItem {
        self.content = Some(html.to_owned());
        self
    }

    fn to_xml(&self) -> String {
        let (title, link) = (&self.title, &self.link);
        let mut xml = format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid>");
        if let Some(description) = &self.description {
            xml.push_str(&format!("<description>{description}</description>"));
        }
        if let Some(content) = &self.content {
            xml.push_str(&format!(
                "<content:encoded><![CDATA[{content}]]></content:encoded>"
            ));
        }
        xml.push_str("</item>");
        xml
    }
}

/// An RSS 2.0 document of `items`, in that order; the channel declares `language` when given
/// (the language a feed's own texts are matched in).
pub fn rss_document(language: Option<&str>, items: &[FeedItem]) -> String {
    let language = language
        .map(|code| format!("<language>{code}</language>"))
        .unwrap_or_default();
    let items: String = items.iter().map(FeedItem::to_xml).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
         <title>Test feed</title><link>http://example.com/</link>{language}{items}</channel></rss>"
    )
}

/// An RSS 2.0 document with the given (title, link) items.
pub fn rss(items: &[(&str, &str)]) -> String {
    let items: Vec<FeedItem> = items
        .iter()
        .map(|(title, link)| FeedItem::new(title, link))
        .collect();
    rss_document(None, &items)
}

/// An RSS 2.0 document of (link, summary) items titled `Item <link>`, for tests about what the
/// summaries say; the channel declares `language` when given.
pub fn rss_of_summaries(language: Option<&str>, items: &[(&str, &str)]) -> String {
    let items: Vec<FeedItem> = items
        .iter()
        .map(|(link, summary)| FeedItem::new(&format!("Item {link}"), link).description(summary))
        .collect();
    rss_document(language, &items)
}

/// An article page as news sites write one: `title` as the page title and heading, `body`
/// (HTML) in an `<article>` between a navigation bar and a footer.
pub fn page(title: &str, body: &str) -> String {
    page_titled(title, title, body)
}

/// A small article page with enough text for the extractor.
pub fn article_page(title: &str) -> String {
    let paragraph = format!(
        "<p>{title}: the council met on Tuesday and agreed on a new budget for the coming year, \
         after long talks with the unions and the regional governments.</p>"
    );
    page_titled(&format!("{title} - Test News"), title, &paragraph.repeat(5))
}

/// [`page`] with a `<title>` other than the heading, as sites add their name to it.
fn page_titled(head_title: &str, heading: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{head_title}</title></head><body>\
         <nav><a href=\"/\">Home</a></nav><article><h1>{heading}</h1>{body}</article>\
         <footer>Copyright</footer></body></html>"
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
