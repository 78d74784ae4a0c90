//! Text normalisation for matching: article text is split into words once (by the same rule as
//! query phrases, [`split_words`]), and each distinct word gets a folded form (lower case, diacritics
//! removed, `ß` → `ss`) and a stem in the article's language, so that `Geschäft`, `Geschaft` and
//! `GESCHÄFT` are one word and `Verkauf` meets `Verkäufe`.
//!
//! Query words go through [`Form::of`], the same steps as article words, so both sides agree.

use std::sync::{Arc, LazyLock, Mutex};

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::words::{hyphen_pieces, is_joiner, split_words};

/// An article's language as far as matching cares: which Snowball stemmer to use, and whether
/// long words are compounds whose first or last part can match a term on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// ISO 639-1 code (`de`); empty for [`Language::UNKNOWN`].
    code: &'static str,
    /// `None` for languages without a stemmer: words are compared by folded form only.
    stemmer: Option<Algorithm>,
    /// German, Dutch and the Nordic languages write compounds as one word.
    compounds: bool,
}

impl Language {
    /// A language that is not known (or not detected): no stemming, no compound parts.
    pub const UNKNOWN: Language = Language::new("", None, false);

    const fn new(code: &'static str, stemmer: Option<Algorithm>, compounds: bool) -> Language {
        Language {
            code,
            stemmer,
            compounds,
        }
    }

    /// The language for an ISO 639-1 (`de`) or ISO 639-3 (`deu`, as whatlang gives) code, in any
    /// case; [`Language::UNKNOWN`] for codes without a stemmer or compound rule.
    pub fn from_code(code: &str) -> Language {
        let code = code.trim().to_ascii_lowercase();
        LANGUAGES
            .iter()
            .find(|(spellings, _)| spellings.contains(&code.as_str()))
            .map_or(Language::UNKNOWN, |&(_, language)| language)
    }

    /// Every language [`Language::from_code`] knows, so that a search over articles of any
    /// language can plan for each.
    pub fn known() -> impl Iterator<Item = Language> {
        LANGUAGES.iter().map(|&(_, language)| language)
    }

    /// The codes [`Language::from_code`] takes for this language, in lower case; empty for
    /// [`Language::UNKNOWN`] (which every other code is).
    pub fn spellings(self) -> &'static [&'static str] {
        LANGUAGES
            .iter()
            .find(|&&(_, language)| language == self)
            .map_or(&[], |&(spellings, _)| spellings)
    }

    /// The ISO 639-1 code, for messages, the database and topics' `languages`; `None` when
    /// unknown.
    pub fn code(self) -> Option<&'static str> {
        (!self.code.is_empty()).then_some(self.code)
    }

    /// Whether a term may match the first or last part of a longer compound word.
    pub fn has_compounds(self) -> bool {
        self.compounds
    }

    /// Whether words are compared by stem (else by folded form alone).
    pub fn stems(self) -> bool {
        self.stemmer.is_some()
    }
}

/// The languages with a stemmer or a compound rule, each with the codes that name it.
const LANGUAGES: [(&[&str], Language); 19] = [
    (
        &["en", "eng"],
        Language::new("en", Some(Algorithm::English), false),
    ),
    (
        &["de", "deu", "ger"],
        Language::new("de", Some(Algorithm::German), true),
    ),
    (
        &["fr", "fra", "fre"],
        Language::new("fr", Some(Algorithm::French), false),
    ),
    (
        &["es", "spa"],
        Language::new("es", Some(Algorithm::Spanish), false),
    ),
    (
        &["it", "ita"],
        Language::new("it", Some(Algorithm::Italian), false),
    ),
    (
        &["nl", "nld", "dut"],
        Language::new("nl", Some(Algorithm::Dutch), true),
    ),
    (
        &["pt", "por"],
        Language::new("pt", Some(Algorithm::Portuguese), false),
    ),
    (
        &["ru", "rus"],
        Language::new("ru", Some(Algorithm::Russian), false),
    ),
    (
        &["sv", "swe"],
        Language::new("sv", Some(Algorithm::Swedish), true),
    ),
    (
        &["da", "dan"],
        Language::new("da", Some(Algorithm::Danish), true),
    ),
    (
        &["no", "nor", "nb", "nob", "nn", "nno"],
        Language::new("no", Some(Algorithm::Norwegian), true),
    ),
    (
        &["fi", "fin"],
        Language::new("fi", Some(Algorithm::Finnish), true),
    ),
    (&["is", "isl", "ice"], Language::new("is", None, true)),
    (
        &["ro", "ron", "rum"],
        Language::new("ro", Some(Algorithm::Romanian), false),
    ),
    (
        &["hu", "hun"],
        Language::new("hu", Some(Algorithm::Hungarian), false),
    ),
    (
        &["tr", "tur"],
        Language::new("tr", Some(Algorithm::Turkish), false),
    ),
    (
        &["el", "ell", "gre"],
        Language::new("el", Some(Algorithm::Greek), false),
    ),
    (
        &["ar", "ara"],
        Language::new("ar", Some(Algorithm::Arabic), false),
    ),
    (
        &["ta", "tam"],
        Language::new("ta", Some(Algorithm::Tamil), false),
    ),
];

/// The two comparable forms of a word: what matching actually looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Form {
    /// Lower case, compatibility-decomposed, combining marks removed, `ß` → `ss`:
    /// `GESCHÄFT` → `geschaft`. Prefixes and compound parts are compared on this.
    pub folded: String,
    /// The Snowball stem of the lower-cased word, then folded (`Verkäufe` → `verkauf`); equal
    /// to `folded` when the language has no stemmer. Terms are compared stem to stem.
    pub stem: String,
}

impl Form {
    /// The forms of one word in `language`. Stemming runs before folding because stemmers
    /// such as German's expect and handle umlauts themselves.
    pub fn of(word: &str, language: Language) -> Form {
        let folded = fold(word);
        let stem = match language.stemmer {
            // An ASCII word's lower case is its folded form: no second copy.
            Some(algorithm) if word.is_ascii() => fold(&Stemmer::create(algorithm).stem(&folded)),
            Some(algorithm) => {
                let lower = word.nfc().collect::<String>().to_lowercase();
                fold(&Stemmer::create(algorithm).stem(&lower))
            }
            None => folded.clone(),
        };
        Form { folded, stem }
    }
}

/// One word of an article: where it stands, and which of the article's distinct [`Word`]s it
/// is. A word that repeats is normalised once per article and its forms are shared, not
/// copied into every occurrence (see [`Tokens`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Word index within its field (title or body), counting from 0; `NEAR` and phrases
    /// measure distance in these.
    pub position: u32,
    /// Byte offset of the word in the field's text, for snippets.
    pub offset: usize,
    /// Index of the word in its article's [`Tokens::words`].
    pub word: u32,
}

/// One distinct word of a text (by its exact spelling) with its forms, as the matcher and later
/// the explanations need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as it appears, for "matched words" in alerts and for the story fingerprint.
    pub text: String,
    /// Folded form and stem of the whole word; empty forms, which match nothing, for a word no
    /// query word of interest can match (see [`Tokens::relevant`]).
    pub form: Form,
    /// Forms of the parts of a hyphenated or elided word (`Wagner-Gruppe`, `l'arme`), so that
    /// `Gruppe` and `arme` match them; empty for plain words.
    pub parts: Vec<Form>,
    /// Forms of the pieces between the hyphens of a hyphenated word (`Nord-Stream's`: `Nord`,
    /// `Stream's`), which a phrase compares one by one, so that `"Nord Stream"` matches
    /// `Nord-Stream` (issue 13); empty for words without a hyphen. Unlike `parts`, an
    /// apostrophe does not cut: `"Putin visit"` still matches `Putin's visit` by its stem.
    pub pieces: Vec<Form>,
}

impl Word {
    /// The forms of `word` in `language`.
    fn of(word: &str, language: Language) -> Word {
        let forms = |pieces: Vec<&str>| -> Vec<Form> {
            pieces
                .into_iter()
                .map(|piece| Form::of(piece, language))
                .collect()
        };
        Word {
            text: word.to_owned(),
            form: Form::of(word, language),
            parts: joined_parts(word, language),
            pieces: hyphen_pieces(word).map(forms).unwrap_or_default(),
        }
    }

    /// `word` with empty forms: it can match no query word.
    fn irrelevant(word: &str) -> Word {
        Word {
            text: word.to_owned(),
            form: Form {
                folded: String::new(),
                stem: String::new(),
            },
            parts: Vec::new(),
            pieces: Vec::new(),
        }
    }

    /// What a phrase compares, in order: the pieces of a hyphenated word, else the whole word.
    pub fn units(&self) -> &[Form] {
        if self.pieces.is_empty() {
            std::slice::from_ref(&self.form)
        } else {
            &self.pieces
        }
    }
}

/// The fields of one article split into words by one table of its distinct words: each distinct
/// spelling is folded and stemmed once, and a token is three numbers, so tokenising costs one
/// hash lookup per word and normalising per distinct word (issue 18: this was a copy of every
/// form for every word).
#[derive(Debug, Clone, Default)]
pub struct Tokens<'t> {
    /// The distinct words, in order of first appearance; shared with a [`WordCache`].
    pub words: Vec<Arc<Word>>,
    /// The number of each distinct spelling in `words`, borrowed from the fields' texts.
    numbers: foldhash::HashMap<&'t str, u32>,
}

impl<'t> Tokens<'t> {
    /// Splits `text` into words and normalises each new one in `language`, taking the forms of
    /// words normalised lately from [`RECENT_WORDS`].
    pub fn field(&mut self, text: &'t str, language: Language) -> Vec<Token> {
        self.split(text, |word| RECENT_WORDS.word(word, language))
    }

    /// [`Tokens::field`], normalising only the words whose folded form `relevant` accepts; the
    /// others keep their place (positions, offsets) but get empty forms, which match no query
    /// word. The forms are taken from, and added to, `cache` (which must have been used with
    /// the same `language` and `relevant` only): a search that knows which words its query can
    /// match saves stemming the rest, and stems each word of the news once for all articles.
    pub fn relevant(
        &mut self,
        text: &'t str,
        language: Language,
        relevant: &dyn Fn(&str) -> bool,
        cache: &mut WordCache,
    ) -> Vec<Token> {
        if cache.forms.len() > WordCache::MAX_WORDS {
            cache.forms.clear();
        }
        self.split(text, |word| {
            if let Some(known) = cache.forms.get(word) {
                return Arc::clone(known);
            }
            let normalised = Arc::new(if relevant(&fold(word)) {
                Word::of(word, language)
            } else {
                Word::irrelevant(word)
            });
            cache.forms.insert(word.into(), Arc::clone(&normalised));
            normalised
        })
    }

    /// The tokens of `text`, each new spelling made a [`Word`] by `new_word`.
    fn split(&mut self, text: &'t str, mut new_word: impl FnMut(&str) -> Arc<Word>) -> Vec<Token> {
        split_words(text)
            .enumerate()
            .map(|(index, (offset, word))| {
                let number = match self.numbers.get(word) {
                    Some(&number) => number,
                    None => {
                        let number = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
                        self.words.push(new_word(word));
                        self.numbers.insert(word, number);
                        number
                    }
                };
                Token {
                    position: u32::try_from(index).unwrap_or(u32::MAX),
                    offset,
                    word: number,
                }
            })
            .collect()
    }

    /// The table of distinct words alone, once the fields are split.
    pub fn into_words(self) -> Vec<Arc<Word>> {
        self.words
    }
}

/// The normalised forms of the words met so far, for one language and one `relevant`: a search
/// keeps one across the articles it matches, so that each word of the news (which repeats its
/// words) is folded and stemmed once rather than once per article.
#[derive(Default)]
pub struct WordCache {
    // foldhash (the hasher of hashbrown, seeded per process like SipHash, so a page cannot be
    // written to collide) is several times faster than SipHash on short words.
    forms: foldhash::HashMap<Box<str>, Arc<Word>>,
}

impl WordCache {
    /// Words kept at most; a search over very varied text starts afresh beyond it rather than
    /// grow without bound.
    const MAX_WORDS: usize = 200_000;
}

/// The words normalised lately, shared by every thread that tokenises: the news repeats its
/// words from article to article, and folding and stemming each distinct word was most of
/// tokenising. Forms depend only on the word and the language, so a cached form is the one
/// [`Word::of`] would make. Split into shards by word, each behind its own lock, so that
/// threads tokenising at once rarely meet; the whole holds at most
/// [`RecentWords::MAX_WORDS`], so its memory does not grow with the number of threads.
static RECENT_WORDS: LazyLock<RecentWords> = LazyLock::new(RecentWords::default);

/// The normalised words of [`RECENT_WORDS`].
#[derive(Default)]
struct RecentWords {
    shards: [Mutex<Shard>; RecentWords::SHARDS],
}

/// Part of [`RecentWords`]: by language code, by word.
type Shard = foldhash::HashMap<&'static str, foldhash::HashMap<Box<str>, Arc<Word>>>;

impl RecentWords {
    /// Words held at most; a shard that reaches its share starts afresh. The common words of a
    /// few languages fit in a few MB.
    const MAX_WORDS: usize = 16_384;

    /// Shards, each with its own lock.
    const SHARDS: usize = 16;

    /// The forms of `word` in `language`, normalised now if no thread has lately.
    fn word(&self, word: &str, language: Language) -> Arc<Word> {
        let shard = &self.shards[Self::shard_of(word)];
        // A panic elsewhere while holding the lock leaves a map that is still whole.
        let lock = || {
            shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let known = lock()
            .get(language.code)
            .and_then(|forms| forms.get(word))
            .cloned();
        if let Some(known) = known {
            return known;
        }
        // Normalised without the lock held, so other threads go on meanwhile.
        let normalised = Arc::new(Word::of(word, language));
        let mut shard = lock();
        let held: usize = shard.values().map(|forms| forms.len()).sum();
        if held >= Self::MAX_WORDS / Self::SHARDS {
            shard.clear();
        }
        shard
            .entry(language.code)
            .or_default()
            .insert(word.into(), Arc::clone(&normalised));
        normalised
    }

    /// Which shard holds `word`.
    fn shard_of(word: &str) -> usize {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::default().hash_one(word);
        (hash % Self::SHARDS as u64) as usize
    }
}

/// The forms of `word` in `language` (whole and, for a hyphenated or elided word, its parts),
/// as [`Tokens::field`] gives them: the search index's word ends are made of the same forms.
pub fn word_forms(word: &str, language: Language) -> Arc<Word> {
    RECENT_WORDS.word(word, language)
}

/// The forms of the parts of a word joined by hyphens or apostrophes; empty if it has one part.
fn joined_parts(word: &str, language: Language) -> Vec<Form> {
    if !word.contains(is_joiner) {
        return Vec::new();
    }
    word.split(is_joiner)
        .filter(|part| !part.is_empty())
        .map(|part| Form::of(part, language))
        .collect()
}

/// Case and diacritic folding: lower case, compatibility decomposition (ligatures, full-width
/// letters), combining marks dropped, and letters that do not decompose spelled out
/// (`ß` → `ss`, `æ` → `ae`, `ø` → `o`). NFC and NFD input fold alike.
pub fn fold(word: &str) -> String {
    // Most words of most news languages are plain ASCII: nothing to decompose.
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(word.len());
    for c in word.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' | 'ẞ' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            'þ' => folded.push_str("th"),
            'ø' => folded.push('o'),
            'ł' => folded.push('l'),
            'đ' | 'ð' => folded.push('d'),
            'ı' => folded.push('i'),
            other => folded.push(other),
        }
    }
    // Lower-casing can produce combining marks (`İ` → `i̇`); decompose once more to drop them.
    if folded.chars().any(is_combining_mark) {
        folded.retain(|c| !is_combining_mark(c));
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spellings with and without diacritics, in any case, fold to one form.
    #[test]
    fn folding_removes_case_and_diacritics() {
        let cases = [
            ("Geschäft", "geschaft"),
            ("Geschaft", "geschaft"),
            ("GESCHÄFT", "geschaft"),
            ("Gescha\u{308}ft", "geschaft"),
            ("Fußball", "fussball"),
            ("STRAẞE", "strasse"),
            ("élection", "election"),
            ("Ærø", "aero"),
            ("Łódź", "lodz"),
            ("ﬁnance", "finance"),
            ("Ёлка", "елка"),
        ];
        for (word, folded) in cases {
            assert_eq!(fold(word), folded, "{word}");
        }
    }

    /// Each supported language stems inflected forms of a word to the same stem.
    #[test]
    fn stemming_joins_inflected_forms_per_language() {
        let cases = [
            ("en", "sale", "sales"),
            ("en", "negotiation", "negotiations"),
            ("en", "missile", "missiles"),
            ("de", "Verkauf", "Verkäufe"),
            ("de", "Gespräch", "Gesprächen"),
            ("de", "Waffe", "Waffen"),
            ("fr", "négociation", "négociations"),
            ("fr", "arme", "armes"),
            ("es", "negociación", "negociaciones"),
            ("es", "venta", "ventas"),
            ("it", "vendita", "vendite"),
            ("nl", "onderhandeling", "onderhandelingen"),
            ("nl", "verkoop", "verkopen"),
            ("pt", "negociação", "negociações"),
            ("ru", "оружие", "оружия"),
            ("ru", "переговоры", "переговорах"),
            ("sv", "vapen", "vapens"),
            ("sv", "förhandling", "förhandlingar"),
        ];
        for (code, word, inflected) in cases {
            let language = Language::from_code(code);
            assert_eq!(
                Form::of(word, language).stem,
                Form::of(inflected, language).stem,
                "{code}: {word} / {inflected}"
            );
        }
    }

    /// Without a known language words are only folded, never stemmed.
    #[test]
    fn unknown_language_only_folds() {
        let form = Form::of("Verkäufe", Language::from_code("xx"));
        assert_eq!(form.stem, "verkaufe");
        assert_eq!(form.folded, "verkaufe");
        assert_eq!(Language::from_code("deu"), Language::from_code("DE"));
    }

    /// Tokens keep position, offset and the original word, and hyphenated words their parts.
    #[test]
    fn tokens_keep_position_original_and_parts() {
        let mut table = Tokens::default();
        let tokens = table.field("Die Wagner-Gruppe, l'arme.", Language::from_code("de"));
        let word = |token: &Token| &table.words[token.word as usize];
        let originals: Vec<&str> = tokens.iter().map(|t| word(t).text.as_str()).collect();
        assert_eq!(originals, ["Die", "Wagner-Gruppe", "l'arme"]);
        assert_eq!(tokens[1].position, 1);
        assert_eq!(tokens[1].offset, 4);
        assert_eq!(word(&tokens[1]).parts.len(), 2);
        assert_eq!(word(&tokens[1]).parts[1].folded, "gruppe");
        assert!(word(&tokens[0]).parts.is_empty());
    }

    /// A word that repeats, in one field or across fields, is one entry of the table.
    #[test]
    fn repeated_words_share_one_entry() {
        let mut table = Tokens::default();
        let language = Language::from_code("en");
        let title = table.field("Summit talks", language);
        let body = table.field("The summit: talks, talks and Talks.", language);
        assert_eq!(table.words.len(), 6);
        assert_eq!(title[1].word, body[2].word);
        assert_eq!(body[2].word, body[3].word);
        assert_ne!(body[3].word, body[5].word);
        assert_eq!((body[3].position, body[3].offset), (3, 19));
    }

    /// The recent words are kept per language: the same spelling met in two languages gets
    /// each language's stem, also when another article met it first, and always the forms
    /// `Word::of` makes.
    #[test]
    fn recent_words_keep_each_language_apart() {
        let (german, english) = (Language::from_code("de"), Language::from_code("en"));
        for (language, other) in [(german, english), (english, german)] {
            let mut first = Tokens::default();
            first.field("Kaufen kaufen", other);
            let mut table = Tokens::default();
            table.field("Kaufen", language);
            assert_eq!(*table.words[0], Word::of("Kaufen", language));
        }
        assert_ne!(
            Word::of("Kaufen", german).form.stem,
            Word::of("Kaufen", english).form.stem
        );
        assert_eq!(
            *word_forms("Waffen-Deal", german),
            Word::of("Waffen-Deal", german)
        );
    }
}
