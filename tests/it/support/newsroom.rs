//! A newsroom whose items appear over time, for the tests that run the binary for many cycles
//! (crash, outage): each item is derived from a seed, has a page of its own text, and hits
//! known immediate topics.

use super::feeds::{self, rss};

/// Seeds the items.
pub const SEED: u64 = 0x6e65_7773_686f_756e;

/// The immediate topics and the one word each matches.
pub const TOPICS: [(&str, &str); 2] = [
    ("Zeppelin watch", "zeppelin"),
    ("Marmalade watch", "marmalade"),
];

/// Plain words the article texts are made of (none is a topic word).
const WORDS: &[&str] = &[
    "council",
    "river",
    "budget",
    "school",
    "harbour",
    "market",
    "weather",
    "railway",
    "garden",
    "museum",
    "library",
    "bridge",
    "festival",
    "village",
    "mayor",
    "farmers",
    "bakery",
    "tunnel",
    "airport",
    "orchestra",
    "hospital",
    "election",
    "forest",
    "tourists",
    "fishermen",
    "storm",
    "engineers",
    "students",
    "teachers",
    "doctors",
    "workers",
    "company",
    "factory",
    "vineyard",
    "castle",
    "island",
    "mountain",
    "valley",
    "coast",
    "city",
    "town",
    "road",
    "traffic",
    "police",
    "court",
    "judge",
    "report",
    "survey",
    "prices",
    "wages",
    "taxes",
    "housing",
    "energy",
    "water",
    "bicycle",
    "ferry",
    "theatre",
    "painter",
    "writer",
    "singer",
    "team",
    "league",
    "match",
    "season",
    "record",
    "winter",
    "summer",
    "spring",
    "autumn",
    "morning",
    "evening",
    "night",
    "yesterday",
    "today",
    "tomorrow",
    "week",
    "month",
    "year",
    "agreed",
    "announced",
    "opened",
    "closed",
    "planned",
    "rejected",
    "approved",
    "expected",
    "said",
    "visited",
    "built",
    "repaired",
    "painted",
    "sold",
    "bought",
    "measured",
    "counted",
    "found",
    "lost",
    "won",
    "new",
    "old",
    "large",
    "small",
    "quiet",
    "busy",
    "local",
    "regional",
];

/// One item of one served feed, derived from the seed; its text is unlike every other item's,
/// so each is a story of its own.
pub struct Item {
    /// Path of its page on the simulator.
    pub path: String,
    /// The feed entry's title (no topic word in it).
    pub title: String,
    /// Paragraphs of its page.
    paragraphs: Vec<String>,
    /// Names of the topics its page text matches.
    pub topics: Vec<&'static str>,
}

/// Item `n` of feed `feed`.
pub fn item(feed: usize, n: usize) -> Item {
    let mut rng = fastrand::Rng::with_seed(SEED ^ ((feed as u64) << 32) ^ n as u64);
    let mut topics = Vec::new();
    let mut words: Vec<&str> = (0..140).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
    for (index, (name, word)) in TOPICS.iter().enumerate() {
        // About half the items hit the first topic, a third the second.
        if rng.usize(..6) < 3 - index {
            let at = rng.usize(..words.len());
            words.insert(at, word);
            topics.push(*name);
        }
    }
    let paragraphs = words
        .chunks(28)
        .map(|chunk| format!("{}.", chunk.join(" ")))
        .collect();
    Item {
        path: format!("/f{feed}/a{n}.html"),
        title: format!("Desk {feed} report number {n}"),
        paragraphs,
        topics,
    }
}

/// The article page of an item.
pub fn page(item: &Item) -> String {
    let body: String = item
        .paragraphs
        .iter()
        .map(|p| format!("<p>{p}</p>"))
        .collect();
    feeds::page(&item.title, &body)
}

/// The RSS document of feed `feed` when its first `visible` items are out, newest first, their
/// links on the server at `base` (`http://host:port`).
pub fn feed_document(feed: usize, visible: usize, base: &str) -> String {
    let items: Vec<Item> = (0..visible).rev().map(|n| item(feed, n)).collect();
    let links: Vec<String> = items.iter().map(|i| format!("{base}{}", i.path)).collect();
    let pairs: Vec<(&str, &str)> = items
        .iter()
        .zip(&links)
        .map(|(i, l)| (i.title.as_str(), l.as_str()))
        .collect();
    rss(&pairs)
}

/// The (feed, n) of the item whose page is at `path`, if it is an item's path.
pub fn item_at(path: &str) -> Option<(usize, usize)> {
    let (feed, n) = path
        .strip_prefix("/f")?
        .strip_suffix(".html")?
        .split_once("/a")?;
    Some((feed.parse().ok()?, n.parse().ok()?))
}
