//! MinHash fingerprints of article texts: what lets copies of one story find each other.
//!
//! # Method
//! A text becomes the set of its *shingles*, every run of [`SHINGLE_WORDS`] consecutive words
//! (split like the matcher splits, [`split_words`], then case- and diacritic-folded with
//! [`fold`]). The share of shingles two texts have in common (their Jaccard similarity) is high
//! for copies of one text, whatever furniture, teasers or small edits each site adds, and low for
//! two texts written independently, even about the same event with the same names and numbers.
//!
//! A [`Fingerprint`] keeps [`HASHES`] numbers instead of the set: for each of [`HASHES`] seeded
//! hash functions, the smallest value over all shingles (its low 16 bits). Two texts have the
//! same minimum for one function with probability equal to their Jaccard similarity, so the
//! share of equal positions ([`Fingerprint::similarity`]) estimates it (standard error at most
//! 0.044 with 128 hashes).
//! Grouping the positions into [`BANDS`] bands of [`ROWS`] makes keys
//! ([`Fingerprint::band_keys`]) that two fingerprints share when one whole band agrees: the story
//! index looks texts up by these keys and compares only the few that share one (LSH).
//!
//! # Choices
//! Made on the quality set of `tests/it/dedup_quality.rs`: real articles from the repository,
//! copies of them made the way sites copy (furniture, teasers, moved, added or removed
//! paragraphs, light edits, new titles, pairs of these), and as different stories every other
//! pair of articles, with same-subject pairs, an independently worded report of one event and a
//! translation among them, and each pair again with the same site furniture on both sides.
//! `cargo test --test it dedup_quality -- --nocapture` prints the similarities the set gives
//! now; README's Performance section keeps the figures the choices were made on.
//!
//! - [`SHINGLE_WORDS`] = 3: of 3, 4 and 5 words, 3 keeps the widest worst-case gap between the
//!   least similar copy and the most similar different stories (the same furniture added to
//!   both). Every edited word breaks `SHINGLE_WORDS` shingles, so longer shingles make copies
//!   look less alike; two words make common phrases shingles, so unrelated texts look alike.
//! - [`SAME_STORY`] = 0.35, in that gap: see its doc.
//! - [`BANDS`] × [`ROWS`] = 42 × 3 (126 of the 128 hashes), so that the threshold, not the
//!   band layout, decides: a pair becomes a candidate with probability 1 − (1 − J³)⁴², which is
//!   0.84 at J = 0.35, 0.94 at 0.40 and 0.996 at 0.50. With 32 × 4 (the layout first planned)
//!   it is 0.38, 0.56 and 0.87: copies between the threshold and 0.5 would be found or lost by
//!   chance, and on the set 32 × 4 did lose copies once shingles were longer than 3 words. The
//!   cost: ten more band tables in the index and more candidates to compare and reject (pairs
//!   of different stories with the same site furniture share a band more often).
//!
//! # Limits
//! Scripts written without spaces (Chinese, Japanese) split into clause-long "words", so their
//! texts have few shingles (short ones get no fingerprint) and one edited character breaks a
//! whole clause; they would need character shingles. Texts in two languages never match, by
//! design: a translation is another article for its readers.
//!
//! # Cost
//! One pass over the text's words, and per shingle one hash for each of the [`HASHES`]
//! functions: a small fraction of extracting the page (`cargo bench --bench dedup` measures it
//! as `fingerprint/of_text`).
//!
//! # Stability
//! Word hashing, shingle hashing and the MinHash functions are fixed functions of the text (no
//! random state), so a fingerprint computed today equals one computed on another machine or
//! after a restart, and fingerprints can be stored ([`Fingerprint::to_bytes`]). Anything that
//! changes them (the normalisation, the shingle size, the seeds) must bump [`FORMAT_VERSION`].

use std::fmt;

use crate::matcher::{fold, split_words};

/// Hash functions per fingerprint. 128 give a similarity estimate within ±0.09 (two standard
/// errors) near the threshold while a signature stays 256 bytes.
pub const HASHES: usize = 128;

/// Words per shingle; chosen on the quality set, see the module docs.
pub const SHINGLE_WORDS: usize = 3;

/// Texts with fewer shingles than this get no fingerprint. Short texts are captions, teasers or
/// failed extractions whose words are mostly page furniture, and the fewer shingles a text has,
/// the less shared furniture it takes to make two different ones look like one story: with one
/// unbroken 60-word furniture run on both (the most the quality set adds), two different texts
/// of 60 shingles each estimate about 58 / (60 + 60 + 58) = 0.33, just under [`SAME_STORY`].
/// News briefs of 62 words and more still get a fingerprint.
pub const MIN_SHINGLES: usize = 60;

/// LSH bands: how many keys per fingerprint the index stores; chosen on the quality set, see
/// the module docs.
pub const BANDS: usize = 42;

/// Hashes per band. Fewer rows make a pair a candidate at lower similarity (more recall, more
/// candidates to compare); chosen on the quality set, see the module docs.
pub const ROWS: usize = 3;

// Every band takes its rows from the signature.
const _: () = assert!(BANDS * ROWS <= HASHES);

/// Estimated similarity at or above which two texts are one story.
///
/// On the quality set, the least similar copies estimate well above it and the most similar
/// different stories (the same furniture added to both) well below; independent reports of one
/// event and translations come out near 0. A false merge hides a story (an alert lost), which
/// is worse than a duplicate alert, so the threshold sits above the middle of that gap, more
/// standard errors of the estimate away from the different stories than from the copies
/// (README's Performance section has the figures).
pub const SAME_STORY: f64 = 0.35;

/// The first byte of [`Fingerprint::to_bytes`]; fingerprints of different versions are not
/// comparable.
pub const FORMAT_VERSION: u8 = 1;

/// Length of [`Fingerprint::to_bytes`]: the version byte and the hashes.
pub const ENCODED_LEN: usize = 1 + 2 * HASHES;

/// A text's MinHash signature: the fixed-size stand-in for its set of shingles, small enough to
/// keep tens of thousands in memory and to store beside each article.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The low 16 bits of the minimum of each hash function over the text's shingles
    /// ("b-bit minwise hashing", Li and König 2010): two different minima still agree with
    /// probability 2⁻¹⁶ only, which raises an estimate by at most 0.00002, and the signature
    /// takes half the memory and storage of 32-bit minima; memory is what bounds the index.
    hashes: [u16; HASHES],
}

impl Fingerprint {
    /// The fingerprint of an article's text, or `None` when it has fewer than [`MIN_SHINGLES`]
    /// shingles: too short to tell its story apart from page furniture.
    pub fn of_text(text: &str) -> Option<Fingerprint> {
        Fingerprint::of_words(split_words(text).map(|(_, word)| word))
    }

    /// [`Fingerprint::of_text`] of a text already split into `words` by [`split_words`]: the
    /// pipeline fingerprints the words the matcher split (issue 18), instead of splitting the
    /// text a second time.
    pub fn of_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<Fingerprint> {
        let mut minima = [u32::MAX; HASHES];
        let mut window = [0u64; SHINGLE_WORDS];
        let mut count = 0usize;
        for word in words {
            window[count % SHINGLE_WORDS] = word_hash(word);
            count += 1;
            if count >= SHINGLE_WORDS {
                let start = count % SHINGLE_WORDS;
                let mut shingle = SHINGLE_SEED;
                for k in 0..SHINGLE_WORDS {
                    shingle = mix64(shingle ^ window[(start + k) % SHINGLE_WORDS]);
                }
                add_shingle(&mut minima, shingle);
            }
        }
        let shingles = (count + 1).saturating_sub(SHINGLE_WORDS);
        (shingles >= MIN_SHINGLES).then(|| Fingerprint {
            hashes: minima.map(|min| min as u16),
        })
    }

    /// Estimated Jaccard similarity of the two texts' shingle sets: the share of equal hashes.
    /// Compare it with [`SAME_STORY`].
    pub fn similarity(&self, other: &Fingerprint) -> f64 {
        let equal = self
            .hashes
            .iter()
            .zip(&other.hashes)
            .filter(|(a, b)| a == b)
            .count();
        equal as f64 / HASHES as f64
    }

    /// One key per LSH band; two fingerprints share the key of band `b` exactly when all
    /// [`ROWS`] hashes of that band agree (up to 64-bit collisions). The band number is hashed
    /// in, so equal hashes in different bands make different keys.
    pub fn band_keys(&self) -> impl Iterator<Item = u64> + '_ {
        (0..BANDS).map(|band| self.band_key(band))
    }

    /// The key of one band (`band < BANDS`); see [`Fingerprint::band_keys`].
    pub fn band_key(&self, band: usize) -> u64 {
        let rows = &self.hashes[band * ROWS..(band + 1) * ROWS];
        let mut key = mix64(BAND_SEED ^ band as u64);
        for &row in rows {
            key = mix64(key ^ u64::from(row));
        }
        key
    }

    /// The hashes, for diagnostics and measurements (which hashes agree, band layouts).
    pub fn hashes(&self) -> &[u16; HASHES] {
        &self.hashes
    }

    /// The stored form, for an SQLite BLOB beside the article, so the index can be rebuilt at
    /// startup without the texts: [`ENCODED_LEN`] bytes, first [`FORMAT_VERSION`], then the
    /// [`HASHES`] hashes in order, each a `u16` in little-endian byte order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(ENCODED_LEN);
        bytes.push(FORMAT_VERSION);
        for hash in self.hashes {
            bytes.extend_from_slice(&hash.to_le_bytes());
        }
        bytes
    }

    /// Reads [`Fingerprint::to_bytes`]'s form. `None` when the length or the version differ: a
    /// fingerprint made by another version compares meaninglessly with today's, so the caller
    /// should recompute it from the text, or leave the article out of the index.
    pub fn from_bytes(bytes: &[u8]) -> Option<Fingerprint> {
        let (&version, rest) = bytes.split_first()?;
        if version != FORMAT_VERSION || rest.len() != 2 * HASHES {
            return None;
        }
        let mut hashes = [0u16; HASHES];
        for (hash, chunk) in hashes.iter_mut().zip(rest.chunks_exact(2)) {
            *hash = u16::from_le_bytes([chunk[0], chunk[1]]);
        }
        Some(Fingerprint { hashes })
    }
}

impl fmt::Debug for Fingerprint {
    /// The first hashes only: 128 numbers would drown any assertion message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Fingerprint({:04x} {:04x} {:04x} …)",
            self.hashes[0], self.hashes[1], self.hashes[2]
        )
    }
}

/// Folds the shingle hash into each of the [`HASHES`] minima. The i-th hash function is
/// Dietzfelbinger's multiply-add-shift, `(a_i·x + b_i) mod 2⁶⁴ >> 32` with odd random `a_i`:
/// the shingle hash `x` is already well mixed, so this is enough for minima that agree with
/// the Jaccard similarity (checked against exact Jaccard in the tests), at a multiply and an
/// add per function: 128 per shingle is where the time of [`Fingerprint::of_text`] goes.
fn add_shingle(hashes: &mut [u32; HASHES], shingle: u64) {
    for ((min, a), b) in hashes.iter_mut().zip(&MULTIPLIERS).zip(&ADDENDS) {
        let value = (a.wrapping_mul(shingle).wrapping_add(*b) >> 32) as u32;
        *min = (*min).min(value);
    }
}

/// The hash of a folded word. ASCII words are lower-cased on the fly (what [`fold`] does to
/// them, without its allocation); others go through [`fold`].
fn word_hash(word: &str) -> u64 {
    if word.is_ascii() {
        bytes_hash(word.bytes().map(|b| b.to_ascii_lowercase()))
    } else {
        bytes_hash(fold(word).bytes())
    }
}

/// FNV-1a over the bytes, finished with [`mix64`]: words are short, so a byte loop costs little,
/// and the finish spreads FNV's weak high bits.
fn bytes_hash(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(hash)
}

/// splitmix64's finaliser (Stafford's variant 13): a bijection on 64 bits whose every output
/// bit depends on every input bit. The one mixer of this module.
const fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Start of every shingle hash (any fixed value; part of the format).
const SHINGLE_SEED: u64 = 0x6e65_7773_686f_756e; // "newshoun"

/// Start of every band key, so band keys are unrelated to shingle hashes.
const BAND_SEED: u64 = 0x6261_6e64_6b65_7973; // "bandkeys"

/// `a_i` of the hash functions: odd numbers from a seeded splitmix64 sequence.
const MULTIPLIERS: [u64; HASHES] = seeded(0x6d75_6c74_6970_6c79, true);

/// `b_i` of the hash functions, from another seed.
const ADDENDS: [u64; HASHES] = seeded(0x6164_6465_6e64_7321, false);

/// [`HASHES`] numbers of the splitmix64 sequence started at `seed`, made odd if asked; computed
/// at compile time so the functions cannot change between runs.
const fn seeded(seed: u64, odd: bool) -> [u64; HASHES] {
    let mut out = [0u64; HASHES];
    let mut state = seed;
    let mut i = 0;
    while i < HASHES {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        out[i] = mix64(state) | odd as u64;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// A deterministic text of `n` words drawn from a vocabulary of `vocabulary` words.
    fn text(seed: u64, n: usize, vocabulary: u64) -> String {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = mix64(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
                format!("w{}", state % vocabulary)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The exact Jaccard similarity of two texts' shingle sets, folded as the fingerprint folds.
    fn exact_jaccard(a: &str, b: &str) -> f64 {
        fn shingles(text: &str) -> HashSet<Vec<String>> {
            let words: Vec<String> = split_words(text).map(|(_, w)| fold(w)).collect();
            words
                .windows(SHINGLE_WORDS)
                .map(<[String]>::to_vec)
                .collect()
        }
        let (a, b) = (shingles(a), shingles(b));
        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
    }

    /// The estimate is only useful if it tracks the real overlap across the whole range, so
    /// the hash family is checked against exact Jaccard on texts sharing 0-100% of their words.
    #[test]
    fn similarity_estimates_jaccard() {
        let mut errors = Vec::new();
        for seed in 0..40u64 {
            let base = text(seed, 400, 5000);
            let words: Vec<&str> = base.split(' ').collect();
            let keep = (seed as usize * 10) % 400;
            let other = format!(
                "{} {}",
                words[..keep].join(" "),
                text(seed + 1000, 400 - keep, 5000)
            );
            let (fa, fb) = (
                Fingerprint::of_text(&base).unwrap(),
                Fingerprint::of_text(&other).unwrap(),
            );
            errors.push(fa.similarity(&fb) - exact_jaccard(&base, &other));
        }
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        let worst = errors.iter().fold(0.0f64, |w, e| w.max(e.abs()));
        assert!(mean.abs() < 0.02, "biased estimate: mean error {mean}");
        assert!(worst < 0.15, "estimate off by {worst}");
    }

    /// Case, diacritics and punctuation are how sites differ in copying, not what they say.
    #[test]
    fn case_diacritics_and_punctuation_do_not_change_the_fingerprint() {
        let plain = text(7, 120, 300);
        let shouted: String = plain.to_uppercase().replace(' ', ", ");
        assert_eq!(Fingerprint::of_text(&plain), Fingerprint::of_text(&shouted));
        let a = "Die Außenminister der Länder trafen sich in Brüssel zu Gesprächen über die Lage. ";
        let b =
            "DIE AUSSENMINISTER DER LANDER TRAFEN SICH IN BRUSSEL ZU GESPRACHEN UBER DIE LAGE. ";
        assert_eq!(
            Fingerprint::of_text(&a.repeat(5)),
            Fingerprint::of_text(&b.repeat(5))
        );
    }

    /// Short texts are mostly furniture; they must not be merged into stories.
    #[test]
    fn short_texts_get_no_fingerprint() {
        let words = MIN_SHINGLES + SHINGLE_WORDS - 1;
        assert!(Fingerprint::of_text(&text(1, words - 1, 1000)).is_none());
        assert!(Fingerprint::of_text(&text(1, words, 1000)).is_some());
        assert!(Fingerprint::of_text("").is_none());
    }

    /// Stored fingerprints are compared with new ones years later, on other machines: the
    /// functions must never drift. These values pin them.
    #[test]
    fn fingerprints_are_stable() {
        let fp = Fingerprint::of_text(PINNED_TEXT).unwrap();
        let pinned = [fp.hashes[0], fp.hashes[1], fp.hashes[64], fp.hashes[127]];
        assert_eq!(
            pinned, PINNED,
            "fingerprints changed: bump FORMAT_VERSION, then re-pin"
        );
        assert_eq!(fp.band_key(0), PINNED_BAND_KEY, "band keys changed");
    }
    const PINNED_TEXT: &str = "Der nordkoreanische Machthaber Kim Jong-un will noch in diesem \
        Monat nach Russland reisen, um mit dem russischen Präsidenten Wladimir Putin über die \
        Möglichkeit zu sprechen, dass Pjöngjang Moskau mehr Waffen für den Krieg in der Ukraine \
        liefert, berichteten die US-Zeitungen „New York Times“ und „Washington Post“ am Montag \
        (04.09.2023). Nach Angaben der New York Times, die sich auf Beamte der USA und ihrer \
        Verbündeten beruft, will Putin, dass Nordkorea Russland Artillerie und \
        Panzerabwehrraketen verkauft, während Pjöngjang fortschrittliche Technologie für die \
        Herstellung von Satelliten und atomgetriebenen U-Booten sucht.";
    const PINNED: [u16; 4] = [28747, 24563, 53697, 13947];
    const PINNED_BAND_KEY: u64 = 0x051d_c8c9_c145_a493;

    /// The stored form reads back to the same fingerprint, and anything else is refused rather
    /// than misread.
    #[test]
    fn bytes_round_trip_and_reject_other_versions() {
        let fp = Fingerprint::of_text(&text(5, 300, 1000)).unwrap();
        let bytes = fp.to_bytes();
        assert_eq!(bytes.len(), ENCODED_LEN);
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(&bytes[1..3], &fp.hashes[0].to_le_bytes());
        assert_eq!(Fingerprint::from_bytes(&bytes), Some(fp));
        let mut other_version = bytes.clone();
        other_version[0] = FORMAT_VERSION + 1;
        assert_eq!(Fingerprint::from_bytes(&other_version), None);
        assert_eq!(Fingerprint::from_bytes(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Fingerprint::from_bytes(&[]), None);
    }

    /// Each band key must depend on its band number, or identical rows in two bands would
    /// collide and make spurious candidates.
    #[test]
    fn band_keys_differ_between_bands() {
        let fp = Fingerprint {
            hashes: [42; HASHES],
        };
        let keys: HashSet<u64> = fp.band_keys().collect();
        assert_eq!(keys.len(), BANDS);
    }
}
