//! The language-independent half of the topic index: every distinct query word of all topics
//! (a key), what each topic needs of an article in terms of keys, and which keys are enough to
//! make a topic worth evaluating.

use std::collections::HashMap;

use crate::matcher::eval::other_spellings;
use crate::matcher::query::Query;
use crate::matcher::words::spellings;

/// How an article word is compared with a key's word; the same word written as a term and
/// inside a phrase is two keys, because a phrase word matches fewer article words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A phrase word or a piece of a hyphenated one: stem- or fold-equal to an article *unit*
    /// (a word, or a piece of a hyphenated one; see `Word::units`).
    Whole,
    /// A term: like a phrase word, or a part of a hyphenated word, or the first or last part
    /// of a compound in compounding languages.
    Term,
    /// A `prefix*`: the start of an article word or of one of its parts.
    Prefix,
}

impl Kind {
    /// The term kind for a word written with (`prefix`) or without `*`.
    pub(super) fn of_term(prefix: bool) -> Kind {
        if prefix { Kind::Prefix } else { Kind::Term }
    }

    fn slot(self) -> usize {
        match self {
            Kind::Whole => 0,
            Kind::Term => 1,
            Kind::Prefix => 2,
        }
    }
}

/// One distinct query word of all topics, with how it is compared.
#[derive(Debug)]
pub(super) struct Key {
    /// The word as written in the query; stemmed per article language by the language index.
    pub(super) word: String,
    /// How article words are compared with it.
    pub(super) kind: Kind,
}

/// A query with positions, distances and fields dropped: which keys must match somewhere in the
/// article for the query to have a chance. Cheap to check for every candidate topic.
#[derive(Debug)]
enum Need {
    /// The key must match some article word.
    Key(usize),
    /// Every part must be possible (`AND`, both sides of `NEAR`, the words of a phrase).
    All(Vec<Need>),
    /// Some part must be possible (`OR`).
    Any(Vec<Need>),
    /// Nothing can be ruled out from words alone (`NOT`).
    Anything,
}

/// Keys, needs and required keys of all topics, indexed like the topics.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Every distinct (word, kind) of all queries; a key's id is its index.
    keys: Vec<Key>,
    /// Key id by word, one map per kind, so query leaves find their key without allocating.
    ids: [HashMap<String, usize>; 3],
    /// Per topic, what it needs of an article.
    needs: Vec<Need>,
    /// Per key, the topics for which it is one of the required keys: the key matching is what
    /// makes them candidates.
    triggers: Vec<Vec<usize>>,
    /// Topics without required keys, evaluated for every article (the parser refuses purely
    /// negative queries, so normally none).
    always: Vec<usize>,
}

impl Plan {
    /// The plan for `queries`, topic by topic.
    pub(super) fn new<'q>(queries: impl IntoIterator<Item = &'q Query>) -> Plan {
        let mut plan = Plan::default();
        for query in queries {
            let need = plan.need(query);
            plan.needs.push(need);
        }
        let required: Vec<Option<Vec<usize>>> =
            plan.needs.iter().map(|need| plan.required(need)).collect();
        plan.triggers = vec![Vec::new(); plan.keys.len()];
        for (topic, keys) in required.into_iter().enumerate() {
            match keys {
                Some(keys) => keys
                    .into_iter()
                    .for_each(|key| plan.triggers[key].push(topic)),
                None => plan.always.push(topic),
            }
        }
        plan
    }

    /// Every key; its id is its index.
    pub(super) fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The id of the key for `word` compared as `kind`, if some query has it.
    pub(super) fn id(&self, word: &str, kind: Kind) -> Option<usize> {
        self.ids[kind.slot()].get(word).copied()
    }

    /// The topics worth evaluating when exactly the keys `matched` (ascending, distinct) match
    /// some article word: those with a required key among them, and those always evaluated.
    /// Ascending and distinct.
    pub(super) fn candidates(&self, matched: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut topics = self.always.clone();
        for key in matched {
            topics.extend_from_slice(&self.triggers[key]);
        }
        topics.sort_unstable();
        topics.dedup();
        topics
    }

    /// Whether `topic` can match an article in which a key matches some word exactly when
    /// `matched(key)`; `false` rules the topic out without evaluating it.
    pub(super) fn may_match(&self, topic: usize, matched: &impl Fn(usize) -> bool) -> bool {
        self.needs
            .get(topic)
            .is_none_or(|need| possible(need, matched))
    }

    fn intern(&mut self, word: &str, kind: Kind) -> usize {
        if let Some(id) = self.id(word, kind) {
            return id;
        }
        let id = self.keys.len();
        self.keys.push(Key {
            word: word.to_owned(),
            kind,
        });
        self.ids[kind.slot()].insert(word.to_owned(), id);
        id
    }

    fn need(&mut self, query: &Query) -> Need {
        match query {
            Query::Term {
                word,
                prefix,
                field,
            } => {
                let written = Need::Key(self.intern(word, Kind::of_term(*prefix)));
                let others = other_spellings(word, *prefix, *field);
                if others.is_empty() {
                    return written;
                }
                let others = others.iter().map(|other| self.need(other));
                Need::Any(std::iter::once(written).chain(others).collect())
            }
            Query::Phrase { words, .. } => Need::All(
                words
                    .iter()
                    .map(|word| self.phrase_word_need(word))
                    .collect(),
            ),
            Query::And(parts) => Need::All(parts.iter().map(|part| self.need(part)).collect()),
            Query::Or(parts) => Need::Any(parts.iter().map(|part| self.need(part)).collect()),
            Query::Near { left, right, .. } => Need::All(vec![self.need(left), self.need(right)]),
            Query::Not(_) => Need::Anything,
        }
    }

    /// A phrase word needs every unit of one of its spellings (see [`spellings`]): `Nord-Stream`
    /// the keys `Nord` and `Stream`, or `Nordstream`.
    fn phrase_word_need(&mut self, word: &str) -> Need {
        let spellings: Vec<Need> =
            spellings(word, |unit| Need::Key(self.intern(unit, Kind::Whole)))
                .into_iter()
                .map(|keys| one_or(keys, Need::All))
                .collect();
        one_or(spellings, Need::Any)
    }

    /// Keys of which at least one matches some article word whenever the query matches; `None`
    /// when there are none (a `NOT` alone, or an `OR` with such an alternative). Of the parts
    /// that all must match, the cheapest set is taken: few keys, long words.
    fn required(&self, need: &Need) -> Option<Vec<usize>> {
        match need {
            Need::Key(key) => Some(vec![*key]),
            Need::All(parts) => parts
                .iter()
                .filter_map(|part| self.required(part))
                .min_by_key(|keys| self.cost(keys)),
            Need::Any(parts) => {
                let mut keys = Vec::new();
                for part in parts {
                    keys.extend(self.required(part)?);
                }
                keys.sort_unstable();
                keys.dedup();
                Some(keys)
            }
            Need::Anything => None,
        }
    }

    /// How often a set of keys is expected to make a topic a candidate needlessly: each key
    /// counts, short words and prefixes more (they match more words).
    fn cost(&self, keys: &[usize]) -> usize {
        keys.iter()
            .map(|&key| {
                let key = &self.keys[key];
                let weight = if key.kind == Kind::Prefix { 2400 } else { 1200 };
                weight / (key.word.chars().count() + 1)
            })
            .sum()
    }
}

/// The only need of `needs`, or `join` of them all.
fn one_or(mut needs: Vec<Need>, join: fn(Vec<Need>) -> Need) -> Need {
    if needs.len() == 1 {
        needs.pop().expect("the one need is there")
    } else {
        join(needs)
    }
}

fn possible(need: &Need, matched: &impl Fn(usize) -> bool) -> bool {
    match need {
        Need::Key(key) => matched(*key),
        Need::All(parts) => parts.iter().all(|part| possible(part, matched)),
        Need::Any(parts) => parts.iter().any(|part| possible(part, matched)),
        Need::Anything => true,
    }
}
