//! The story index: the fingerprints of a recent window in LSH band tables, so that finding the
//! story a new article belongs to compares it with the few articles that share a band with it,
//! not with every article, and costs about the same however many the window holds.
//!
//! # Layout
//! - Entries live in fixed-size chunks of slots, reused through a free list: growing never
//!   copies or doubles the whole store, and a slot's number (`u32`) is all a table holds.
//! - One hash table per band maps the low 32 bits of the band key to a slot, or, when several
//!   entries share the key (copies of one story do), to a small list of slots. 32 bits are
//!   enough because every candidate is compared before it is believed: a truncated key that
//!   collides only costs one comparison (with 1,000,000 entries about one lookup in a hundred
//!   meets one), and it halves every table cell (8 bytes instead of 16 with padding), the
//!   largest part of the memory.
//! - Time buckets (a fraction of the window each) list the slots seen in them, so pruning drops
//!   whole buckets and scans only the one on the boundary; entries may arrive in any order.
//!
//! # Cost
//! A lookup hashes the new fingerprint's band keys and compares the few entries they lead to,
//! so a larger index costs more cache misses, not more work; an insert is as cheap, so the
//! index is rebuilt from the stored fingerprints at startup rather than kept on disk. An
//! article holds a slot with its signature, one table cell per band (at hashbrown's load
//! factor), its share of the lists of shared keys and an entry of the article map.
//! `cargo bench --bench dedup` measures lookups, inserts and bytes per article; README's
//! Performance section has the figures.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::fingerprint::{BANDS, Fingerprint, SAME_STORY};

/// The story an article joins: the indexed article most like it, and how alike they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The indexed article that matched, to record which copy the new one was taken for.
    pub article_id: i64,
    /// The story of that article, which the new article joins.
    pub story_id: i64,
    /// Estimated Jaccard similarity, at least [`SAME_STORY`]; kept for logs and explanations.
    pub similarity: f64,
}

/// Recent articles' fingerprints, searchable by similarity in time independent of their number.
/// Rebuilt at startup from the stored fingerprints of the window; pure and single-threaded.
pub struct StoryIndex {
    /// How long an article stays findable: copies of a story appear within hours or days, and
    /// the window bounds memory.
    window_secs: i64,
    /// Width of one time bucket: a fraction of the window, so a prune scans at most about
    /// 1/[`TIME_BUCKETS`] of the entries that stay.
    bucket_secs: i64,
    /// Entry storage in chunks of [`CHUNK`] slots; a slot number is `chunk * CHUNK + offset`.
    chunks: Vec<Vec<Slot>>,
    /// Slots freed by pruning or replacement, reused before the store grows.
    free: Vec<u32>,
    /// Slot of each indexed article, so re-inserting an article replaces it.
    by_article: HashMap<i64, u32, Mixed>,
    /// One table per band: low 32 bits of the band key → a slot, or (with [`LIST`] set) the
    /// index of a list in `lists`.
    bands: Vec<HashMap<u32, u32, Mixed>>,
    /// Slot lists of band keys that several entries share.
    lists: Vec<Vec<u32>>,
    /// Emptied entries of `lists`, reused first.
    free_lists: Vec<u32>,
    /// Time bucket (`seen_at` divided by `bucket_secs`) → the slots inserted into it, with the
    /// slot's generation then, so that entries removed since are recognised and skipped.
    by_time: BTreeMap<i64, Vec<(u32, u32)>>,
}

/// Slots per chunk: small enough that an unfilled chunk wastes little, large enough that the
/// chunk list stays short.
const CHUNK: usize = 1024;

/// Time buckets per window.
const TIME_BUCKETS: i64 = 64;

/// Marks a band-table value as a list index rather than a slot number; slot numbers stay
/// below it (2³¹ entries would take terabytes).
const LIST: u32 = 1 << 31;

/// One indexed article.
struct Slot {
    fingerprint: Fingerprint,
    article_id: i64,
    story_id: i64,
    seen_at: i64,
    /// Bumped whenever the slot is freed, so time-bucket entries that refer to an earlier
    /// occupant are recognised as stale.
    generation: u32,
    /// Whether the slot holds an entry (false while on the free list).
    live: bool,
}

impl StoryIndex {
    /// An empty index keeping articles for `window_secs` after they were seen.
    pub fn new(window_secs: i64) -> StoryIndex {
        StoryIndex {
            window_secs: window_secs.max(0),
            bucket_secs: (window_secs / TIME_BUCKETS).max(1),
            chunks: Vec::new(),
            free: Vec::new(),
            by_article: HashMap::default(),
            bands: (0..BANDS).map(|_| HashMap::default()).collect(),
            lists: Vec::new(),
            free_lists: Vec::new(),
            by_time: BTreeMap::new(),
        }
    }

    /// The indexed article most similar to `fp`, if it reaches [`SAME_STORY`]: the story a new
    /// article joins. Only articles sharing at least one band key with `fp` are compared, each
    /// once; among equally similar ones the lowest article id wins, so the answer does not
    /// depend on insertion history.
    pub fn find(&self, fp: &Fingerprint) -> Option<Match> {
        let mut candidates: Vec<u32> = Vec::new();
        for (band, table) in self.bands.iter().enumerate() {
            match table.get(&(fp.band_key(band) as u32)) {
                Some(&value) if value & LIST != 0 => {
                    candidates.extend_from_slice(&self.lists[(value & !LIST) as usize]);
                }
                Some(&slot) => candidates.push(slot),
                None => {}
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<Match> = None;
        for slot in candidates {
            let entry = self.slot(slot);
            let similarity = entry.fingerprint.similarity(fp);
            let better = match &best {
                None => true,
                Some(b) => {
                    similarity > b.similarity
                        || (similarity == b.similarity && entry.article_id < b.article_id)
                }
            };
            if similarity >= SAME_STORY && better {
                best = Some(Match {
                    article_id: entry.article_id,
                    story_id: entry.story_id,
                    similarity,
                });
            }
        }
        best
    }

    /// Indexes an article as a member of `story_id`, seen at `seen_at` (unix seconds). An
    /// article already indexed is replaced: its text, story or time may have changed.
    pub fn insert(&mut self, article_id: i64, story_id: i64, fp: Fingerprint, seen_at: i64) {
        if let Some(slot) = self.by_article.remove(&article_id) {
            self.remove_slot(slot);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                let entry = self.slot_mut(slot);
                entry.fingerprint = fp;
                entry.article_id = article_id;
                entry.story_id = story_id;
                entry.seen_at = seen_at;
                entry.live = true;
                slot
            }
            None => {
                if self.chunks.last().is_none_or(|chunk| chunk.len() == CHUNK) {
                    self.chunks.push(Vec::with_capacity(CHUNK));
                }
                let slot = (self.chunks.len() - 1) * CHUNK + self.chunks.last().map_or(0, Vec::len);
                assert!(
                    slot < LIST as usize,
                    "story index is limited to 2^31 entries"
                );
                self.chunks.last_mut().expect("pushed above").push(Slot {
                    fingerprint: fp,
                    article_id,
                    story_id,
                    seen_at,
                    generation: 0,
                    live: true,
                });
                slot as u32
            }
        };
        self.by_article.insert(article_id, slot);
        let entry = self.slot(slot);
        let keys: [u32; BANDS] =
            std::array::from_fn(|band| entry.fingerprint.band_key(band) as u32);
        let generation = entry.generation;
        for (table, key) in self.bands.iter_mut().zip(keys) {
            add_to_band(table, &mut self.lists, &mut self.free_lists, key, slot);
        }
        self.by_time
            .entry(seen_at.div_euclid(self.bucket_secs))
            .or_default()
            .push((slot, generation));
    }

    /// Drops the articles seen before `now - window_secs`, so memory stays bounded by what the
    /// window holds. Costs the number of entries dropped plus one time bucket's scan; call it as
    /// often as convenient (say once per feed refresh).
    pub fn prune(&mut self, now: i64) {
        let cutoff = now.saturating_sub(self.window_secs);
        while let Some(entry) = self.by_time.first_entry() {
            let bucket = *entry.key();
            let bucket_start = bucket.saturating_mul(self.bucket_secs);
            if bucket_start >= cutoff {
                break;
            }
            let whole = bucket_start.saturating_add(self.bucket_secs) <= cutoff;
            let items = entry.remove();
            let mut kept = Vec::new();
            for (slot, generation) in items {
                let current = self.slot(slot);
                if !current.live || current.generation != generation {
                    continue;
                }
                if whole || current.seen_at < cutoff {
                    let article_id = current.article_id;
                    self.by_article.remove(&article_id);
                    self.remove_slot(slot);
                } else {
                    kept.push((slot, generation));
                }
            }
            if !whole {
                if !kept.is_empty() {
                    self.by_time.insert(bucket, kept);
                }
                break;
            }
        }
    }

    /// Number of indexed articles, for the startup log and for sizing (with
    /// [`StoryIndex::approx_bytes`]).
    pub fn len(&self) -> usize {
        self.by_article.len()
    }

    /// Whether no article is indexed (a first start, or a window with nothing in it).
    pub fn is_empty(&self) -> bool {
        self.by_article.is_empty()
    }

    /// Approximate heap bytes held, for logging the index's size next to its entry count.
    /// Counts allocated capacity of every table (hash tables by their bucket count), not the
    /// allocator's own overhead. The bench compares it with a counting allocator.
    pub fn approx_bytes(&self) -> usize {
        fn table<K, V>(map: &HashMap<K, V, Mixed>) -> usize {
            if map.capacity() == 0 {
                return 0;
            }
            // hashbrown keeps at most 7/8 of its buckets full, and one control byte per
            // bucket (plus a group's worth).
            let buckets = (map.capacity() * 8 / 7).next_power_of_two();
            buckets * (size_of::<(K, V)>() + 1) + 16
        }
        let chunks = self.chunks.iter().map(|c| c.capacity()).sum::<usize>() * size_of::<Slot>();
        let lists = self.lists.iter().map(|l| l.capacity() * 4).sum::<usize>()
            + self.lists.capacity() * size_of::<Vec<u32>>();
        let time = self
            .by_time
            .values()
            .map(|v| v.capacity() * 8 + 64)
            .sum::<usize>();
        chunks
            + self.free.capacity() * 4
            + self.free_lists.capacity() * 4
            + table(&self.by_article)
            + self.bands.iter().map(table).sum::<usize>()
            + lists
            + time
    }

    fn slot(&self, slot: u32) -> &Slot {
        &self.chunks[slot as usize / CHUNK][slot as usize % CHUNK]
    }

    fn slot_mut(&mut self, slot: u32) -> &mut Slot {
        &mut self.chunks[slot as usize / CHUNK][slot as usize % CHUNK]
    }

    /// Unlinks a live slot from the band tables and frees it; the caller has already removed
    /// it from `by_article`.
    fn remove_slot(&mut self, slot: u32) {
        let entry = self.slot(slot);
        let keys: [u32; BANDS] =
            std::array::from_fn(|band| entry.fingerprint.band_key(band) as u32);
        for (table, key) in self.bands.iter_mut().zip(keys) {
            remove_from_band(table, &mut self.lists, &mut self.free_lists, key, slot);
        }
        let entry = self.slot_mut(slot);
        entry.live = false;
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(slot);
    }
}

/// Adds `slot` under `key` in one band table, turning a single slot into a list when the key
/// is shared.
fn add_to_band(
    table: &mut HashMap<u32, u32, Mixed>,
    lists: &mut Vec<Vec<u32>>,
    free_lists: &mut Vec<u32>,
    key: u32,
    slot: u32,
) {
    let value = table.entry(key).or_insert(slot);
    if *value == slot {
        return;
    }
    if *value & LIST != 0 {
        lists[(*value & !LIST) as usize].push(slot);
        return;
    }
    let list = match free_lists.pop() {
        Some(index) => {
            lists[index as usize].extend([*value, slot]);
            index
        }
        None => {
            lists.push(vec![*value, slot]);
            (lists.len() - 1) as u32
        }
    };
    *value = list | LIST;
}

/// Removes `slot` from under `key` in one band table, turning a list of one back into a slot.
fn remove_from_band(
    table: &mut HashMap<u32, u32, Mixed>,
    lists: &mut [Vec<u32>],
    free_lists: &mut Vec<u32>,
    key: u32,
    slot: u32,
) {
    let Some(value) = table.get_mut(&key) else {
        return;
    };
    if *value & LIST == 0 {
        if *value == slot {
            table.remove(&key);
        }
        return;
    }
    let index = (*value & !LIST) as usize;
    let list = &mut lists[index];
    if let Some(at) = list.iter().position(|&s| s == slot) {
        list.swap_remove(at);
    }
    if list.len() == 1 {
        *value = list[0];
        list.clear();
        list.shrink_to(4);
        free_lists.push(index as u32);
    }
}

/// The hasher of the index's tables: band keys are already hashes and article ids are small
/// integers, so one multiply-xorshift round (instead of SipHash) spreads them over the bucket
/// index and hashbrown's 7-bit tags.
type Mixed = BuildHasherDefault<MixHasher>;

/// See [`Mixed`]. Only integer keys are hashed with it.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^ (x >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 ^= u64::from(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.0 ^= n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::fingerprint::HASHES;

    /// A fingerprint with hashes `seed*1000 + i` (mod 2¹⁶, so seeds below 8192 share no
    /// hash), of which the first `changed` are replaced, so two of them with one seed have
    /// similarity `1 - changed/128` (exactly).
    fn fp(seed: u32, changed: usize) -> Fingerprint {
        let mut bytes = vec![crate::dedup::fingerprint::FORMAT_VERSION];
        for i in 0..HASHES as u32 {
            let hash = if (i as usize) < changed {
                u32::MAX - i
            } else {
                seed * 1000 + i
            };
            bytes.extend_from_slice(&(hash as u16).to_le_bytes());
        }
        Fingerprint::from_bytes(&bytes).unwrap()
    }

    /// A copy finds the story of its original; an unrelated text finds nothing.
    #[test]
    fn find_returns_the_story_of_a_near_copy() {
        let mut index = StoryIndex::new(86_400);
        index.insert(1, 10, fp(1, 0), 1000);
        index.insert(2, 20, fp(2, 0), 1000);
        let found = index
            .find(&fp(1, 30))
            .expect("a copy differing in 30 of 128 hashes");
        assert_eq!((found.article_id, found.story_id), (1, 10));
        assert!((found.similarity - 98.0 / 128.0).abs() < 1e-9);
        assert_eq!(index.find(&fp(3, 0)), None);
        assert_eq!(index.len(), 2);
    }

    /// Below the threshold is a different story, even when a band agrees.
    #[test]
    fn find_ignores_candidates_below_the_threshold() {
        let mut index = StoryIndex::new(86_400);
        index.insert(1, 10, fp(1, 0), 1000);
        let distant = fp(1, 100); // 28 of 128 equal: 0.22
        assert!(distant.similarity(&fp(1, 0)) < SAME_STORY);
        assert_eq!(index.find(&distant), None);
    }

    /// Several copies share band keys; the most similar one is the answer.
    #[test]
    fn find_prefers_the_most_similar_of_several() {
        let mut index = StoryIndex::new(86_400);
        index.insert(1, 10, fp(1, 40), 1000);
        index.insert(2, 10, fp(1, 10), 1000);
        index.insert(3, 30, fp(1, 60), 1000);
        let found = index.find(&fp(1, 0)).unwrap();
        assert_eq!(found.article_id, 2);
    }

    /// Re-inserting an article replaces it: the old fingerprint must no longer be found, or a
    /// corrected text would keep matching as its old self.
    #[test]
    fn insert_replaces_an_article() {
        let mut index = StoryIndex::new(86_400);
        index.insert(1, 10, fp(1, 0), 1000);
        index.insert(1, 11, fp(2, 0), 1001);
        assert_eq!(index.len(), 1);
        assert_eq!(index.find(&fp(1, 0)), None);
        assert_eq!(index.find(&fp(2, 0)).unwrap().story_id, 11);
        // The replaced entry's old time bucket must not drop the new one early.
        index.prune(1000 + 86_400 + 1);
        assert_eq!(index.len(), 1);
    }

    /// Pruning drops exactly what left the window, also when articles arrived out of order,
    /// and leaves the survivors findable.
    #[test]
    fn prune_drops_entries_older_than_the_window() {
        let window = 6400;
        let mut index = StoryIndex::new(window);
        for (article, seen_at) in [(1, 5000), (2, 1000), (3, 3000), (4, 2999), (5, 9000)] {
            index.insert(article, article, fp(article as u32, 0), seen_at);
        }
        index.prune(3000 + window);
        assert_eq!(index.len(), 3);
        for (article, kept) in [(1, true), (2, false), (3, true), (4, false), (5, true)] {
            assert_eq!(
                index.find(&fp(article as u32, 0)).is_some(),
                kept,
                "article {article}"
            );
        }
        index.prune(i64::MAX);
        assert!(index.is_empty());
        assert!(index.by_time.is_empty());
        assert!(index.bands.iter().all(HashMap::is_empty));
    }

    /// Slots, lists and tables are reused, so an index whose window slides keeps its size.
    #[test]
    fn memory_is_reused_as_the_window_slides() {
        let mut index = StoryIndex::new(100);
        for round in 0..20i64 {
            for i in 0..200i64 {
                let article = round * 200 + i;
                // Pairs of copies, so band lists are made and freed too.
                index.insert(
                    article,
                    article / 2,
                    fp((article / 2) as u32, (article % 2) as usize),
                    round * 100,
                );
            }
            index.prune(round * 100 + 50);
            assert_eq!(index.len(), 200);
        }
        assert_eq!(index.chunks.len(), 1, "slots are reused");
        // Two rounds are live at the peak (before the prune), each with 100 pairs sharing 41 keys.
        assert!(index.lists.len() <= 2 * 100 * BANDS, "lists are reused");
    }
}
