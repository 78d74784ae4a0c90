//! Topic matching speed: time per article for [`TopicSet::matching`], tokenisation included (as
//! the daemon does it for every new article), with 10 topics and with 10,000 topics on the same
//! articles. The topic index should make the second cost at most about twice the first: matching
//! scales with the article, not with the number of topics. `cargo bench --bench matching`.
//!
//! Topics are generated from a fixed seed over a vocabulary of real English and German news words
//! and generated words (German ones often compounds), in the shapes real watchlists use;
//! both sets include the two topics of the demo configuration, so that some articles match.
//! Articles are the demo pages (`config/demo/articles`), each body followed by the next page's
//! of the same language, to get news texts of 700 to 1,100 words.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use newshound::dedup;
use newshound::extract::{decode_html, extract};
use newshound::language;
use newshound::matcher::{Article, Language, Topic, TopicSet, parse_query};
use newshound::pipeline::analyse::match_and_fingerprint;

/// The arms-deals topic of the demo configuration.
const ARMS_DEALS: &str = "(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR \
    Munition OR Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR supply \
    OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)";

/// The summit-meetings topic of the demo configuration.
const SUMMITS: &str =
    "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident OR Staatschef))";

/// Real news words, so that generated topics partly match real articles as real ones do.
const REAL_WORDS: &str = "government minister president election parliament policy economy \
    market company bank price energy climate storm flood court police army military defence \
    security treaty agreement talks leader official spokesman report statement crisis war \
    ceasefire border trade tariff export budget tax inflation interest growth jobs workers union \
    strike wage contract festival music concert museum exhibition artist science research planet \
    water telescope space study university hospital health school student football match season \
    team coach player league weather heat rain wind river harbour port ship airline airport train \
    railway road traffic accident fire city council mayor village region country nation people \
    family children housing rent property investment fund shares profit revenue system drone \
    aircraft navy soldier attack island coast minister sanctions refugees migration court judge \
    Regierung Minister Präsident Wahl Bundestag Partei Wirtschaft Markt Unternehmen Bank Preis \
    Energie Klima Sturm Hochwasser Gericht Polizei Armee Bundeswehr Sicherheit Vertrag Abkommen \
    Verhandlung Kanzler Sprecher Bericht Krise Krieg Grenze Handel Zoll Haushalt Steuer Inflation \
    Wachstum Arbeit Gewerkschaft Streik Lohn Tarif Musik Konzert Museum Ausstellung Künstler \
    Forschung Wasser Schiff Hafen Fluss Bahn Straße Verkehr Unfall Feuer Stadt Gemeinde \
    Bürgermeister Menschen Familie Kinder Wohnung Miete Investition Aktie Gewinn Verlust Umsatz \
    Batterie Hitze Warnung Wetter Regen Temperatur Handball Spiel Mannschaft Trainer Saison Liga \
    Sieg Niederlage Werft Schifffahrt Pegel Kunst Galerie Landrat Behörde Feuerwehr Ernte";

/// Syllables of generated words.
const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mer", "tin", "bra", "vo", "sel", "dun", "ri", "pha", "gor", "len", "ste", "wick",
    "ham", "ton", "ber", "gen", "hau", "mun", "dorf", "feld", "berg", "stein", "burg", "quin",
    "zar", "ol", "ex", "tra", "ner", "ust",
];

/// Generated words (real and generated) in the vocabulary, besides the real ones.
const GENERATED_WORDS: usize = 3000;

/// A fixed seed, so every run measures the same topics.
const SEED: u64 = 0x6e65_7773;

fn vocabulary(rng: &mut fastrand::Rng) -> Vec<String> {
    let mut words: Vec<String> = REAL_WORDS.split_whitespace().map(str::to_owned).collect();
    let real = words.len();
    while words.len() < real + GENERATED_WORDS {
        let word = generated_word(rng);
        // German-looking words are often compounds of a generated and a real word.
        let word = if rng.u8(..4) == 0 {
            format!("{word}{}", words[rng.usize(..real)].to_lowercase())
        } else {
            word
        };
        words.push(capitalised_sometimes(rng, word));
    }
    words
}

fn generated_word(rng: &mut fastrand::Rng) -> String {
    (0..rng.usize(2..=4))
        .map(|_| SYLLABLES[rng.usize(..SYLLABLES.len())])
        .collect()
}

fn capitalised_sometimes(rng: &mut fastrand::Rng, word: String) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) if rng.bool() => first.to_uppercase().chain(chars).collect(),
        _ => word,
    }
}

/// One generated query in one of the shapes real topics have.
fn query_text(rng: &mut fastrand::Rng, words: &[String]) -> String {
    let shape = rng.u8(..5);
    let negated = rng.u8(..5) == 0;
    let mut word = || words[rng.usize(..words.len())].clone();
    let mut text = match shape {
        0 => {
            let prefix = prefix_of(&word());
            format!(
                "({} OR {prefix}* OR {}) NEAR/20 ({} OR {})",
                word(),
                word(),
                word(),
                word()
            )
        }
        1 => format!("\"{} {}\" AND {}", word(), word(), word()),
        2 => format!("title:{} OR {}", word(), word()),
        3 => format!("{} {} OR \"{} {}\"", word(), word(), word(), word()),
        _ => format!("{} NEAR/5 {}", word(), word()),
    };
    if negated {
        text = format!("({text}) AND NOT {}", word());
    }
    text
}

/// A `prefix*` users would write: the word without its last two letters, at least four kept.
fn prefix_of(word: &str) -> String {
    let letters = word.chars().count();
    word.chars()
        .take(letters.saturating_sub(2).max(4))
        .collect()
}

/// The two demo topics and `count - 2` generated ones.
fn topic_set(count: usize) -> TopicSet {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let words = vocabulary(&mut rng);
    let mut topics = vec![
        topic("arms deals", ARMS_DEALS, &[]),
        topic("summits", SUMMITS, &[]),
    ];
    for index in 2..count {
        let languages: &[&str] = match rng.u8(..10) {
            0 => &["de"],
            1 => &["en"],
            _ => &[],
        };
        let text = query_text(&mut rng, &words);
        topics.push(topic(&format!("topic {index}"), &text, languages));
    }
    TopicSet::new(topics)
}

fn topic(name: &str, query: &str, languages: &[&str]) -> Topic {
    Topic {
        name: name.to_owned(),
        query: parse_query(query).unwrap_or_else(|error| panic!("{query}: {error}")),
        languages: languages.iter().map(|code| (*code).to_owned()).collect(),
    }
}

/// A bench article: title, body and ISO 639-1 language code.
struct Page {
    title: String,
    body: String,
    language: String,
}

/// The demo pages, each body followed by the next body of the same language.
fn articles() -> Vec<Page> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo/articles");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the demo articles are in the repository")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    files.sort();
    let url = Url::parse("https://news.example/article.html").expect("static URL is valid");
    let pages: Vec<Page> = files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).expect("demo article is readable");
            let page = extract(&decode_html(&bytes, None), &url);
            let declared = page.language.as_deref().unwrap_or("en");
            let language = declared.split(['-', '_']).next().unwrap_or(declared);
            Page {
                title: page.title.unwrap_or_default(),
                body: page.text,
                language: language.to_ascii_lowercase(),
            }
        })
        .collect();
    pages
        .iter()
        .enumerate()
        .map(|(index, page)| {
            let next = pages[index + 1..]
                .iter()
                .chain(&pages[..index])
                .find(|other| other.language == page.language)
                .expect("every demo language has several pages");
            Page {
                title: page.title.clone(),
                body: format!("{}\n\n{}", page.body, next.body),
                language: page.language.clone(),
            }
        })
        .collect()
}

/// What the daemon does per article: tokenise, then match every topic.
fn match_all(topics: &TopicSet, pages: &[Page]) -> usize {
    pages
        .iter()
        .map(|page| {
            let article =
                Article::new(&page.title, &page.body, Language::from_code(&page.language));
            black_box(topics.matching(&article, Some(&page.language))).len()
        })
        .sum()
}

/// Mean time per article over repeated passes lasting `budget` in all.
fn time_per_article(topics: &TopicSet, pages: &[Page], budget: Duration) -> Duration {
    let started = Instant::now();
    let mut passes = 0u32;
    while passes == 0 || started.elapsed() < budget {
        black_box(match_all(topics, pages));
        passes += 1;
    }
    started.elapsed() / (passes * u32::try_from(pages.len()).expect("few articles"))
}

fn matching(c: &mut Criterion) {
    let pages = articles();
    let words: Vec<usize> = pages
        .iter()
        .map(|p| p.body.split_whitespace().count())
        .collect();
    eprintln!(
        "{} articles of {} to {} words",
        pages.len(),
        words.iter().min().unwrap_or(&0),
        words.iter().max().unwrap_or(&0),
    );
    // No topics: what tokenising alone costs, the floor of the other two.
    let sets = [
        (0, TopicSet::default()),
        (10, topic_set(10)),
        (10_000, topic_set(10_000)),
    ];
    for (count, set) in &sets {
        // The first pass also stems the keys for each language.
        let started = Instant::now();
        let matches = match_all(set, &pages);
        eprintln!(
            "{count} topics: {matches} matches per pass; first pass {:?}",
            started.elapsed()
        );
    }

    let mut group = c.benchmark_group("matching");
    group.throughput(Throughput::Elements(pages.len() as u64));
    for (count, set) in &sets {
        group.bench_function(format!("{count} topics"), |b| {
            b.iter(|| match_all(set, &pages))
        });
    }
    group.finish();

    let budget = Duration::from_secs(2);
    let [tokenising, small, large] =
        [0, 1, 2].map(|set| time_per_article(&sets[set].1, &pages, budget));
    eprintln!(
        "per article: {small:?} with 10 topics, {large:?} with 10,000 topics \
         ({tokenising:?} of each is tokenising); ratio {:.2} (target: at most 2)",
        large.as_secs_f64() / small.as_secs_f64()
    );
}

/// The text stages of `analyse_page` for every page: language, tokenising, matching and the
/// story keys, as the pipeline runs them. `declared`: the page declares its language (as most
/// do); `undeclared`: it declares none. Before issue 18 extraction detected the language of the
/// latter and the matcher detected it again, and the fingerprint split the text once more.
fn text_stages(c: &mut Criterion) {
    let pages = articles();
    let topics = topic_set(100);
    let mut group = c.benchmark_group("text_stages");
    group.throughput(Throughput::Elements(pages.len() as u64));
    for (name, declared) in [("declared", true), ("undeclared", false)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for page in &pages {
                    let declared = declared.then_some(page.language.as_str());
                    let code = language::of_article(&page.body, [declared]);
                    let (found, fingerprint) =
                        match_and_fingerprint(&topics, &page.title, &page.body, code);
                    let identity =
                        dedup::identity_with_fingerprint(&page.body, fingerprint, None, None);
                    black_box((found, identity));
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = matching, text_stages
}
criterion_main!(benches);
