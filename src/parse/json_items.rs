//! The items of a JSON Feed for the item cap ([`super::cap`]): the byte spans of the elements of
//! the root object's `items` array, with the date feed-rs would give each (`date_published`,
//! else `date_modified`). A byte-level walk that never recurses (deep nesting costs no stack)
//! and gives up on malformed JSON, which serde then refuses on its own.

use chrono::{DateTime, Utc};

use super::dates::parse_timestamp;

/// One element of the `items` array.
pub(super) struct JsonItem {
    /// Byte offset of its first byte.
    pub(super) start: usize,
    /// Byte offset just after its last byte.
    pub(super) end: usize,
    /// Its published date, else its updated date, as feed-rs would read them.
    pub(super) date: Option<DateTime<Utc>>,
}

/// Where the `items` array's brackets are.
pub(super) struct ItemsArray {
    /// Byte offset of the `[`.
    pub(super) open: usize,
    /// Byte offset of the `]`.
    pub(super) close: usize,
}

/// Calls `visit` with each element of the root object's `items` array, in order, and returns
/// where the array is; `None` when the document has no such array or is malformed before the
/// array ends.
pub(super) fn scan_json_items(doc: &[u8], mut visit: impl FnMut(JsonItem)) -> Option<ItemsArray> {
    let root = skip_whitespace(doc, 0);
    if doc.get(root) != Some(&b'{') {
        return None;
    }
    let mut found = None;
    members(doc, root, |key, value, _| {
        if found.is_none() && key == b"items" && doc[value] == b'[' {
            found = elements(doc, value, &mut visit);
        }
    })?;
    found
}

/// Walks the elements of the array opening at `open`; returns its brackets.
fn elements(doc: &[u8], open: usize, visit: &mut impl FnMut(JsonItem)) -> Option<ItemsArray> {
    let mut pos = skip_whitespace(doc, open + 1);
    if doc.get(pos) == Some(&b']') {
        return Some(ItemsArray { open, close: pos });
    }
    loop {
        let start = pos;
        let end = skip_value(doc, start)?;
        visit(JsonItem {
            start,
            end,
            date: item_date(doc, start),
        });
        pos = skip_whitespace(doc, end);
        match doc.get(pos)? {
            b',' => pos = skip_whitespace(doc, pos + 1),
            b']' => return Some(ItemsArray { open, close: pos }),
            _ => return None,
        }
    }
}

/// `date_published`, else `date_modified`, of the item at `start` (when it is an object); the
/// last of duplicate keys wins.
fn item_date(doc: &[u8], start: usize) -> Option<DateTime<Utc>> {
    if doc[start] != b'{' {
        return None;
    }
    let (mut published, mut modified) = (None, None);
    members(doc, start, |key, value, end| {
        let slot = match key {
            b"date_published" => &mut published,
            b"date_modified" => &mut modified,
            _ => return,
        };
        *slot = string_value(&doc[value..end]).and_then(|text| parse_timestamp(&text));
    });
    published.or(modified)
}

/// The text of a JSON string literal (quotes included in `raw`); `None` for other values.
fn string_value(raw: &[u8]) -> Option<String> {
    if raw.first() != Some(&b'"') {
        return None;
    }
    serde_json::from_slice(raw).ok()
}

/// Calls `visit(key, value_start, value_end)` for each member of the object opening at `open`
/// (keys as written, without their quotes); returns the offset after its `}`.
fn members(doc: &[u8], open: usize, mut visit: impl FnMut(&[u8], usize, usize)) -> Option<usize> {
    let mut pos = skip_whitespace(doc, open + 1);
    if doc.get(pos) == Some(&b'}') {
        return Some(pos + 1);
    }
    loop {
        if doc.get(pos) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(doc, pos)?;
        let colon = skip_whitespace(doc, key_end);
        if doc.get(colon) != Some(&b':') {
            return None;
        }
        let value = skip_whitespace(doc, colon + 1);
        let value_end = skip_value(doc, value)?;
        visit(&doc[pos + 1..key_end - 1], value, value_end);
        pos = skip_whitespace(doc, value_end);
        match doc.get(pos)? {
            b',' => pos = skip_whitespace(doc, pos + 1),
            b'}' => return Some(pos + 1),
            _ => return None,
        }
    }
}

/// The offset after the value starting at `start`, nested arrays and objects included, counted
/// rather than recursed into.
fn skip_value(doc: &[u8], start: usize) -> Option<usize> {
    match doc.get(start)? {
        b'"' => string_end(doc, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut pos = start;
            loop {
                match doc.get(pos)? {
                    b'"' => {
                        pos = string_end(doc, pos)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(pos + 1);
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
        }
        _ => {
            let len = doc[start..]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                .unwrap_or(doc.len() - start);
            (len > 0).then_some(start + len)
        }
    }
}

/// The offset after the string literal whose opening quote is at `open`.
fn string_end(doc: &[u8], open: usize) -> Option<usize> {
    let mut pos = open + 1;
    loop {
        let found = pos + memchr::memchr2(b'"', b'\\', &doc[pos..])?;
        if doc[found] == b'"' {
            return Some(found + 1);
        }
        pos = found + 2;
        if pos > doc.len() {
            return None;
        }
    }
}

/// The first offset from `pos` that is not JSON whitespace.
fn skip_whitespace(doc: &[u8], pos: usize) -> usize {
    pos + doc
        .get(pos..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item as (span text, date), for comparing.
    type Shown = (String, Option<String>);

    /// The items of `doc`, and the array with its brackets.
    fn items_of(doc: &str) -> Option<(Vec<Shown>, String)> {
        let mut items = Vec::new();
        let array = scan_json_items(doc.as_bytes(), |item| {
            items.push((
                doc[item.start..item.end].to_string(),
                item.date.map(|d| d.to_rfc3339()),
            ));
        })?;
        Some((items, doc[array.open..=array.close].to_string()))
    }

    /// Only the root's `items` elements are items, with feed-rs's dates; nested arrays,
    /// strings holding brackets and quotes, and other keys named `items` do not confuse it.
    #[test]
    fn items_of_the_root_array_are_found_with_their_dates() {
        let doc = r#"{"version":"https://jsonfeed.org/version/1.1","x":{"items":[1,2]},
            "items": [ {"id":"a","title":"[{\"}","date_modified":"2024-01-02T00:00:00Z"},
            {"id":"b","date_published":"2024-01-01T00:00:00Z","date_modified":"2024-01-03T00:00:00Z","tags":[["x"]]},
            {"id":"c","date_published":null} ] }"#;
        let (items, array) = items_of(doc).expect("an items array");
        let dates: Vec<Option<&str>> = items.iter().map(|(_, d)| d.as_deref()).collect();
        assert_eq!(
            dates,
            [
                Some("2024-01-02T00:00:00+00:00"),
                Some("2024-01-01T00:00:00+00:00"),
                None
            ]
        );
        assert!(items[0].0.starts_with(r#"{"id":"a""#) && items[0].0.ends_with('}'));
        assert!(array.starts_with('[') && array.ends_with(']'));
        assert_eq!(items_of(r#"{"items":[]}"#).map(|(i, _)| i.len()), Some(0));
    }

    /// Malformed or foreign JSON gives no array and no panic; deep nesting costs no stack.
    #[test]
    fn malformed_json_gives_up() {
        for doc in [
            "",
            "[1,2]",
            r#"{"items":[{"id":"a"}"#,
            r#"{"items":[{"id":"a"} {"id":"b"}]}"#,
            r#"{"items":[{"id":"a\"}]}"#,
            r#"{"items" [1]}"#,
        ] {
            assert!(items_of(doc).is_none(), "{doc}");
        }
        let deep = format!(
            r#"{{"items":[{}{}]}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(items_of(&deep).map(|(i, _)| i.len()), Some(1));
    }
}
