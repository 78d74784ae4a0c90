//! Deterministic content: feeds, article pages, wire stories and topics, all from one seed.
//!
//! Everything about feed `i` and its item `j` is derived from `mix(seed, i, j)`, so the same
//! seed gives the same bytes in every process (`serve` and `floor` share this code). Pages are
//! assembled per request from pools of furniture built once at start (navigation, teaser
//! lists, comment threads, scripts, styles); only the head, the article and the choice of
//! furniture are written per page. Pages hold no host or port (links are root-relative), so
//! they do not depend on where they are served.

use std::fmt::Write;

use super::words::{COUNTRIES, COUNTRY_QUERIES, LANGS, Lang, SUBJECTS};

/// Publication time of item 0 of every feed: 2026-03-02T06:00:00Z. Items are older by index.
const BASE_UNIX: i64 = 1_772_431_200;
/// Wire stories per language.
const WIRES_PER_LANG: usize = 8;
/// Furniture variants per language (sites share them round-robin).
const SITE_VARIANTS: usize = 16;
/// Pool sizes of the furniture blocks a page picks from.
const TEASER_BLOCKS: usize = 192;
const COMMENT_BLOCKS: usize = 192;
const SCRIPT_BLOBS: usize = 48;
/// Share of local (non-wire) articles that mention a theme (a country and a subject).
const THEMED_SHARE: f64 = 0.25;

/// A splitmix64 generator: tiny, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * (n as u64)) >> 32) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    pub fn pick(&mut self, list: &[&'static str]) -> &'static str {
        list[self.below(list.len())]
    }
}

/// Combines two numbers into a well-mixed seed.
pub fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

/// What the content depends on.
#[derive(Clone, Debug)]
pub struct Params {
    pub feeds: usize,
    pub items: usize,
    pub seed: u64,
    /// Share of items that are copies of a wire story.
    pub syndicated: f64,
}

/// The per-feed facts, cheap to recompute on every request.
pub struct FeedInfo {
    pub index: usize,
    pub lang: usize,
    pub atom: bool,
    /// Article links in this feed carry `utm_*` parameters.
    pub tracking: bool,
    pub name: String,
    pub variant: usize,
    pub section: usize,
}

/// The per-item facts the feed needs (the page adds the body).
pub struct Item {
    pub lang: usize,
    pub wire: Option<usize>,
    /// (country, subject) the article is about, if any.
    pub theme: Option<(usize, usize)>,
    pub title: String,
    pub lead: String,
    pub author: String,
    pub published: i64,
    /// Root-relative path of the page.
    pub path: String,
    pub words: usize,
    body_seed: u64,
}

/// A wire story: one text that many sites carry with small edits.
struct Wire {
    lang: usize,
    theme: (usize, usize),
    title: String,
    lead: String,
    agency: &'static str,
    paragraphs: Vec<Vec<String>>,
    words: usize,
}

/// Furniture of one language.
struct LangPools {
    teasers: Vec<String>,
    comments: Vec<String>,
    /// Cookie banner, top bar and navigation, per site variant.
    headers: Vec<String>,
    footers: Vec<String>,
    styles: Vec<String>,
}

/// The simulator's content: parameters, wire stories and furniture pools.
pub struct Sim {
    pub params: Params,
    wires: Vec<Wire>,
    pools: Vec<LangPools>,
    scripts: Vec<String>,
}

impl Sim {
    /// Builds the pools; a few MB and some milliseconds whatever the scale.
    pub fn new(params: Params) -> Sim {
        let mut rng = Rng::new(mix(params.seed, 0xF00D));
        let mut wires = Vec::new();
        for (lang, l) in LANGS.iter().enumerate() {
            for _ in 0..WIRES_PER_LANG {
                let theme = (rng.below(COUNTRIES.len()), rng.below(SUBJECTS.len()));
                let title = fill_title(l, lang, Some(theme), &mut rng);
                let lead = sentence(l, lang, Some(theme), true, &mut rng);
                let words = rng.range(350, 800);
                let paragraphs = paragraphs(l, lang, Some(theme), words, &mut rng);
                let agency = rng.pick(l.furniture.agencies);
                let words = paragraphs
                    .iter()
                    .flatten()
                    .map(|s| s.split(' ').count())
                    .sum();
                wires.push(Wire {
                    lang,
                    theme,
                    title,
                    lead,
                    agency,
                    paragraphs,
                    words,
                });
            }
        }
        let pools = LANGS
            .iter()
            .enumerate()
            .map(|(lang, l)| LangPools {
                teasers: (0..TEASER_BLOCKS)
                    .map(|_| teaser_block(l, lang, &mut rng))
                    .collect(),
                comments: (0..COMMENT_BLOCKS)
                    .map(|_| comment_block(l, lang, &mut rng))
                    .collect(),
                headers: (0..SITE_VARIANTS)
                    .map(|v| site_header(l, lang, v, &mut rng))
                    .collect(),
                footers: (0..SITE_VARIANTS)
                    .map(|_| site_footer(l, lang, &mut rng))
                    .collect(),
                styles: (0..SITE_VARIANTS).map(|_| stylesheet(&mut rng)).collect(),
            })
            .collect();
        let scripts = (0..SCRIPT_BLOBS)
            .map(|k| script_blob(k, &mut rng))
            .collect();
        Sim {
            params,
            wires,
            pools,
            scripts,
        }
    }

    pub fn feed(&self, i: usize) -> FeedInfo {
        let mut r = Rng::new(mix(self.params.seed, mix(1, i as u64)));
        let roll = r.below(100);
        let lang = if roll < 40 {
            0
        } else if roll < 75 {
            1
        } else {
            2
        };
        let l = LANGS[lang];
        let (region, paper, city) = (r.pick(l.regions), r.pick(l.papers), r.pick(l.places));
        let name = match lang {
            0 => format!("{region}-{paper} {city} #{i}"),
            1 => format!("The {region} {paper}, {city} #{i}"),
            _ => format!("Le {paper} – {region}, {city} #{i}"),
        };
        FeedInfo {
            index: i,
            lang,
            atom: i % 5 == 4,
            tracking: r.chance(0.3),
            name,
            variant: r.below(SITE_VARIANTS),
            section: r.below(l.furniture.sections.len()),
        }
    }

    /// Item `j` of `feed`: title, lead, theme, wire story and path.
    pub fn item(&self, feed: &FeedInfo, j: usize) -> Item {
        let key = mix(self.params.seed, mix(feed.index as u64 + 2, j as u64));
        let mut r = Rng::new(key);
        let published = BASE_UNIX - 60 * (j as i64 * 97 + (feed.index % 53) as i64);
        let wire = if r.chance(self.params.syndicated) {
            Some(feed.lang * WIRES_PER_LANG + r.below(WIRES_PER_LANG))
        } else {
            None
        };
        let l = LANGS[feed.lang];
        let (theme, title, lead, words) = match wire {
            Some(w) => {
                let wire = &self.wires[w];
                let title = if r.chance(0.4) {
                    format!("{} – {}", wire.title, r.pick(l.places))
                } else {
                    wire.title.clone()
                };
                (Some(wire.theme), title, wire.lead.clone(), wire.words)
            }
            None => {
                let theme = r
                    .chance(THEMED_SHARE)
                    .then(|| (r.below(COUNTRIES.len()), r.below(SUBJECTS.len())));
                let title = fill_title(l, feed.lang, theme, &mut r);
                let lead = sentence(l, feed.lang, theme, theme.is_some(), &mut r);
                (theme, title, lead, r.range(300, 900))
            }
        };
        let author = match wire {
            Some(w) => self.wires[w].agency.to_string(),
            None => format!("{} {}", r.pick(l.first_names), r.pick(l.last_names)),
        };
        let date = chrono::DateTime::from_timestamp(published, 0).unwrap_or_default();
        let path = format!(
            "/f{}/{}/{}-a{j}.html",
            feed.index,
            date.format("%Y/%m"),
            slug(&title, 60)
        );
        Item {
            lang: feed.lang,
            wire,
            theme,
            title,
            lead,
            author,
            published,
            path,
            words,
            body_seed: mix(key, 0xB0D7),
        }
    }

    /// The article as the extractor gives it back from the page: lead, subheads and paragraphs
    /// separated by blank lines (`searchdb` stores it without serving and extracting the page).
    pub fn article_text(&self, item: &Item) -> String {
        let mut text = item.lead.clone();
        for block in self.body(item) {
            let (Block::Para(part) | Block::Subhead(part)) = block;
            text.push_str("\n\n");
            text.push_str(&part);
        }
        text
    }

    /// The article's body as blocks (`<h2>` subheads and paragraphs).
    fn body(&self, item: &Item) -> Vec<Block> {
        let l = LANGS[item.lang];
        let mut r = Rng::new(item.body_seed);
        let mut blocks = Vec::new();
        match item.wire {
            Some(w) => {
                // The wire text with this site's small edits: dateline, a dropped last
                // paragraph, one sentence replaced, a subhead.
                let wire = &self.wires[w];
                let mut paras = wire.paragraphs.clone();
                if paras.len() > 3 && r.chance(0.5) {
                    paras.pop();
                }
                if r.chance(0.7) {
                    let p = r.below(paras.len());
                    let s = r.below(paras[p].len());
                    paras[p][s] = sentence(l, wire.lang, Some(wire.theme), false, &mut r);
                }
                let dateline = format!("{} ({}) – ", r.pick(l.places), wire.agency);
                let subhead_at = r.range(2, 4);
                for (k, p) in paras.iter().enumerate() {
                    if k == subhead_at {
                        blocks.push(Block::Subhead(fill_title(l, item.lang, None, &mut r)));
                    }
                    let mut text = if k == 0 {
                        dateline.clone()
                    } else {
                        String::new()
                    };
                    text.push_str(&p.join(" "));
                    blocks.push(Block::Para(text));
                }
            }
            None => {
                let paras = paragraphs(l, item.lang, item.theme, item.words, &mut r);
                let mut next_subhead = r.range(3, 4);
                for (k, p) in paras.into_iter().enumerate() {
                    if k == next_subhead {
                        blocks.push(Block::Subhead(fill_title(l, item.lang, None, &mut r)));
                        next_subhead += r.range(3, 5);
                    }
                    blocks.push(Block::Para(p.join(" ")));
                }
            }
        }
        blocks
    }

    /// The whole page of item `j` of feed `i`: 40 to 150 KB of HTML.
    pub fn page(&self, feed: &FeedInfo, item: &Item) -> Vec<u8> {
        let l = LANGS[item.lang];
        let f = &l.furniture;
        let pools = &self.pools[item.lang];
        let mut r = Rng::new(mix(item.body_seed, 0x9A6E));
        let target = r.range(40_000, 150_000);
        let section = f.sections[feed.section];
        let section_slug = slug(section, 30);
        let date = chrono::DateTime::from_timestamp(item.published, 0).unwrap_or_default();
        let iso = date.to_rfc3339();
        let shown_date = match item.lang {
            0 => date.format("%d.%m.%Y, %H:%M Uhr").to_string(),
            1 => date.format("%-d %B %Y, %H:%M").to_string(),
            _ => date.format("%d/%m/%Y à %Hh%M").to_string(),
        };
        let image = format!("/media/{:016x}/1200x675.jpg", r.next_u64());
        let (title, lead, site) = (esc(&item.title), esc(&item.lead), esc(&feed.name));

        let mut h = String::with_capacity(target + 16_384);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"{code}\" class=\"no-js\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} | {site}</title>\n\
             <meta name=\"description\" content=\"{lead}\">\n\
             <meta name=\"author\" content=\"{author}\">\n\
             <meta name=\"robots\" content=\"index, follow, max-image-preview:large\">\n\
             <meta property=\"og:type\" content=\"article\">\n\
             <meta property=\"og:title\" content=\"{title}\">\n\
             <meta property=\"og:description\" content=\"{lead}\">\n\
             <meta property=\"og:url\" content=\"{path}\">\n\
             <meta property=\"og:site_name\" content=\"{site}\">\n\
             <meta property=\"og:image\" content=\"{image}\">\n\
             <meta property=\"article:published_time\" content=\"{iso}\">\n\
             <meta property=\"article:section\" content=\"{section}\">\n\
             <meta name=\"twitter:card\" content=\"summary_large_image\">\n\
             <link rel=\"canonical\" href=\"{path}\">\n\
             <link rel=\"preload\" href=\"/assets/fonts/serif-regular.woff2\" as=\"font\" type=\"font/woff2\" crossorigin>\n\
             <link rel=\"stylesheet\" href=\"/assets/main.{v:04x}.css\">\n\
             <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{site}\" href=\"/f{i}/feed.xml\">\n\
             <style>{style}</style>\n\
             <script>window.dataLayer=window.dataLayer||[];dataLayer.push({{\"pageType\":\"article\",\"section\":\"{section_slug}\",\"articleId\":\"{i}-{id}\",\"wordCount\":{wc},\"paywall\":false}});</script>\n\
             <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\
             \"headline\":\"{jtitle}\",\"description\":\"{jlead}\",\"datePublished\":\"{iso}\",\"dateModified\":\"{iso}\",\
             \"author\":[{{\"@type\":\"Person\",\"name\":\"{jauthor}\"}}],\
             \"publisher\":{{\"@type\":\"Organization\",\"name\":\"{jsite}\",\"logo\":{{\"@type\":\"ImageObject\",\"url\":\"/assets/logo.png\"}}}},\
             \"mainEntityOfPage\":\"{path}\",\"image\":[\"{image}\"],\"inLanguage\":\"{code}\",\"articleSection\":\"{section}\",\"isAccessibleForFree\":true}}</script>\n\
             </head>\n<body class=\"page page--article section-{section_slug}\">\n",
            code = l.code,
            author = esc(&item.author),
            path = item.path,
            v = feed.variant,
            i = feed.index,
            style = pools.styles[feed.variant],
            id = r.next_u64() % 1_000_000,
            wc = item.words,
            jtitle = json(&item.title),
            jlead = json(&item.lead),
            jauthor = json(&item.author),
            jsite = json(&feed.name),
        );
        let _ = write!(
            h,
            "<a class=\"skip-link\" href=\"#main\">{home}</a>\n\
             <div class=\"brand\"><a href=\"/\" class=\"brand__logo\" title=\"{site}\"><svg viewBox=\"0 0 240 40\" aria-hidden=\"true\"><path d=\"M0 0h240v40H0z\" fill=\"none\"/></svg><span class=\"brand__name\">{site}</span></a></div>\n",
            home = f.home,
        );
        h.push_str(&pools.headers[feed.variant]);
        let _ = write!(
            h,
            "<main id=\"main\" class=\"main\">\n<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/\">{home}</a></li><li><a href=\"/{section_slug}/\">{section}</a></li><li aria-current=\"page\">{title}</li></ol></nav>\n\
             <article class=\"article\" itemscope itemtype=\"https://schema.org/NewsArticle\">\n\
             <header class=\"article__header\">\n<span class=\"article__kicker\">{kicker}</span>\n\
             <h1 class=\"article__title\" itemprop=\"headline\">{title}</h1>\n\
             <p class=\"article__lead\" itemprop=\"description\">{lead}</p>\n\
             <div class=\"article__meta\"><span class=\"byline\">{by} <a href=\"/autor/{author_slug}/\" rel=\"author\" itemprop=\"author\">{author}</a></span> <span class=\"sep\">·</span> \
             <time datetime=\"{iso}\" itemprop=\"datePublished\">{shown_date}</time> <span class=\"sep\">·</span> <span class=\"reading-time\">{reading}</span> \
             <button class=\"read-aloud\" type=\"button\">{read_aloud}</button></div>\n</header>\n",
            home = f.home,
            kicker = esc(r.pick(l.places)),
            by = f.by,
            author_slug = slug(&item.author, 40),
            author = esc(&item.author),
            reading = f
                .reading_time
                .replace("{N}", &(item.words.max(300) / 200).to_string()),
            read_aloud = f.read_aloud,
        );
        share_bar(&mut h, f, "top");
        let _ = write!(
            h,
            "<figure class=\"article__image\"><picture><source type=\"image/webp\" srcset=\"{image}?w=480&amp;fmt=webp 480w, {image}?w=960&amp;fmt=webp 960w, {image}?w=1200&amp;fmt=webp 1200w\" sizes=\"(max-width: 960px) 100vw, 960px\">\
             <img src=\"{image}\" alt=\"{title}\" width=\"1200\" height=\"675\" loading=\"eager\" decoding=\"async\"></picture>\
             <figcaption>{caption} <span class=\"credit\">{photo}: {agency}</span></figcaption></figure>\n\
             <div class=\"article__body\" itemprop=\"articleBody\">\n",
            caption = esc(&sentence(l, item.lang, None, false, &mut r)),
            photo = f.photo,
            agency = r.pick(f.agencies),
        );
        let blocks = self.body(item);
        let (tip_at, ad_at) = (r.range(2, 4), r.range(4, 7));
        for (k, block) in blocks.iter().enumerate() {
            match block {
                Block::Para(p) => {
                    let _ = writeln!(h, "<p>{}</p>", esc(p));
                }
                Block::Subhead(s) => {
                    let _ = writeln!(h, "<h2 class=\"article__subhead\">{}</h2>", esc(s));
                }
            }
            if k == tip_at {
                let _ = writeln!(
                    h,
                    "<aside class=\"inline-teaser\"><p><strong>{}</strong> <a href=\"/{section_slug}/{}-{}.html\">{}</a></p></aside>",
                    f.read_tip,
                    slug(&item.lead, 40),
                    r.below(100_000),
                    esc(&fill_title(l, item.lang, None, &mut r)),
                );
            }
            if k == ad_at {
                let slot = r.below(9) + 1;
                let _ = writeln!(
                    h,
                    "<div class=\"ad-slot ad-slot--inline\" id=\"ad-inline-{slot}\" data-ad-unit=\"/1234/{section_slug}/article/inline{slot}\"><span class=\"ad-slot__label\">{}</span>\
                     <script>window.googletag=window.googletag||{{cmd:[]}};googletag.cmd.push(function(){{googletag.display(\"ad-inline-{slot}\")}});</script></div>",
                    f.advert,
                );
            }
        }
        if r.chance(0.5) {
            let _ = writeln!(h, "<p class=\"newsletter-hint\">{}</p>", f.newsletter);
        }
        h.push_str("</div>\n<div class=\"article__tags\">");
        for _ in 0..r.range(3, 6) {
            let tag = r.pick(l.places);
            let _ = write!(
                h,
                "<a class=\"tag\" href=\"/thema/{}/\">{tag}</a>",
                slug(tag, 30)
            );
        }
        h.push_str("</div>\n");
        share_bar(&mut h, f, "bottom");
        h.push_str("</article>\n");

        // Furniture up to the page's size: comment threads, teaser lists and scripts.
        let footer = &pools.footers[feed.variant];
        let mut size = h.len() + footer.len() + 600;
        let (mut comments, mut teasers, mut scripts) = (Vec::new(), Vec::new(), Vec::new());
        teasers.push(&pools.teasers[r.below(TEASER_BLOCKS)]);
        scripts.push(&self.scripts[r.below(SCRIPT_BLOBS)]);
        size += teasers[0].len() + scripts[0].len();
        while size < target {
            let roll = r.below(8);
            let block = if roll < 2 && comments.len() < 6 {
                let b = &pools.comments[r.below(COMMENT_BLOCKS)];
                comments.push(b);
                b
            } else if roll < 3 && scripts.len() < 6 {
                let b = &self.scripts[r.below(SCRIPT_BLOBS)];
                scripts.push(b);
                b
            } else {
                let b = &pools.teasers[r.below(TEASER_BLOCKS)];
                teasers.push(b);
                b
            };
            size += block.len();
        }
        let (related, more) = teasers.split_at(1);
        let _ = writeln!(
            h,
            "<aside class=\"related\" aria-label=\"{}\">{}</aside>",
            f.related, related[0]
        );
        if !comments.is_empty() {
            let _ = write!(
                h,
                "<section class=\"comments\" id=\"comments\"><h2 class=\"comments__heading\">{} ({})</h2>\
                 <p class=\"comments__rules\">{} <a href=\"/netiquette/\">Netiquette</a></p><ol class=\"comments__list\">",
                f.comments,
                comments.len() * 4 + r.below(40),
                f.login,
            );
            for c in &comments {
                h.push_str(c);
            }
            h.push_str("</ol></section>\n");
        }
        let _ = write!(
            h,
            "<section class=\"more\"><h2 class=\"more__heading\">{}</h2>",
            f.more_on_topic
        );
        for t in more {
            h.push_str(t);
        }
        h.push_str("</section>\n</main>\n");
        h.push_str(footer);
        for s in &scripts {
            h.push_str(s);
        }
        h.push_str("</body>\n</html>\n");
        h.into_bytes()
    }

    /// The feed document (RSS 2.0, or Atom for every 5th feed) with absolute links on `base`
    /// (`http://127.0.0.x:port`).
    pub fn feed_xml(&self, feed: &FeedInfo, base: &str) -> Vec<u8> {
        let l = LANGS[feed.lang];
        let items = self.params.items;
        let mut x = String::with_capacity(1024 + items * 900);
        let updated = chrono::DateTime::from_timestamp(BASE_UNIX, 0).unwrap_or_default();
        let query = if feed.tracking {
            "?utm_source=rss&amp;utm_medium=feed&amp;utm_campaign=newsfeed"
        } else {
            ""
        };
        let name = xml(&feed.name);
        let section = l.furniture.sections[feed.section];
        let i = feed.index;
        if feed.atom {
            let _ = write!(
                x,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{code}\">\n\
                 <title>{name}</title>\n<subtitle>{section}</subtitle>\n<id>urn:feedsim:f{i}</id>\n<updated>{up}</updated>\n\
                 <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/f{i}/atom.xml\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/\"/>\n\
                 <generator>feedsim</generator>\n",
                code = l.code,
                up = updated.to_rfc3339(),
            );
            for j in 0..items {
                let item = self.item(feed, j);
                let date = chrono::DateTime::from_timestamp(item.published, 0).unwrap_or_default();
                let _ = write!(
                    x,
                    "<entry>\n<title>{}</title>\n<id>urn:feedsim:f{i}:a{j}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}{}{query}\"/>\n\
                     <published>{d}</published>\n<updated>{d}</updated>\n<author><name>{}</name></author>\n<category term=\"{section}\"/>\n\
                     <summary type=\"text\">{}</summary>\n</entry>\n",
                    xml(&item.title),
                    item.path,
                    xml(&item.author),
                    xml(&item.lead),
                    d = date.to_rfc3339(),
                );
            }
            x.push_str("</feed>\n");
        } else {
            let _ = write!(
                x,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n\
                 <title>{name}</title>\n<link>{base}/</link>\n<description>{section} – {name}</description>\n<language>{code}</language>\n\
                 <lastBuildDate>{up}</lastBuildDate>\n<generator>feedsim</generator>\n\
                 <atom:link href=\"{base}/f{i}/feed.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n",
                code = l.code,
                up = updated.to_rfc2822(),
            );
            for j in 0..items {
                let item = self.item(feed, j);
                let date = chrono::DateTime::from_timestamp(item.published, 0).unwrap_or_default();
                let _ = write!(
                    x,
                    "<item>\n<title>{}</title>\n<link>{base}{}{query}</link>\n<guid isPermaLink=\"false\">feedsim-f{i}-a{j}</guid>\n\
                     <pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<category>{section}</category>\n<description>{}</description>\n</item>\n",
                    xml(&item.title),
                    item.path,
                    date.to_rfc2822(),
                    xml(&item.author),
                    xml(&item.lead),
                );
            }
            x.push_str("</channel>\n</rss>\n");
        }
        x.into_bytes()
    }

    /// The feed's `Last-Modified` time (feeds never change during a run).
    pub fn feed_modified(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(BASE_UNIX as u64 + 60)
    }

    /// The feed's `ETag`.
    pub fn feed_etag(&self, i: usize) -> String {
        format!("\"fs{:x}-{i}-{}\"", self.params.seed, self.params.items)
    }

    /// 100 topics, deterministic from the seed, as TOML `[[topics]]` tables: two fixed ones
    /// (the README's), one broad `terms` topic per subject, and 86 country-and-subject queries
    /// of five shapes (AND, NEAR with `languages`, `title:`, NOT, two subjects); every tenth is
    /// delivered by the `morning` digest, the rest immediately.
    pub fn topics_toml(&self) -> String {
        let mut t = String::new();
        t.push_str(
            "[[topics]]\nname = \"Arms deals\"\nquery = '(arms OR weapon* OR Waffe OR Rakete OR armes OR missiles) NEAR/20 (deal OR sale OR Verkauf OR Lieferung OR vente OR contrat)'\nalert = \"immediate\"\n\n\
             [[topics]]\nname = \"Summit meetings\"\nquery = 'summit OR \"meets with\" OR Gipfel OR sommet OR (treffen NEAR/3 (Putin OR Präsident))'\nalert = \"immediate\"\n\n",
        );
        for (k, subject) in SUBJECTS.iter().enumerate() {
            let mut terms: Vec<String> = Vec::new();
            for forms in subject.text {
                for form in forms.iter().take(2) {
                    let term = format!("\"{form}\"");
                    if !terms.contains(&term) {
                        terms.push(term);
                    }
                }
            }
            let _ = write!(
                t,
                "[[topics]]\nname = \"{} (all)\"\nterms = [{}]\nalert = \"{}\"\n\n",
                subject.name,
                terms.join(", "),
                if k % 10 == 7 { "morning" } else { "immediate" }
            );
        }
        let mut r = Rng::new(mix(self.params.seed, 0x7091C));
        let mut names = std::collections::HashSet::new();
        let mut k = 0;
        while names.len() < 98 - SUBJECTS.len() {
            let (c, s) = (r.below(COUNTRIES.len()), r.below(SUBJECTS.len()));
            let (cq, sq) = (any(&COUNTRY_QUERIES[c]), any(&SUBJECTS[s].query));
            let country = COUNTRIES[c][1];
            let subject = SUBJECTS[s].name;
            let (name, body) = match k % 5 {
                0 => (
                    format!("{subject}: {country}"),
                    format!("query = '({cq}) AND ({sq})'"),
                ),
                1 => {
                    let (a, b) = [(0, 1), (0, 2), (1, 2)][r.below(3)];
                    let sub = [SUBJECTS[s].query[a], SUBJECTS[s].query[b]];
                    let cty = [COUNTRY_QUERIES[c][a], COUNTRY_QUERIES[c][b]];
                    let (la, lb) = (LANGS[a].code, LANGS[b].code);
                    (
                        format!("{subject} near {country} ({la}, {lb})"),
                        format!(
                            "query = '({}) NEAR/20 ({})'\nlanguages = [\"{la}\", \"{lb}\"]",
                            any(&sub),
                            any(&cty)
                        ),
                    )
                }
                2 => (
                    format!("{subject} in headlines: {country}"),
                    format!("query = 'title:({sq}) AND ({cq})'"),
                ),
                3 => (
                    format!("{subject}: {country}, no sport"),
                    format!(
                        "query = '({cq}) AND ({sq}) NOT (Fußball OR football OR Bundesliga OR \"Ligue 1\")'"
                    ),
                ),
                _ => {
                    let s2 = (s + 1 + r.below(SUBJECTS.len() - 1)) % SUBJECTS.len();
                    (
                        format!("{subject} and {}: {country}", SUBJECTS[s2].name),
                        format!(
                            "query = '({cq}) AND ({sq}) AND ({})'",
                            any(&SUBJECTS[s2].query)
                        ),
                    )
                }
            };
            if !names.insert(name.clone()) {
                continue;
            }
            let alert = if k % 10 == 7 { "morning" } else { "immediate" };
            let _ = write!(
                t,
                "[[topics]]\nname = \"{name}\"\n{body}\nalert = \"{alert}\"\n\n"
            );
            k += 1;
        }
        t
    }
}

/// The alternatives ORed, each once, grouped when it is more than a word or phrase.
fn any(parts: &[&str]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in parts {
        if !seen.contains(p) {
            seen.push(p);
        }
    }
    let grouped: Vec<String> = seen
        .iter()
        .map(|p| {
            if (seen.len() > 1 && p.contains(" OR ")) || p.contains(" NEAR") {
                format!("({p})")
            } else {
                p.to_string()
            }
        })
        .collect();
    grouped.join(" OR ")
}

enum Block {
    Para(String),
    Subhead(String),
}

/// Paragraphs of 2 to 5 sentences up to about `words` words; a theme sentence in about a third
/// of them when the article has a theme.
fn paragraphs(
    l: &Lang,
    lang: usize,
    theme: Option<(usize, usize)>,
    words: usize,
    r: &mut Rng,
) -> Vec<Vec<String>> {
    let mut paras = Vec::new();
    let mut count = 0;
    while count < words {
        let n = r.range(2, 5);
        let mut p = Vec::with_capacity(n);
        let themed_at = (theme.is_some() && r.chance(0.4)).then(|| r.below(n));
        for k in 0..n {
            let s = sentence(l, lang, theme, themed_at == Some(k), r);
            count += s.split(' ').count();
            p.push(s);
        }
        paras.push(p);
    }
    paras
}

/// One sentence from the language's templates (a theme template when `themed`).
fn sentence(
    l: &Lang,
    lang: usize,
    theme: Option<(usize, usize)>,
    themed: bool,
    r: &mut Rng,
) -> String {
    let list = if themed && theme.is_some() {
        l.theme_templates
    } else {
        l.templates
    };
    let mut s = String::with_capacity(160);
    fill(&mut s, r.pick(list), l, lang, theme, r);
    capitalise(&mut s);
    s
}

fn fill_title(l: &Lang, lang: usize, theme: Option<(usize, usize)>, r: &mut Rng) -> String {
    let list = if theme.is_some() {
        l.theme_titles
    } else {
        l.titles
    };
    let mut s = String::with_capacity(100);
    fill(&mut s, r.pick(list), l, lang, theme, r);
    capitalise(&mut s);
    // German and English headlines go on with a capital after a colon; French ones do not.
    if lang < 2
        && let Some(colon) = s.find(": ")
    {
        let mut tail = s.split_off(colon + 2);
        capitalise(&mut tail);
        s.push_str(&tail);
    }
    s
}

/// Writes `template` with its slots filled (see the words module).
fn fill(
    out: &mut String,
    template: &str,
    l: &Lang,
    lang: usize,
    theme: Option<(usize, usize)>,
    r: &mut Rng,
) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let slot = rest.as_bytes()[open + 1];
        rest = &rest[open + 3..];
        match slot {
            b'S' => out.push_str(r.pick(l.subjects)),
            b'O' => out.push_str(r.pick(l.objects)),
            b'V' => out.push_str(r.pick(l.verbs)),
            b'R' => out.push_str(r.pick(l.reports)),
            b'T' => out.push_str(r.pick(l.times)),
            b'P' => out.push_str(r.pick(l.places)),
            b'G' => out.push_str(r.pick(l.sources)),
            b'A' => out.push_str(r.pick(l.adverbs)),
            b'L' => out.push_str(r.pick(l.groups)),
            b'W' => out.push_str(r.pick(l.group_verbs)),
            b'Y' => out.push_str(r.pick(l.roles)),
            b'J' => out.push_str(r.pick(l.judgements)),
            b'X' => {
                out.push_str(r.pick(l.first_names));
                out.push(' ');
                out.push_str(r.pick(l.last_names));
            }
            b'N' => {
                let _ = write!(out, "{}", r.range(3, 2400));
            }
            b'K' => match theme {
                Some((_, s)) => out.push_str(r.pick(SUBJECTS[s].text[lang])),
                None => out.push_str(r.pick(l.objects)),
            },
            b'C' => match theme {
                Some((c, _)) => out.push_str(COUNTRIES[c][lang]),
                None => out.push_str(r.pick(l.places)),
            },
            _ => {}
        }
    }
    out.push_str(rest);
}

fn capitalise(s: &mut String) {
    if let Some(c) = s.chars().next()
        && c.is_lowercase()
    {
        let upper: String = c.to_uppercase().collect();
        s.replace_range(..c.len_utf8(), &upper);
    }
}

/// A URL slug: lower-case ASCII letters and digits separated by dashes.
pub fn slug(text: &str, max: usize) -> String {
    let mut s = String::with_capacity(max);
    let mut dash = false;
    for c in text.chars() {
        let mapped: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' => "ss",
            'é' | 'è' | 'ê' | 'ë' | 'É' => "e",
            'à' | 'â' => "a",
            'ç' => "c",
            'î' | 'ï' => "i",
            'ô' => "o",
            'û' | 'ù' => "u",
            _ => "",
        };
        if !mapped.is_empty() {
            s.push_str(mapped);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !s.is_empty() {
            s.push('-');
            dash = true;
        }
        if s.len() >= max {
            break;
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// HTML escaping for text and double-quoted attributes.
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return text.into();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .into()
}

/// XML escaping for element text.
fn xml(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return text.into();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .into()
}

/// JSON string escaping (without the quotes); `<` too, as inside a `<script>`.
fn json(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['"', '\\', '<']) {
        return text.into();
    }
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('<', "\\u003c")
        .into()
}

fn share_bar(h: &mut String, f: &super::words::Furniture, place: &str) {
    let _ = write!(
        h,
        "<div class=\"share-bar share-bar--{place}\" role=\"group\" aria-label=\"{}\">",
        f.share[0]
    );
    for (k, label) in f.share.iter().enumerate().skip(1) {
        let _ = write!(
            h,
            "<button class=\"share-bar__button share-bar__button--{k}\" type=\"button\" data-share=\"{k}\" aria-label=\"{label}\"><svg width=\"20\" height=\"20\" aria-hidden=\"true\"><use href=\"/assets/icons.svg#share-{k}\"></use></svg><span>{label}</span></button>"
        );
    }
    h.push_str("</div>\n");
}

/// A list of 5 to 9 teasers under a section heading (4 to 8 KB).
fn teaser_block(l: &Lang, lang: usize, r: &mut Rng) -> String {
    let f = &l.furniture;
    let section = r.pick(f.sections);
    let sslug = slug(section, 30);
    let mut b = String::with_capacity(8192);
    let _ = write!(
        b,
        "<div class=\"teaser-list teaser-list--{}\"><h3 class=\"teaser-list__heading\"><a href=\"/{sslug}/\">{section}</a></h3><ul class=\"teaser-list__items\">",
        r.below(4)
    );
    for _ in 0..r.range(5, 9) {
        let theme = r
            .chance(0.2)
            .then(|| (r.below(COUNTRIES.len()), r.below(SUBJECTS.len())));
        let title = fill_title(l, lang, theme, r);
        let text = sentence(l, lang, None, false, r);
        let img = r.next_u64();
        let _ = write!(
            b,
            "<li class=\"teaser\"><a class=\"teaser__link\" href=\"/{sslug}/{}-{}.html\">\
             <picture class=\"teaser__image\"><source type=\"image/webp\" srcset=\"/media/{img:016x}/320x180.webp 320w, /media/{img:016x}/640x360.webp 640w\">\
             <img src=\"/media/{img:016x}/320x180.jpg\" alt=\"\" width=\"320\" height=\"180\" loading=\"lazy\"></picture>\
             <span class=\"teaser__kicker\">{}</span><span class=\"teaser__title\">{}</span><p class=\"teaser__text\">{}</p></a>\
             <span class=\"teaser__meta\"><time>{:02}:{:02}</time> <a class=\"teaser__comments\" href=\"/{sslug}/{}.html#comments\">{}</a></span></li>",
            slug(&title, 60),
            r.below(1_000_000),
            esc(r.pick(l.places)),
            esc(&title),
            esc(&text),
            r.below(24),
            r.below(60),
            r.below(1_000_000),
            r.below(300),
        );
    }
    b.push_str("</ul></div>\n");
    b
}

/// A thread of 3 to 6 reader comments (2 to 5 KB).
fn comment_block(l: &Lang, lang: usize, r: &mut Rng) -> String {
    let f = &l.furniture;
    let mut b = String::with_capacity(6144);
    for _ in 0..r.range(3, 6) {
        let id = r.below(10_000_000);
        let user = format!("{}{}", slug(r.pick(l.first_names), 20), r.below(1000));
        let _ = write!(
            b,
            "<li class=\"comment\" id=\"c{id}\"><div class=\"comment__meta\"><img class=\"comment__avatar\" src=\"/avatars/{}.png\" alt=\"\" width=\"32\" height=\"32\">\
             <span class=\"comment__author\">{user}</span> <time datetime=\"2026-03-0{}T{:02}:{:02}:00Z\">{:02}:{:02}</time></div><div class=\"comment__body\">",
            r.below(500),
            r.range(1, 2),
            r.below(24),
            r.below(60),
            r.below(24),
            r.below(60),
        );
        for _ in 0..r.range(1, 2) {
            let mut p = String::new();
            for _ in 0..r.range(1, 3) {
                p.push_str(&sentence(l, lang, None, false, r));
                p.push(' ');
            }
            let _ = write!(b, "<p>{}</p>", esc(p.trim_end()));
        }
        let _ = write!(
            b,
            "</div><div class=\"comment__actions\"><button type=\"button\" class=\"comment__reply\" data-id=\"{id}\">{}</button>\
             <button type=\"button\" class=\"comment__report\" data-id=\"{id}\">{}</button><span class=\"comment__likes\" aria-label=\"likes\">{}</span></div></li>",
            f.reply,
            f.report,
            r.below(120),
        );
    }
    b
}

/// Cookie banner, top bar, navigation and news ticker of one site variant (8 to 12 KB).
fn site_header(l: &Lang, lang: usize, variant: usize, r: &mut Rng) -> String {
    let f = &l.furniture;
    let mut b = String::with_capacity(16384);
    let _ = write!(
        b,
        "<div id=\"consent-banner\" class=\"cmp cmp--v{variant}\" role=\"dialog\" aria-modal=\"true\" aria-labelledby=\"cmp-title\" hidden>\
         <div class=\"cmp__inner\"><h2 id=\"cmp-title\">{}</h2><p>{}</p><ul class=\"cmp__vendors\">",
        f.cookie_title, f.cookie_text
    );
    for k in 0..r.range(12, 24) {
        let _ = write!(
            b,
            "<li><label><input type=\"checkbox\" name=\"vendor\" value=\"{k}\" checked> Vendor {k} ({})</label></li>",
            r.pick(f.sections)
        );
    }
    let _ = write!(
        b,
        "</ul><div class=\"cmp__buttons\"><button class=\"cmp__accept\" type=\"button\">{}</button><button class=\"cmp__settings\" type=\"button\">{}</button>\
         <a href=\"/datenschutz/\">{}</a></div></div></div>\n\
         <header class=\"site-header\"><div class=\"topbar\"><a class=\"topbar__subscribe\" href=\"/abo/\">Abo</a><a class=\"topbar__login\" href=\"/login/\">{}</a>\
         <form class=\"search\" role=\"search\" action=\"/suche/\"><input type=\"search\" name=\"q\" placeholder=\"{}\" aria-label=\"{}\"><button type=\"submit\">{}</button></form></div>\n\
         <nav class=\"main-nav\" aria-label=\"Navigation\"><ul class=\"main-nav__list\">",
        f.accept, f.settings, f.privacy, f.login, f.search, f.search, f.search
    );
    for section in f.sections {
        let sslug = slug(section, 30);
        let _ = write!(
            b,
            "<li class=\"main-nav__item\"><a class=\"main-nav__link\" href=\"/{sslug}/\">{section}</a><ul class=\"sub-nav\">"
        );
        for _ in 0..r.range(3, 7) {
            let sub = r.pick(l.places);
            let _ = write!(
                b,
                "<li class=\"sub-nav__item\"><a class=\"sub-nav__link\" href=\"/{sslug}/{}/\">{sub}</a></li>",
                slug(sub, 30)
            );
        }
        b.push_str("</ul></li>");
    }
    let _ = write!(
        b,
        "</ul></nav></header>\n<div class=\"ticker\" aria-live=\"polite\"><span class=\"ticker__label\">{}</span><ul class=\"ticker__items\">",
        f.breaking
    );
    for _ in 0..r.range(3, 6) {
        let title = fill_title(l, lang, None, r);
        let _ = write!(
            b,
            "<li><a href=\"/eil/{}.html\">{}</a></li>",
            slug(&title, 50),
            esc(&title)
        );
    }
    b.push_str("</ul></div>\n");
    b
}

/// Footer: most-read list, link columns, legal links (4 to 7 KB).
fn site_footer(l: &Lang, lang: usize, r: &mut Rng) -> String {
    let f = &l.furniture;
    let mut b = String::with_capacity(8192);
    let _ = write!(
        b,
        "<footer class=\"site-footer\"><section class=\"most-read\"><h2>{}</h2><ol>",
        f.most_read
    );
    for _ in 0..5 {
        let title = fill_title(l, lang, None, r);
        let _ = write!(
            b,
            "<li><a href=\"/top/{}.html\">{}</a></li>",
            slug(&title, 50),
            esc(&title)
        );
    }
    b.push_str("</ol></section><div class=\"site-footer__columns\">");
    for _ in 0..4 {
        let _ = write!(
            b,
            "<div class=\"site-footer__column\"><h3>{}</h3><ul>",
            r.pick(f.sections)
        );
        for _ in 0..r.range(6, 10) {
            let place = r.pick(l.places);
            let _ = write!(
                b,
                "<li><a href=\"/regional/{}/\">{place}</a></li>",
                slug(place, 30)
            );
        }
        b.push_str("</ul></div>");
    }
    b.push_str("</div><ul class=\"site-footer__legal\">");
    for link in f.footer {
        let _ = write!(b, "<li><a href=\"/{}/\">{link}</a></li>", slug(link, 30));
    }
    b.push_str("</ul><p class=\"site-footer__copyright\">© 2026</p></footer>\n");
    b
}

/// An inline stylesheet of 3 to 6 KB.
fn stylesheet(r: &mut Rng) -> String {
    const BLOCKS: &[&str] = &[
        "teaser", "article", "header", "footer", "nav", "share", "comment", "ticker", "cmp",
        "brand", "byline", "figure", "ad", "related", "more", "tag",
    ];
    const ELEMS: &[&str] = &[
        "title", "link", "item", "image", "text", "meta", "list", "button",
    ];
    const PROPS: &[&str] = &[
        "margin:0 0 .5rem",
        "padding:.25rem 1rem",
        "font-size:1.125rem",
        "line-height:1.45",
        "color:#1a1a1a",
        "display:flex",
        "gap:.75rem",
        "font-weight:700",
        "border-top:1px solid #ddd",
        "background:#f4f4f2",
        "text-decoration:none",
        "max-width:960px",
        "grid-template-columns:repeat(3,1fr)",
        "font-family:Georgia,serif",
        "letter-spacing:.02em",
        "position:relative",
        "overflow:hidden",
    ];
    let mut s = String::with_capacity(6144);
    for _ in 0..r.range(40, 80) {
        let _ = write!(s, ".{}__{}", r.pick(BLOCKS), r.pick(ELEMS));
        if r.chance(0.3) {
            let _ = write!(s, ",.{}--{}", r.pick(BLOCKS), r.pick(ELEMS));
        }
        s.push('{');
        for _ in 0..r.range(2, 5) {
            s.push_str(r.pick(PROPS));
            s.push(';');
        }
        s.push('}');
    }
    s.push_str(
        "@media (max-width:640px){.article__title{font-size:1.6rem}.main-nav{display:none}}",
    );
    s
}

/// An inline script of 3 to 24 KB: either a JSON state blob or minified code.
fn script_blob(k: usize, r: &mut Rng) -> String {
    const IDENTS: &[&str] = &[
        "e", "t", "n", "r", "o", "i", "a", "s", "u", "c", "l", "d", "f", "p", "h", "m",
    ];
    const CALLS: &[&str] = &[
        "addEventListener",
        "querySelector",
        "getAttribute",
        "setAttribute",
        "push",
        "forEach",
        "appendChild",
        "createElement",
        "classList.add",
        "JSON.parse",
        "Object.assign",
        "requestAnimationFrame",
        "setTimeout",
        "dispatchEvent",
        "matchMedia",
    ];
    let target = r.range(3_000, 24_000);
    let mut s = String::with_capacity(target + 256);
    if k % 2 == 0 {
        s.push_str("<script>window.__APP_STATE__={\"page\":{\"type\":\"article\"},\"modules\":[");
        let mut first = true;
        while s.len() < target {
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(
                s,
                "{{\"id\":\"m{}\",\"kind\":\"{}\",\"visible\":{},\"position\":{},\"tracking\":{{\"campaign\":\"c{:x}\",\"variant\":\"{}\"}},\"items\":[{},{},{}]}}",
                r.below(100_000),
                r.pick(CALLS),
                r.chance(0.5),
                r.below(40),
                r.next_u64() & 0xFF_FFFF,
                r.pick(IDENTS),
                r.below(1000),
                r.below(1000),
                r.below(1000)
            );
        }
        s.push_str("]};</script>\n");
    } else {
        s.push_str("<script>!function(e,t){\"use strict\";");
        while s.len() < target {
            let _ = write!(
                s,
                "var {a}{n}=function({b},{c}){{return {b}&&{b}.{call}?{b}.{call}({c},{n}):{c}}};{d}.{call}(\"{ev}\",function({a}){{{a}.{call2}({n})}});",
                a = r.pick(IDENTS),
                b = r.pick(IDENTS),
                c = r.pick(IDENTS),
                d = r.pick(IDENTS),
                n = r.below(10_000),
                call = r.pick(CALLS),
                call2 = r.pick(CALLS),
                ev = r.pick(&["click", "scroll", "load", "resize", "visibilitychange"]),
            );
        }
        s.push_str("}(window,document);</script>\n");
    }
    s
}
