//! Text emission: turns the chosen article element into blocks of normalised text (headings,
//! paragraphs, list items, quotes, table rows), separated by a blank line, dropping blocks that
//! are only a photo credit or a "read also" pointer.

use dom_query::{NodeData, NodeRef};

/// Elements that start and end a block of text.
#[rustfmt::skip]
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "table",
    "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "figure", "header", "address",
    "center", "details", "summary", "hr", "br", "body", "html", "form", "fieldset", "caption",
];

/// A block whose text is more than this share link text is a teaser or a link list ...
const MAX_LINK_SHARE: f64 = 0.6;

/// ... when it is shorter than this many bytes (a headline, not a paragraph with a long link).
const MAX_TEASER_LINK_BYTES: usize = 200;

/// A short block right before removed trailing teasers is their heading.
const MAX_TEASER_HEADING_BYTES: usize = 60;

/// Elements whose content is never text.
const SKIPPED_TAGS: &[&str] = &["script", "style", "noscript", "template", "svg", "head"];

/// Collects the text under `root` as blocks.
pub(super) fn blocks(root: &NodeRef<'_>) -> Vec<String> {
    let mut out = Blocks::default();
    walk(root, &mut out);
    out.flush();
    drop_trailing_teasers(&mut out.blocks, &out.link_shares);
    out.blocks
}

/// Removes the run of short link blocks (related articles, tag lists) that ends many article
/// bodies, with the short heading introducing it ("Mehr zum Thema").
fn drop_trailing_teasers(blocks: &mut Vec<String>, link_shares: &[f64]) {
    let mut removed_links = false;
    while let Some(last) = blocks.last() {
        let share = link_shares.get(blocks.len() - 1).copied().unwrap_or(0.0);
        let teaser = share > MAX_LINK_SHARE && last.len() < MAX_TEASER_LINK_BYTES;
        let heading = removed_links && last.len() < MAX_TEASER_HEADING_BYTES;
        if !(teaser || heading) || blocks.len() == 1 {
            return;
        }
        blocks.pop();
        if heading && !teaser {
            // One heading introduces the links; the short blocks above it are the article's.
            return;
        }
        removed_links = true;
    }
}

/// Joins blocks with blank lines.
pub(super) fn join(blocks: &[String]) -> String {
    blocks.join("\n\n")
}

/// The block being built and the finished ones.
#[derive(Default)]
struct Blocks {
    /// Finished blocks, whitespace-normalised and non-empty.
    blocks: Vec<String>,
    /// Raw text of the block being built.
    current: String,
    /// Bytes of `current` that sit inside links.
    linked: usize,
    /// Share of link text of each finished block.
    link_shares: Vec<f64>,
    /// How many `<a>` elements enclose the walk's position.
    open_links: usize,
}

impl Blocks {
    /// Ends the current block.
    fn flush(&mut self) {
        let text = normalise_space(&self.current);
        let link_share = self.linked as f64 / self.current.trim().len().max(1) as f64;
        self.current.clear();
        self.linked = 0;
        if !text.is_empty() && !is_credit_or_pointer(&text) {
            self.blocks.push(text);
            self.link_shares.push(link_share);
        }
    }
}

/// Walks the tree in document order without recursion, so hostile depth cannot overflow the
/// stack.
fn walk(root: &NodeRef<'_>, out: &mut Blocks) {
    let mut node = *root;
    loop {
        let descend = visit_open(&node, out);
        if descend && let Some(child) = node.first_child() {
            node = child;
            continue;
        }
        if descend {
            visit_close(&node, out);
        }
        loop {
            if node.id == root.id {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            let Some(parent) = node.parent() else { return };
            node = parent;
            visit_close(&node, out);
            if node.id == root.id {
                return;
            }
        }
    }
}

/// Handles entering a node; answers whether to walk its children.
fn visit_open(node: &NodeRef<'_>, out: &mut Blocks) -> bool {
    node.query(|n| match &n.data {
        NodeData::Text { contents } => {
            out.current.push_str(contents);
            if out.open_links > 0 {
                out.linked += contents.trim().len();
            }
            false
        }
        NodeData::Element(el) => {
            let name: &str = &el.name.local;
            if SKIPPED_TAGS.contains(&name) {
                return false;
            }
            if BLOCK_TAGS.contains(&name) {
                out.flush();
            } else if name == "a" {
                out.open_links += 1;
            } else if matches!(name, "td" | "th") {
                out.current.push(' ');
            }
            true
        }
        NodeData::Document | NodeData::Fragment => true,
        _ => false,
    })
    .unwrap_or(false)
}

/// Handles leaving an element whose children were walked.
fn visit_close(node: &NodeRef<'_>, out: &mut Blocks) {
    let Some(name) = node.node_name() else { return };
    if BLOCK_TAGS.contains(&&*name) {
        out.flush();
    } else if &*name == "a" {
        out.open_links = out.open_links.saturating_sub(1);
    }
}

/// Collapses whitespace runs to one space, trims, and drops invisible format characters (soft
/// hyphens and zero-width marks split words for matching).
pub(super) fn normalise_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let visible = |c: &char| {
        !matches!(
            c,
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'
        )
    };
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(visible));
    }
    out
}

/// `text` unless it is empty.
pub(super) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Lower-case prefixes of blocks that only credit a photo or an author, or navigate. "Read also"
/// pointers, ads and newsletter lines are the line-level pass's table (`lines.rs`), not this one.
#[rustfmt::skip]
const CREDIT_PREFIXES: &[&str] = &[
    "foto:", "fotos:", "bild:", "bilder:", "photo:", "photos:", "image:", "imagen:", "credit:",
    "credits:", "(crédito", "©", "(c)", "copyright", "quelle:", "source:", "fuente:", "titelbild:",
    "bild via", "źródło:", "kontakt:", "von:", "autor:", "autorin:", "autoren:", "über den autor",
    "zur person", "about the author", "weitere informationen:", "quellenangaben", "quellen:",
    "originalartikel", "ansprechpartner", "zusatzinformationen", "aktualisiert am", "opublikowano",
    "verfasst von", "release date:", "externer inhalt", "lade weitere", "zurück zur", "permalien",
    "permalink", "audios et vidéos",
];

/// Blocks this short that start with a credit/pointer prefix are dropped.
const MAX_CREDIT_CHARS: usize = 120;

/// Lower-case phrases that mark a short block as a call to subscribe, share or comment, or as a
/// legal notice, wherever they appear in it.
#[rustfmt::skip]
const BOILERPLATE_PHRASES: &[&str] = &[
    "newsletter", "subscribe", "subscriber", "sign up", "abonnieren sie", "jetzt abonnieren",
    "all rights reserved", "alle rechte vorbehalten", "prawa zastrzeżone", "derechos reservados",
    "tous droits réservés", "bookmark the permalink", "this entry was posted",
    "kommentare geschlossen", "keine kommentare", "no comments", "leave a comment",
    "kommentieren sie", "nicht eingeloggt", "advertising disclosure", "may receive compensation",
    "artikel teilen", "share this", "vergiss nicht zu teilen", "download the", "app herunterladen",
];

/// Blocks this short (bytes) are boilerplate when a phrase appears anywhere in them; longer ones
/// only when they start with it, since prose merely mentions subscribers or signing up.
const MAX_BOILERPLATE_BYTES: usize = 150;

/// Blocks longer than this (bytes) are prose whatever they start with.
const MAX_LEADING_BOILERPLATE_BYTES: usize = 300;

/// A short block that only credits a photo, points to other articles, or is boilerplate.
fn is_credit_or_pointer(text: &str) -> bool {
    if text.len() > MAX_LEADING_BOILERPLATE_BYTES {
        return false;
    }
    let lower = text.to_lowercase();
    let short = text.len() <= MAX_BOILERPLATE_BYTES;
    (text.len() <= MAX_CREDIT_CHARS && CREDIT_PREFIXES.iter().any(|p| lower.starts_with(p)))
        || BOILERPLATE_PHRASES.iter().any(|p| {
            if short {
                lower.contains(p)
            } else {
                lower.starts_with(p)
            }
        })
}

#[cfg(test)]
mod tests {
    use crate::extract::tests::{NEWS_PAGE, run};

    /// The main text is the article's blocks, in order, without any furniture; the headline
    /// repeating the title is left to `title` (Readability drops it from the body).
    #[test]
    fn article_text_skips_furniture_and_keeps_blocks() {
        let text = run(NEWS_PAGE).text;
        assert_eq!(
            text,
            "Der nordkoreanische Machthaber will nach Russland reisen.\n\n\
             Es geht um Artillerie und Raketen.\n\n\
             Treffen in Wladiwostok\n\n\
             Wir beobachten das genau."
        );
    }

    /// Soft hyphens and zero-width spaces would split words for the matcher.
    #[test]
    fn invisible_format_characters_are_removed() {
        let html = "<p>Waffen&shy;gespr\u{e4}che\u{200b} und&nbsp;mehr</p>";
        assert_eq!(run(html).text, "Waffengespräche und mehr");
    }

    /// Table rows are blocks, their cells separated by a space.
    #[test]
    fn table_rows_become_blocks() {
        let html = "<article><p>Die Ergebnisse im Überblick, wie sie das Amt meldete:</p>\
                    <table><tr><td>Köln</td><td>12</td></tr><tr><td>Bonn</td><td>7</td></tr>\
                    </table></article>";
        assert!(run(html).text.ends_with("Köln 12\n\nBonn 7"));
    }

    /// A short block that only credits a photo is dropped, a sentence mentioning one is not.
    #[test]
    fn credit_only_blocks_are_dropped() {
        let html = "<article><p>Foto: dpa/Agentur</p><p>Das Foto zeigt den Hafen.</p></article>";
        assert_eq!(run(html).text, "Das Foto zeigt den Hafen.");
    }

    /// Related-article links and their heading at the end of the body go; a link inside the
    /// text stays.
    #[test]
    fn trailing_teaser_links_and_their_heading_are_dropped() {
        let html = r#"<article><p>Der Stadtrat hat den Haushalt beschlossen, berichtet die
            <a href="/z">Zeitung</a>, nach langer Debatte am Abend.</p>
            <h3>Mehr aus der Stadt</h3><p><a href="/a">Neue Brücke eröffnet</a></p>
            <p><a href="/b">Streit um Parkplätze</a></p></article>"#;
        let text = run(html).text;
        assert!(
            text.starts_with("Der Stadtrat") && text.ends_with("am Abend."),
            "{text}"
        );
    }

    /// Calls to subscribe and legal notices are dropped when short.
    #[test]
    fn short_boilerplate_blocks_are_dropped() {
        let html = "<article><p>Der Hafen wird ausgebaut, sagte die Senatorin am Montag.</p>\
                    <p>Never miss a story: sign up for our newsletter!</p>\
                    <p>© 2024 Rheinblick. Alle Rechte vorbehalten.</p></article>";
        assert_eq!(
            run(html).text,
            "Der Hafen wird ausgebaut, sagte die Senatorin am Montag."
        );
    }
}
