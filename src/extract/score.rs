//! The article body: our own Readability-style scoring on the pruned tree.
//!
//! One iterative walk over the body records, for every element in document order, what the
//! decisions need about its subtree (text length, link text, commas, paragraph, image, list and
//! form counts, class/id weight, whether it is a known article container). Everything after
//! that works on those records: the paragraph scores propagated to ancestors, the top candidate
//! and its sibling sections, the conditional cleaning (link lists, image galleries, forms) and
//! the retries with looser rules. Only then is the tree touched (cleaned elements removed) and
//! the chosen elements turned into text by the blocks module.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use dom_query::{Document, NodeData, NodeRef};

use super::blocks::{blocks, join};

/// Pages with more elements than this skip the scoring and fall back to the pruned body's prose:
/// cost must stay bounded on hostile pages.
const MAX_SCORED_ELEMENTS: usize = 60_000;

/// A pick with fewer characters than this is retried with looser rules (no class weights, then
/// no conditional cleaning); the longest attempt wins when none reaches it. 1,000, as the
/// Readability port used before was configured (tuned on the trafilatura set).
const MIN_ARTICLE_CHARS: usize = 1_000;

/// Paragraphs shorter than this (characters) carry no score.
const MIN_PARAGRAPH_CHARS: usize = 25;

/// How many of the best candidates are compared when looking for a common ancestor.
const TOP_CANDIDATES: usize = 5;

/// Characters that count as commas (Latin, Arabic, CJK and small forms).
const COMMAS: &[char] = &[
    '\u{002C}', '\u{060C}', '\u{FE50}', '\u{FE10}', '\u{FE11}', '\u{2E41}', '\u{2E34}', '\u{2E32}',
    '\u{FF0C}',
];

/// Parts of class/id values that lower a candidate's score (Readability's list).
#[rustfmt::skip]
const NEGATIVE_CLASS_PARTS: &[&str] = &[
    "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr",
    "masthead", "media", "meta", "outbrain", "promo", "related", "scroll", "share", "shoutbox",
    "sidebar", "skyscraper", "sponsor", "shopping", "tags", "widget",
];

/// Parts of class/id values that raise a candidate's score (Readability's list).
#[rustfmt::skip]
const POSITIVE_CLASS_PARTS: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text",
    "blog", "story",
];

/// Class/id words of the common CMS article bodies (WordPress, Drupal, Blogger, Newspaper,
/// news sites): a known container is tried before generic scoring.
#[rustfmt::skip]
const CONTAINER_CLASSES: &[&str] = &[
    "entry-content", "post-content", "post-body", "post-entry", "postbody", "article-body",
    "article-content", "article__body", "article__content", "articlebody", "article-text",
    "story-body", "story-content", "storycontent", "td-post-content", "field-name-body",
    "field--name-body", "c-entry-content", "rich-text", "body-text", "article-body-text",
];

/// What an element is to the scoring, from its tag.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Body,
    Div,
    P,
    Section,
    Article,
    Main,
    Heading,
    /// `h1`: a heading, and a candidate for the title duplicate.
    H1,
    Td,
    Pre,
    Blockquote,
    Ul,
    Ol,
    Li,
    Table,
    Tr,
    Form,
    Img,
    Input,
    Anchor,
    /// Other block-level elements (`dl`, `address`, `header`, `figure`, ...).
    OtherBlock,
    /// Inline (phrasing) elements: their text belongs to the enclosing block.
    Inline,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "body" => Tag::Body,
            "div" => Tag::Div,
            "p" => Tag::P,
            "section" => Tag::Section,
            "article" => Tag::Article,
            "main" => Tag::Main,
            "h1" => Tag::H1,
            "h2" | "h3" | "h4" | "h5" | "h6" => Tag::Heading,
            "td" => Tag::Td,
            "pre" => Tag::Pre,
            "blockquote" => Tag::Blockquote,
            "ul" => Tag::Ul,
            "ol" => Tag::Ol,
            "li" => Tag::Li,
            "table" => Tag::Table,
            "tr" => Tag::Tr,
            "form" | "fieldset" => Tag::Form,
            "img" | "picture" => Tag::Img,
            "input" => Tag::Input,
            "a" => Tag::Anchor,
            "abbr" | "b" | "bdo" | "bdi" | "br" | "cite" | "code" | "data" | "dfn" | "em" | "i"
            | "kbd" | "mark" | "q" | "s" | "samp" | "small" | "span" | "strong" | "sub" | "sup"
            | "time" | "u" | "var" | "wbr" | "font" | "del" | "ins" | "tt" | "strike" | "big"
            | "nobr" | "label" | "math" => Tag::Inline,
            _ => Tag::OtherBlock,
        }
    }

    /// Readability's starting score of a candidate, from its tag.
    fn base_score(self, name_is: impl Fn(&str) -> bool) -> f32 {
        match self {
            Tag::Div => 5.0,
            Tag::Pre | Tag::Td | Tag::Blockquote => 3.0,
            Tag::Ul | Tag::Ol | Tag::Li | Tag::Form => -3.0,
            Tag::Heading | Tag::H1 => -5.0,
            Tag::OtherBlock if name_is("address") || name_is("dl") || name_is("dd") => -3.0,
            Tag::OtherBlock if name_is("dt") => -3.0,
            Tag::OtherBlock if name_is("th") => -5.0,
            _ => 0.0,
        }
    }

    /// Elements whose own text is scored as a paragraph.
    fn is_paragraph(self) -> bool {
        matches!(
            self,
            Tag::P | Tag::Section | Tag::Heading | Tag::Td | Tag::Pre
        )
    }

    /// Readability's block elements: a div holding none of them is a paragraph.
    fn is_block(self) -> bool {
        matches!(
            self,
            Tag::Blockquote
                | Tag::Div
                | Tag::Img
                | Tag::Ol
                | Tag::Ul
                | Tag::P
                | Tag::Pre
                | Tag::Table
        )
    }
}

/// One element of the body and the sums over its subtree.
#[derive(Clone)]
struct Elem<'a> {
    node: NodeRef<'a>,
    tag: Tag,
    /// Index of the parent element (none for the body).
    parent: Option<usize>,
    /// Index one past the element's last descendant: descendants are `index + 1 .. end`.
    end: usize,
    /// Sums over the subtree.
    sums: Sums,
    /// Characters of text nodes that are direct children or inside inline children: the text
    /// Readability wraps into paragraphs of its own.
    loose_chars: usize,
    loose_commas: usize,
    element_children: u32,
    /// Inside a `figure`.
    in_figure: bool,
    /// Readability's starting score from the tag alone.
    base_score: f32,
    /// Readability's class/id weight (±25 per attribute).
    class_weight: f32,
    /// The class attribute, for the sibling bonus.
    class: Option<String>,
    /// A known article container (`itemprop=articleBody`, `<article>`, a CMS body class).
    container: Container,
}

/// Which kind of known article container an element is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Container {
    None,
    /// `itemprop="articleBody"`: the page says so.
    Declared,
    /// A CMS body class.
    Class,
    /// An `<article>` element (teaser lists have many).
    Article,
}

/// The body's elements with their subtree sums; see the module docs.
struct Page<'a> {
    elems: Vec<Elem<'a>>,
    /// Elements left out as unlikely candidates (with their parent's index), when stripping.
    stripped: Vec<(NodeRef<'a>, usize)>,
    /// Whether unlikely candidates were left out.
    strip_unlikely: bool,
    /// Links that run a script (`href="javascript:..."`): their text is text, not a link.
    script_links: Vec<NodeRef<'a>>,
}

/// What the walk knows about the text node's position.
struct WalkState {
    /// Indices of the open elements, innermost last.
    open: Vec<usize>,
    /// Nesting of open `<a>` elements and the weight of their text.
    link_weight: Vec<f32>,
    /// Open `figure` elements.
    figures: usize,
    /// Open `table` and `code` elements (nothing inside them is stripped as unlikely).
    tables: usize,
}

impl<'a> Page<'a> {
    /// Records every element under `body` (which is index 0); `None` when there are more than
    /// [`MAX_SCORED_ELEMENTS`].
    fn collect(body: &NodeRef<'a>, strip_unlikely: bool) -> Option<Self> {
        let mut page = Page {
            elems: Vec::new(),
            stripped: Vec::new(),
            strip_unlikely,
            script_links: Vec::new(),
        };
        let mut state = WalkState {
            open: Vec::new(),
            link_weight: Vec::new(),
            figures: 0,
            tables: 0,
        };
        let mut node = *body;
        loop {
            let descend = page.open(&node, &mut state)?;
            if descend && let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            if descend {
                page.close(&node, &mut state);
            }
            loop {
                if node.id == body.id {
                    return Some(page);
                }
                if let Some(sibling) = node.next_sibling() {
                    node = sibling;
                    break;
                }
                let Some(parent) = node.parent() else {
                    return Some(page);
                };
                node = parent;
                page.close(&node, &mut state);
                if node.id == body.id {
                    return Some(page);
                }
            }
        }
    }

    /// Enters a node; answers whether to walk its children (`None`: too many elements).
    fn open(&mut self, node: &NodeRef<'a>, state: &mut WalkState) -> Option<bool> {
        let mut pushed = None;
        let mut stripped = false;
        let mut script_link = false;
        let descend = node.query(|n| match &n.data {
            NodeData::Text { contents } => {
                self.add_text(contents, state);
                false
            }
            NodeData::Element(el) => {
                let name: &str = &el.name.local;
                if matches!(
                    name,
                    "script" | "style" | "noscript" | "template" | "svg" | "head"
                ) {
                    // No text of the page (blocks skips them too).
                    return false;
                }
                let tag = Tag::of(name);
                let class = el.attr("class");
                let id = el.attr("id");
                if self.strip_unlikely
                    && state.tables == 0
                    && !state.open.is_empty()
                    && tag != Tag::Anchor
                    && is_unlikely(class.as_deref(), id.as_deref(), el.attr("role").as_deref())
                {
                    stripped = true;
                    return false;
                }
                if matches!(name, "table" | "code") {
                    state.tables += 1;
                }
                let weight = class_weight(class.as_deref(), id.as_deref());
                let container =
                    container_kind(tag, class.as_deref(), el.attr("itemprop").as_deref());
                let base = tag.base_score(|n| n == name);
                if tag == Tag::Anchor {
                    let href = el.attr("href");
                    let href = href.as_deref().unwrap_or("");
                    let weight = if href.trim_start().starts_with("javascript:") {
                        script_link = true;
                        0.0
                    } else if href.len() > 1 && href.starts_with('#') {
                        0.3
                    } else {
                        1.0
                    };
                    state.link_weight.push(weight);
                }
                if name == "figure" {
                    state.figures += 1;
                }
                pushed = Some((tag, base, weight, class.map(|c| c.to_string()), container));
                true
            }
            NodeData::Document | NodeData::Fragment => true,
            _ => false,
        })?;
        if script_link {
            self.script_links.push(*node);
        }
        if stripped && let Some(&parent) = state.open.last() {
            self.stripped.push((*node, parent));
        }
        if let Some((tag, base_score, class_weight, class, container)) = pushed {
            if self.elems.len() >= MAX_SCORED_ELEMENTS {
                return None;
            }
            let parent = state.open.last().copied();
            if let Some(p) = parent {
                self.elems[p].element_children += 1;
            }
            let index = self.elems.len();
            self.elems.push(Elem {
                node: *node,
                tag,
                parent,
                end: index + 1,
                sums: Sums::default(),
                loose_chars: 0,
                loose_commas: 0,
                element_children: 0,
                in_figure: state.figures > 0,
                base_score,
                class_weight,
                class,
                container,
            });
            state.open.push(index);
        }
        Some(descend)
    }

    /// Adds a text node to the innermost open element and the nearest block around it.
    fn add_text(&mut self, text: &str, state: &WalkState) {
        let Some(&innermost) = state.open.last() else {
            return;
        };
        let (chars, commas) = measure(text);
        if chars == 0 {
            return;
        }
        let elem = &mut self.elems[innermost];
        elem.sums.chars += chars;
        elem.sums.commas += commas;
        if let Some(weight) = state.link_weight.last() {
            elem.sums.link_chars += chars as f32 * weight;
        }
        let owner = state
            .open
            .iter()
            .rev()
            .copied()
            .find(|&i| !matches!(self.elems[i].tag, Tag::Inline | Tag::Anchor))
            .unwrap_or(innermost);
        self.elems[owner].loose_chars += chars;
        self.elems[owner].loose_commas += commas;
    }

    /// Leaves an element: its sums go to its parent.
    fn close(&mut self, node: &NodeRef<'a>, state: &mut WalkState) {
        let Some(&index) = state.open.last() else {
            return;
        };
        if self.elems[index].node.id != node.id {
            return;
        }
        state.open.pop();
        let tag = self.elems[index].tag;
        if tag == Tag::Anchor {
            state.link_weight.pop();
        }
        if node.has_name("figure") {
            state.figures = state.figures.saturating_sub(1);
        }
        if node.has_name("table") || node.has_name("code") {
            state.tables = state.tables.saturating_sub(1);
        }
        let end = self.elems.len();
        self.elems[index].end = end;
        let Some(parent) = self.elems[index].parent else {
            return;
        };
        let child = self.elems[index].sums;
        let p = &mut self.elems[parent];
        p.sums.chars += child.chars;
        p.sums.link_chars += child.link_chars;
        p.sums.commas += child.commas;
        p.sums.list_chars += if matches!(tag, Tag::Ul | Tag::Ol) {
            child.chars
        } else {
            child.list_chars
        };
        p.sums.heading_chars += if matches!(tag, Tag::Heading | Tag::H1) {
            child.chars
        } else {
            child.heading_chars
        };
        p.sums.paragraphs += child.paragraphs + u32::from(tag == Tag::P);
        p.sums.images += child.images + u32::from(tag == Tag::Img);
        p.sums.list_items += child.list_items + u32::from(tag == Tag::Li);
        p.sums.inputs += child.inputs + u32::from(tag == Tag::Input);
        p.sums.rows += child.rows + u32::from(tag == Tag::Tr);
        p.sums.has_block |= child.has_block || tag.is_block();
        p.sums.has_pre |= child.has_pre || tag == Tag::Pre;
    }

    /// Share of an element's text inside links.
    fn link_density(&self, i: usize) -> f32 {
        let e = &self.elems[i];
        if e.sums.chars == 0 {
            0.0
        } else {
            e.sums.link_chars / e.sums.chars as f32
        }
    }

    /// Characters of an element's text outside links.
    fn prose(&self, i: usize) -> usize {
        let e = &self.elems[i];
        e.sums.chars.saturating_sub(e.sums.link_chars as usize)
    }

    /// True when `ancestor` contains `i` (or is it).
    fn contains(&self, ancestor: usize, i: usize) -> bool {
        ancestor <= i && i < self.elems[ancestor].end
    }

    /// The element children of `i`, in order.
    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.elems[i].end;
        std::iter::successors(Some(i + 1), move |&c| self.elems.get(c).map(|e| e.end))
            .take_while(move |&c| c < end)
    }
}

/// What an element's subtree holds; a parent adds up its children's.
#[derive(Clone, Copy, Default)]
struct Sums {
    /// Characters of text, whitespace runs counted once.
    chars: usize,
    /// Characters inside links (in-page anchors count 0.3).
    link_chars: f32,
    commas: usize,
    /// Characters inside lists, inside headings.
    list_chars: usize,
    heading_chars: usize,
    paragraphs: u32,
    images: u32,
    list_items: u32,
    inputs: u32,
    rows: u32,
    /// Holds a block element (a div that does not is a paragraph).
    has_block: bool,
    /// Holds a `pre` (code wrappers are never cleaned by class weight).
    has_pre: bool,
}

/// Characters (whitespace runs counted once, edges not at all) and commas of a text.
fn measure(text: &str) -> (usize, usize) {
    let mut chars = 0;
    let mut commas = 0;
    let mut in_space = true;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                pending_space = true;
            }
            in_space = true;
            continue;
        }
        if pending_space {
            chars += 1;
            pending_space = false;
        }
        in_space = false;
        chars += 1;
        commas += usize::from(COMMAS.contains(&c));
    }
    (chars, commas)
}

/// Readability's class weight: -25 for a furniture word in class or id, +25 for a content word,
/// each attribute on its own.
fn class_weight(class: Option<&str>, id: Option<&str>) -> f32 {
    static NEGATIVE: LazyLock<AhoCorasick> = LazyLock::new(|| parts(NEGATIVE_CLASS_PARTS));
    static POSITIVE: LazyLock<AhoCorasick> = LazyLock::new(|| parts(POSITIVE_CLASS_PARTS));
    [class, id]
        .into_iter()
        .flatten()
        .map(|value| {
            let mut weight = 0.0;
            let hid = value
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case("hid"));
            if hid || NEGATIVE.is_match(value) {
                weight -= 25.0;
            }
            if POSITIVE.is_match(value) {
                weight += 25.0;
            }
            weight
        })
        .sum()
}

/// One automaton finding any of `list` in a class or id value, ASCII case ignored: the scorer
/// asks for every element, and one pass over the value beats a substring search per part.
fn parts(list: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(list)
        .expect("a fixed list of plain words builds")
}

/// Parts of class/id values that mark an unlikely candidate (Readability's list) ...
#[rustfmt::skip]
const UNLIKELY_PARTS: &[&str] = &[
    "-ad-", "ai2html", "banner", "breadcrumbs", "combx", "comment", "community", "cover-wrap",
    "disqus", "extra", "footer", "gdpr", "header", "legends", "menu", "related", "remark",
    "replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "supplemental",
    "ad-break", "agegate", "pagination", "pager", "popup", "yom-remote",
];

/// ... unless one of these is there too.
#[rustfmt::skip]
const MAYBE_PARTS: &[&str] = &[
    "and", "article", "body", "column", "content", "layout", "main", "mathjax", "shadow",
];

/// ARIA roles of page furniture.
#[rustfmt::skip]
const UNLIKELY_ROLES: &[&str] = &[
    "menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog",
];

/// Readability's unlikely candidate: class/id name furniture and nothing that may be content, or
/// a furniture role. Left out of the first attempt only.
fn is_unlikely(class: Option<&str>, id: Option<&str>, role: Option<&str>) -> bool {
    if role.is_some_and(|r| UNLIKELY_ROLES.contains(&r.trim())) {
        return true;
    }
    static UNLIKELY: LazyLock<AhoCorasick> = LazyLock::new(|| parts(UNLIKELY_PARTS));
    static MAYBE: LazyLock<AhoCorasick> = LazyLock::new(|| parts(MAYBE_PARTS));
    // No part holds a space, so class and id are searched apart rather than joined.
    let names = [class, id].into_iter().flatten();
    names.clone().any(|n| UNLIKELY.is_match(n)) && !names.into_iter().any(|n| MAYBE.is_match(n))
}

/// Whether an element is a known article container, and which kind.
fn container_kind(tag: Tag, class: Option<&str>, itemprop: Option<&str>) -> Container {
    if itemprop.is_some_and(|p| {
        p.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("articleBody"))
    }) {
        return Container::Declared;
    }
    let cms = class.is_some_and(|class| {
        class.split_whitespace().any(|word| {
            CONTAINER_CLASSES
                .iter()
                .any(|c| c.eq_ignore_ascii_case(word))
        })
    });
    if cms {
        Container::Class
    } else if tag == Tag::Article {
        Container::Article
    } else {
        Container::None
    }
}

/// The scoring rules of one attempt.
#[derive(Clone, Copy)]
struct Rules {
    weigh_classes: bool,
    clean: bool,
}

/// The chosen elements of one attempt and what cleaning removes inside them.
struct Pick {
    /// The top candidate and its sibling sections, in document order.
    roots: Vec<usize>,
    /// Elements inside the roots that conditional cleaning removes.
    removed: Vec<usize>,
    /// Characters of the pick after cleaning.
    chars: usize,
}

/// Main text of the page, paragraphs separated by blank lines; `title` is the page's title (a
/// heading repeating it is not body text).
pub(super) fn article_text(document: &Document, title: Option<&str>) -> String {
    let Some(body) = document.body() else {
        return String::new();
    };
    remove_title_heading(&body, title);
    let Some((page, pick)) = choose(&body) else {
        return join(&blocks(&body));
    };
    for &i in &pick.removed {
        page.elems[i].node.remove_from_parent();
    }
    for (node, parent) in &page.stripped {
        if pick.roots.iter().any(|&r| page.contains(r, *parent)) {
            node.remove_from_parent();
        }
    }
    for link in &page.script_links {
        link.rename("span");
    }
    emit(document, &page, &pick.roots)
}

/// The best attempt: strict rules first (unlikely candidates left out, class weights, cleaning),
/// looser ones while the pick is short; the longest pick when none is long enough. The looser
/// attempts need the unlikely candidates back, so they cost a second walk, on short picks only.
/// `None` when the page has too many elements to score.
fn choose<'a>(body: &NodeRef<'a>) -> Option<(Page<'a>, Pick)> {
    let strict = Page::collect(body, true)?;
    let all = Rules {
        weigh_classes: true,
        clean: true,
    };
    let first = attempt(&strict, all);
    debug_pick(&strict, &first, all);
    if first.chars >= MIN_ARTICLE_CHARS {
        return Some((strict, first));
    }
    let loose = Page::collect(body, false)?;
    let mut best: Option<Pick> = None;
    for rules in [
        all,
        Rules {
            weigh_classes: false,
            clean: true,
        },
        Rules {
            weigh_classes: false,
            clean: false,
        },
    ] {
        let pick = attempt(&loose, rules);
        debug_pick(&loose, &pick, rules);
        if pick.chars >= MIN_ARTICLE_CHARS {
            return Some((loose, pick));
        }
        if best.as_ref().is_none_or(|b| pick.chars > b.chars) {
            best = Some(pick);
        }
    }
    match best {
        Some(pick) if pick.chars > first.chars => Some((loose, pick)),
        _ => Some((strict, first)),
    }
}

/// Traces an attempt's pick (which elements, which cleaned) for tuning on the development sets.
fn debug_pick(page: &Page<'_>, pick: &Pick, rules: Rules) {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return;
    }
    let describe = |i: usize| {
        let e = &page.elems[i];
        format!(
            "#{i} {:?} class={:?} id={:?} chars={} ld={:.2} container={:?}",
            e.tag,
            e.class,
            e.node.attr("id"),
            e.sums.chars,
            page.link_density(i),
            e.container
        )
    };
    tracing::trace!(
        strip = page.strip_unlikely,
        weigh = rules.weigh_classes,
        clean = rules.clean,
        chars = pick.chars,
        roots = ?pick.roots.iter().map(|&r| describe(r)).collect::<Vec<_>>(),
        removed = ?pick.removed.iter().map(|&r| describe(r)).collect::<Vec<_>>(),
        "scored pick"
    );
}

/// One attempt: scores, the top candidate, its siblings, the cleaning.
fn attempt(page: &Page<'_>, rules: Rules) -> Pick {
    let scores = scores(page, rules);
    let generic = top_candidate(page, &scores);
    let mut roots = match known_container(page, generic) {
        Some(container) if page.prose(container) < SHORT_PICK_CHARS => {
            with_siblings(page, &scores, container)
        }
        Some(container) => same_class_siblings(page, container),
        None => with_siblings(page, &scores, generic),
    };
    if let Some(lead) = roots.first().and_then(|&first| lead_above(page, first)) {
        roots.insert(0, lead);
    }
    let removed = if rules.clean {
        cleaned(page, &roots, rules)
    } else {
        Vec::new()
    };
    let removed_chars: usize = removed.iter().map(|&i| page.elems[i].sums.chars).sum();
    let chars = roots
        .iter()
        .map(|&i| page.elems[i].sums.chars)
        .sum::<usize>()
        - removed_chars;
    Pick {
        roots,
        removed,
        chars,
    }
}

/// A pick with less prose than this (characters) is short: it extends to sibling prose sections
/// and to a lead paragraph above it.
const SHORT_PICK_CHARS: usize = 1_500;

/// A known container needs this much prose (characters outside links) to be tried first.
const MIN_CONTAINER_PROSE: usize = 500;

/// A known container replaces the generic pick when it holds at least this share of the
/// generic pick's prose.
const MIN_CONTAINER_SHARE: f32 = 0.5;

/// A generic pick inside the known container stays when it holds at least this share of the
/// container's prose: it is the body without the container's header, byline and footer.
const MIN_INNER_SHARE: f32 = 0.6;

/// A lead paragraph has at least this many characters: shorter lines are headlines and labels.
const MIN_LEAD_CHARS: usize = 80;

/// The known article container to use instead of the generic candidate `generic`, if any: the
/// page's declared `articleBody`, else a CMS body class, else an `<article>` when it is the
/// only one with substantial prose or clearly the largest (a teaser list has many).
fn known_container(page: &Page<'_>, generic: usize) -> Option<usize> {
    let substantial = |i: &usize| {
        page.elems[*i].container != Container::None
            && page.prose(*i) >= MIN_CONTAINER_PROSE
            && page.link_density(*i) < 0.5
    };
    let candidates: Vec<usize> = (1..page.elems.len()).filter(substantial).collect();
    let of_kind = |kind: Container| -> Vec<usize> {
        candidates
            .iter()
            .copied()
            .filter(|&i| page.elems[i].container == kind)
            .collect()
    };
    let largest = |list: &[usize]| list.iter().copied().max_by_key(|&i| page.prose(i));
    let chosen = [Container::Declared, Container::Class]
        .into_iter()
        .find_map(|kind| largest(&of_kind(kind)))
        .or_else(|| {
            let articles = of_kind(Container::Article);
            let best = largest(&articles)?;
            let runner_up = articles
                .iter()
                .filter(|&&a| !page.contains(a, best) && !page.contains(best, a))
                .map(|&a| page.prose(a))
                .max()
                .unwrap_or(0);
            (page.prose(best) >= 2 * runner_up).then_some(best)
        })?;
    let generic_prose = page.prose(generic) as f32;
    let chosen_prose = page.prose(chosen) as f32;
    if chosen != generic
        && page.contains(chosen, generic)
        && generic_prose >= MIN_INNER_SHARE * chosen_prose
    {
        // The generic pick is the body inside the container, without its header and footer.
        return None;
    }
    (chosen_prose >= MIN_CONTAINER_SHARE * generic_prose).then_some(chosen)
}

/// A container and its siblings of the same class: some sites split the body into several
/// `story-body` sections (ads between them), numbered by a second class (`story-body
/// story-body-2`), so the first class decides. When each section sits in a wrapper with its ads
/// (`story-body-supplemental > story-body-N`), the sections inside the wrapper's siblings count.
fn same_class_siblings(page: &Page<'_>, container: usize) -> Vec<usize> {
    let own = siblings_sharing_first_class(page, container);
    let Some(parent) = page.elems[container].parent else {
        return own;
    };
    let wrappers = siblings_sharing_first_class(page, parent);
    if own.len() > 1 || wrappers.len() <= 1 {
        return own;
    }
    let class = first_class(page, container);
    wrappers
        .iter()
        .flat_map(|&wrapper| page.children(wrapper))
        .filter(|&c| c == container || (class.is_some() && first_class(page, c) == class))
        .collect()
}

/// `element` and those of its siblings whose first class is its first class, in document order.
fn siblings_sharing_first_class(page: &Page<'_>, element: usize) -> Vec<usize> {
    match (page.elems[element].parent, first_class(page, element)) {
        (Some(parent), Some(class)) => page
            .children(parent)
            .filter(|&c| c == element || first_class(page, c) == Some(class))
            .collect(),
        _ => vec![element],
    }
}

/// The first token of an element's class.
fn first_class<'p>(page: &'p Page<'_>, element: usize) -> Option<&'p str> {
    page.elems[element]
        .class
        .as_deref()
        .and_then(|class| class.split_whitespace().next())
}

/// A sentence-like paragraph just above `first` (the pick's first element): a lead or standfirst
/// that sits outside the body's container. The element before `first` is taken when it is such
/// a paragraph, or its last paragraph when the rest of it is short (a header with headline,
/// lead and byline).
fn lead_above(page: &Page<'_>, first: usize) -> Option<usize> {
    let parent = page.elems[first].parent?;
    let before = page
        .children(parent)
        .take_while(|&c| c != first)
        .filter(|&c| page.elems[c].sums.chars > 0)
        .last()?;
    let lead = if is_paragraph_like(page, before) {
        before
    } else {
        let last_paragraph = (before + 1..page.elems[before].end)
            .rev()
            .find(|&d| is_paragraph_like(page, d) && page.elems[d].sums.chars > 0)?;
        let rest = page.elems[before].sums.chars - page.elems[last_paragraph].sums.chars;
        if rest > 2 * MIN_LEAD_CHARS {
            return None;
        }
        last_paragraph
    };
    let e = &page.elems[lead];
    let reads_as_sentence = || {
        let text = e.node.text();
        let text = text.trim_end();
        text.ends_with(['.', '!', '?', '…', '"', '”', '»', '。']) || text.contains(". ")
    };
    (e.sums.chars >= MIN_LEAD_CHARS && page.link_density(lead) < 0.25 && reads_as_sentence())
        .then_some(lead)
}

/// A paragraph, or a div holding no block (Readability's paragraph).
fn is_paragraph_like(page: &Page<'_>, i: usize) -> bool {
    let e = &page.elems[i];
    e.tag == Tag::P || (e.tag == Tag::Div && !e.sums.has_block)
}

/// Candidate scores, indexed like the elements (`None`: not a candidate).
fn scores(page: &Page<'_>, rules: Rules) -> Vec<Option<f32>> {
    let elems = &page.elems;
    let initial = |i: usize| {
        let class = if rules.weigh_classes {
            elems[i].class_weight
        } else {
            0.0
        };
        elems[i].base_score + class
    };
    let mut scores: Vec<Option<f32>> = vec![None; elems.len()];
    let mut add = |from: Option<usize>, content: f32| {
        let mut ancestor = from;
        let mut level = 0;
        while let Some(a) = ancestor {
            if level == 5 {
                break;
            }
            if collapses_into_paragraph(page, a) {
                ancestor = elems[a].parent;
                continue;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                _ => level as f32 * 3.0,
            };
            let score = scores[a].get_or_insert_with(|| initial(a));
            *score += content / divider;
            level += 1;
            ancestor = elems[a].parent;
        }
    };
    for (i, e) in elems.iter().enumerate() {
        let div_paragraph = e.tag == Tag::Div && !e.sums.has_block;
        if (e.tag.is_paragraph() || div_paragraph) && e.sums.chars >= MIN_PARAGRAPH_CHARS {
            add(e.parent, paragraph_score(e.sums.chars, e.sums.commas));
        } else if e.tag == Tag::Div && e.sums.has_block && e.loose_chars >= MIN_PARAGRAPH_CHARS {
            // Text directly inside a div among blocks: Readability wraps it in a paragraph.
            add(Some(i), paragraph_score(e.loose_chars, e.loose_commas));
        }
    }
    for (i, score) in scores.iter_mut().enumerate() {
        if let Some(s) = score
            && *s > 5.0
        {
            *s *= 1.0 - page.link_density(i);
        }
    }
    scores
}

/// Readability's paragraph score: one, one per comma-separated part, one per 100 characters
/// (at most three).
fn paragraph_score(chars: usize, commas: usize) -> f32 {
    (2 + commas + (chars / 100).min(3)) as f32
}

/// A div holding a single paragraph and no text of its own is that paragraph (Readability
/// replaces it), so it is no level of its own.
fn collapses_into_paragraph(page: &Page<'_>, i: usize) -> bool {
    let e = &page.elems[i];
    e.tag == Tag::Div
        && e.element_children == 1
        && e.loose_chars == 0
        && page.elems.get(i + 1).is_some_and(|c| c.tag == Tag::P)
        && page.link_density(i) < 0.25
}

/// The top candidate: the best score, moved up to a common ancestor of other good candidates
/// or to a parent scoring higher, and up through only-child wrappers; the body when nothing
/// scored.
fn top_candidate(page: &Page<'_>, scores: &[Option<f32>]) -> usize {
    let mut ranked: Vec<(usize, f32)> = scores
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, s)| s.filter(|s| *s > 0.0).map(|s| (i, s)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(TOP_CANDIDATES);
    let Some(&(mut top, top_score)) = ranked.first() else {
        return 0;
    };
    if top == 0 {
        return 0;
    }
    let close: Vec<usize> = ranked[1..]
        .iter()
        .filter(|(_, s)| s / top_score >= 0.75)
        .map(|(i, _)| *i)
        .collect();
    let mut moved = false;
    if close.len() >= 3 {
        let mut ancestor = page.elems[top].parent;
        while let Some(a) = ancestor {
            if a == 0 {
                break;
            }
            if close.iter().filter(|&&c| page.contains(a, c)).count() >= 3 {
                top = a;
                moved = true;
                break;
            }
            ancestor = page.elems[a].parent;
        }
    }
    let _ = moved;
    top = higher_scoring_parent(page, scores, top);
    while let Some(parent) = page.elems[top].parent {
        if parent == 0 || page.elems[parent].element_children != 1 {
            break;
        }
        top = parent;
    }
    top
}

/// A parent whose score rises above the candidate's within the first steps up (it holds more of
/// the content).
fn higher_scoring_parent(page: &Page<'_>, scores: &[Option<f32>], top: usize) -> usize {
    let mut last = scores[top].unwrap_or(0.0);
    let threshold = last / 3.0;
    let mut ancestor = page.elems[top].parent;
    while let Some(a) = ancestor {
        if a == 0 {
            break;
        }
        if let Some(score) = scores[a] {
            if score < threshold {
                break;
            }
            if score > last {
                return a;
            }
            last = score;
        }
        ancestor = page.elems[a].parent;
    }
    top
}

/// The top candidate and those of its siblings that belong to the article: scored well enough
/// (a bonus for sharing its class), or a paragraph that reads as prose.
fn with_siblings(page: &Page<'_>, scores: &[Option<f32>], top: usize) -> Vec<usize> {
    let Some(parent) = page.elems[top].parent else {
        return vec![top];
    };
    let top_score = scores[top].unwrap_or(0.0);
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = page.elems[top].class.as_deref().filter(|c| !c.is_empty());
    page.children(parent)
        .filter(|&sibling| {
            if sibling == top {
                return true;
            }
            let e = &page.elems[sibling];
            let bonus = if top_class.is_some() && e.class.as_deref() == top_class {
                top_score * 0.2
            } else {
                0.0
            };
            match scores[sibling] {
                Some(score) if score > 0.0 => score + bonus >= threshold,
                _ if e.tag == Tag::P => {
                    let density = page.link_density(sibling);
                    (e.sums.chars > 80 && density < 0.25)
                        || (e.sums.chars > 0
                            && e.sums.chars < 80
                            && density == 0.0
                            && is_sentence(&e.node.text()))
                }
                _ => false,
            }
        })
        .collect()
}

/// A full stop followed by a space or the end.
fn is_sentence(text: &str) -> bool {
    let text = text.trim_end();
    text.ends_with('.') || text.contains(". ")
}

/// Elements inside the roots that Readability's conditional cleaning removes (link lists,
/// galleries, forms, furniture by class), judged children first with their removed
/// descendants' text taken off.
fn cleaned(page: &Page<'_>, roots: &[usize], rules: Rules) -> Vec<usize> {
    let mut removed: Vec<usize> = Vec::new();
    let pick_chars: usize = roots.iter().map(|&r| page.elems[r].sums.chars).sum();
    for &root in roots {
        let mut sums: Vec<(usize, f32, usize, usize)> = Vec::new();
        let range = root + 1..page.elems[root].end;
        // (removed chars, removed link chars, removed paragraphs, removed list items) per
        // element of the range, so a parent is judged on what its cleaned children leave.
        sums.resize(range.len(), (0, 0.0, 0, 0));
        let offset = root + 1;
        for i in range.clone().rev() {
            let e = &page.elems[i];
            let (rc, rl, rp, rli) = sums[i - offset];
            if 2 * (e.sums.chars - rc) > pick_chars {
                continue;
            }
            if is_cleaned(page, i, (rc, rl, rp, rli), rules) {
                removed.push(i);
                let mut ancestor = e.parent;
                while let Some(a) = ancestor {
                    if a <= root {
                        break;
                    }
                    let s = &mut sums[a - offset];
                    s.0 += e.sums.chars - rc;
                    s.1 += e.sums.link_chars - rl;
                    s.2 += e.sums.paragraphs as usize - rp;
                    s.3 += e.sums.list_items as usize - rli;
                    ancestor = page.elems[a].parent;
                }
            }
        }
    }
    // An element inside a removed one goes with it.
    removed.sort_unstable();
    let mut outer: Vec<usize> = Vec::new();
    for i in removed {
        if outer.last().is_none_or(|&o| !page.contains(o, i)) {
            outer.push(i);
        }
    }
    outer
}

/// Readability's `_cleanConditionally` for one element, on its sums minus `gone` (chars, link
/// chars, paragraphs, list items of removed descendants).
fn is_cleaned(page: &Page<'_>, i: usize, gone: (usize, f32, usize, usize), rules: Rules) -> bool {
    let e = &page.elems[i];
    let judged = match e.tag {
        Tag::Form | Tag::Table | Tag::Ul => true,
        Tag::Div => e.sums.has_block,
        _ => false,
    };
    if !judged || is_data_table(page, i) {
        return false;
    }
    let weight = if rules.weigh_classes {
        e.class_weight
    } else {
        0.0
    };
    if weight < 0.0 {
        return !e.sums.has_pre;
    }
    if e.sums.commas >= 10 {
        return false;
    }
    let chars = e.sums.chars - gone.0;
    let link_chars = (e.sums.link_chars - gone.1).max(0.0);
    let paragraphs = (e.sums.paragraphs as usize - gone.2) as f32;
    let list_items = e.sums.list_items as usize - gone.3;
    let density = if chars == 0 {
        0.0
    } else {
        link_chars / chars as f32
    };
    let is_list = matches!(e.tag, Tag::Ul | Tag::Ol)
        || (chars > 0 && e.sums.list_chars as f32 > 0.9 * chars as f32);
    let images = e.sums.images as f32;
    let remove = (!e.in_figure && images > 1.0 && paragraphs / images < 0.5)
        || (!is_list && list_items as f32 - 100.0 > paragraphs)
        || (e.sums.inputs as f32 > (paragraphs / 3.0).floor())
        || (!is_list
            && !e.in_figure
            && chars < 25
            && (e.sums.images == 0 || e.sums.images > 2)
            && density > 0.0
            && (e.sums.heading_chars as f32) < 0.9 * chars as f32)
        || (!is_list && weight < 25.0 && density > 0.2)
        || (weight >= 25.0 && density > 0.5)
        || (e.sums.images == 0 && chars > 0 && e.sums.chars == e.loose_chars && e.tag != Tag::Form);
    if is_list && remove {
        let nested = page.children(i).any(|c| page.elems[c].element_children > 1);
        return nested || e.sums.images as usize != list_items;
    }
    remove
}

/// A table of data (rows and columns of values), kept whatever its links: Readability's test,
/// on row and cell counts.
fn is_data_table(page: &Page<'_>, i: usize) -> bool {
    let e = &page.elems[i];
    if e.tag != Tag::Table {
        return page.elems[i + 1..e.end]
            .iter()
            .any(|d| d.tag == Tag::Table && d.sums.rows >= 2);
    }
    e.sums.rows >= 2 && !page.elems[i + 1..e.end].iter().any(|d| d.tag == Tag::Table) && {
        let cells = page.elems[i + 1..e.end]
            .iter()
            .filter(|d| d.tag == Tag::Td || d.node.has_name("th"))
            .count() as u32;
        let cols = cells / e.sums.rows.max(1);
        cols > 1 && (e.sums.rows >= 10 || cols > 4 || e.sums.rows * cols > 10)
    }
}

/// The first `h1`/`h2` whose text is the title's goes: the title is metadata, and Readability
/// drops it from the body.
fn remove_title_heading(body: &NodeRef<'_>, title: Option<&str>) {
    let Some(title) = title.filter(|t| !t.is_empty()) else {
        return;
    };
    let heading = body
        .descendants_it()
        .filter(|n| n.has_name("h1") || n.has_name("h2"))
        .find(|h| text_similarity(title, &h.text()) > 0.75);
    if let Some(heading) = heading {
        heading.remove_from_parent();
    }
}

/// Readability's similarity of `b` to `a`: the share of `b`'s word characters that are words of
/// `a` (1 when `a` contains `b`).
fn text_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    if a.is_empty() || b.trim().is_empty() {
        return 0.0;
    }
    if a.contains(b.trim()) {
        return 1.0;
    }
    let words = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let a_words = words(&a);
    let b_words = words(&b);
    let total: usize = b_words.iter().map(|w| w.chars().count()).sum();
    if total == 0 {
        return 0.0;
    }
    let unique: usize = b_words
        .iter()
        .filter(|w| !a_words.contains(w))
        .map(|w| w.chars().count())
        .sum();
    1.0 - unique as f64 / total as f64
}

/// The text of the chosen elements, as one block sequence (trailing teasers trimmed once, at
/// the end of the whole pick).
fn emit(document: &Document, page: &Page<'_>, roots: &[usize]) -> String {
    match roots {
        [] => String::new(),
        [only] => join(&blocks(&page.elems[*only].node)),
        [first, ..] => {
            let wrapper = document.tree.new_element("div");
            page.elems[*first].node.insert_before(&wrapper);
            for &i in roots {
                wrapper.append_child(&page.elems[i].node);
            }
            join(&blocks(&wrapper))
        }
    }
}

/// The prose of the article region, for pages where the pick is short: furniture is already
/// gone, and of the rest only blocks that read as sentences are kept (menus, labels and link
/// lists are short). The region is the page's declared `articleBody`, else its largest
/// `<article>`, else its `<main>`, else the body: comments, related links and the footer
/// outside the article never come back this way.
pub(super) fn region_prose(document: &Document) -> String {
    let Some(region) = article_region(document) else {
        return String::new();
    };
    let prose: Vec<String> = blocks(&region)
        .into_iter()
        .filter(|block| block.split_whitespace().count() >= MIN_PROSE_WORDS)
        .collect();
    join(&prose)
}

/// The element holding the article: see [`region_prose`].
fn article_region(document: &Document) -> Option<NodeRef<'_>> {
    ["[itemprop~=articleBody]", "article", "main, [role=main]"]
        .into_iter()
        .find_map(|selector| {
            let found = document.select(selector);
            found
                .nodes()
                .iter()
                .map(|n| (measure(&n.text()).0, *n))
                .filter(|(chars, _)| *chars > 0)
                .max_by_key(|(chars, _)| *chars)
                .map(|(_, n)| n)
        })
        .or_else(|| document.body())
}

/// A block of the body fallback needs this many words to count as prose.
const MIN_PROSE_WORDS: usize = 8;

#[cfg(test)]
mod tests {
    use crate::extract::tests::run;

    /// A paragraph of article prose, long enough to score.
    fn prose(topic: &str) -> String {
        format!(
            "<p>Der Bericht über {topic} beschreibt, wie die Stadt, ihre Bürger und die \
             Verwaltung über Monate gestritten haben, bevor ein Kompromiss gefunden wurde.</p>"
        )
    }

    /// The declared article body wins over a longer block of generic prose beside it (a
    /// comment thread without a furniture name).
    #[test]
    fn known_container_is_tried_first() {
        let html = format!(
            r#"<body><div itemprop="articleBody">{}</div>
            <div class="discussion">{}</div></body>"#,
            prose("den Hafen").repeat(11),
            prose("die Leser").repeat(6)
        );
        let text = run(&html).text;
        assert!(text.contains("den Hafen"), "{text}");
        assert!(!text.contains("die Leser"), "{text}");
    }

    /// Several teasers, each an `<article>`, are no known container: none wins blindly.
    #[test]
    fn teaser_articles_do_not_win_blindly() {
        let teasers: String = ["Brücke", "Schule", "Markt"]
            .iter()
            .map(|t| format!("<article>{}</article>", prose(t).repeat(2)))
            .collect();
        let html = format!(
            r#"<body><div class="list">{teasers}</div><div class="story">{}</div></body>"#,
            prose("den Haushalt").repeat(8)
        );
        let text = run(&html).text;
        assert!(text.contains("den Haushalt"), "{text}");
    }

    /// A sentence-like lead paragraph just above the body joins it; a headline-length line
    /// there does not.
    #[test]
    fn lead_paragraph_above_the_body_joins_it() {
        let html = format!(
            r#"<body><div class="head"><h2>Kurze Zeile</h2><p class="intro">Die Stadt hat nach
            langem Streit einen Kompromiss gefunden, der allen Seiten etwas abverlangt und den
            Hafen retten soll.</p></div>
            <div class="entry-content">{}</div></body>"#,
            prose("den Hafen").repeat(5)
        );
        let text = run(&html).text;
        assert!(
            text.starts_with("Die Stadt hat nach langem Streit"),
            "{text}"
        );
        assert!(!text.contains("Kurze Zeile"), "{text}");
    }

    /// The fallback for a short pick takes prose from the article region only: comments and
    /// related stories outside the `<article>` never come back.
    #[test]
    fn short_pick_fallback_stays_in_the_article_region() {
        let html = format!(
            concat!(
                r#"<body><article><div class="body"><p>Kurzmeldung: Der Hafen öffnet am "#,
                r#"Montag wieder für den Verkehr.</p></div><div class="more"><p>Die Behörde "#,
                r#"teilte mit, dass die Arbeiten an der Kaimauer früher als geplant "#,
                r#"abgeschlossen worden seien.</p></div></article><ul class="thread">{}</ul>"#,
                r#"</body>"#
            ),
            concat!(
                "<li>Ein Leser schreibt, dass er das alles schon immer gewusst habe und ",
                "die Verwaltung nichts tauge.</li>"
            )
            .repeat(6)
        );
        let text = run(&html).text;
        assert!(text.contains("Der Hafen öffnet"), "{text}");
        assert!(!text.contains("Ein Leser schreibt"), "{text}");
    }

    /// A body split into numbered sections, each wrapped with its ads, comes out whole: the
    /// sections inside the wrapper's same-class siblings join the largest one.
    #[test]
    fn sections_wrapped_with_their_ads_join() {
        let first = "Der erste Teil des Artikels erklärt, worum es bei dem Verkauf geht, und \
                     warum er so verwickelt ist. ";
        let second = "Der zweite Teil beschreibt die Schritte, in denen das Geschäft abgewickelt \
                      wird, mit allen Einzelheiten. ";
        let html = format!(
            r#"<body><div class="story-body-supplemental"><div class="story-body story-body-1">
            <p>{}</p></div><div class="ad">Anzeige</div></div>
            <div class="story-body-supplemental"><div class="story-body story-body-2"><p>{}</p>
            </div></div></body>"#,
            first.repeat(4),
            second.repeat(20)
        );
        let text = run(&html).text;
        assert!(text.starts_with("Der erste Teil"), "{text}");
        assert!(
            text.contains("Der zweite Teil") && !text.contains("Anzeige"),
            "{text}"
        );
    }
}
