//! JSON-LD: the headline, author, dates and articleBody of a page's `application/ld+json`
//! scripts, read by a tolerant scanner rather than serde_json: JSON-LD in the wild is often not
//! valid JSON (raw line breaks inside strings, trailing commas, several objects in one script),
//! which a strict parser rejects whole, and a handful of keys need no document model.

use super::blocks::{non_empty, normalise_space};

/// The text of the page's `application/ld+json` scripts.
pub(super) struct JsonLd {
    /// One entry per script.
    scripts: Vec<String>,
}

impl JsonLd {
    /// The page's JSON-LD scripts, as the metadata scan found them.
    pub(super) fn new(scripts: Vec<String>) -> Self {
        JsonLd { scripts }
    }

    /// The first string value of `key` in any script, entity-decoded and whitespace-normalised.
    pub(super) fn string(&self, key: &str) -> Option<String> {
        self.scripts.iter().find_map(|json| {
            let value = json_value_after(json, key)?;
            json_string(value).and_then(clean_json_text)
        })
    }

    /// The author name(s): a string, an object's `name`, or the names in an array, comma-joined.
    pub(super) fn author(&self) -> Option<String> {
        self.scripts.iter().find_map(|json| {
            let value = json_value_after(json, "author")?;
            let names: Vec<String> = match value.chars().next()? {
                '[' => json_array_items(value)
                    .into_iter()
                    .filter_map(person_name)
                    .collect(),
                _ => person_name(value).into_iter().collect(),
            };
            non_empty(names.join(", "))
        })
    }
}

/// Keys whose value lists the steps of a Recipe (`recipeInstructions`) or a HowTo (`step`).
const STEP_KEYS: &[&str] = &["recipeInstructions", "step"];

impl JsonLd {
    /// The steps of a Recipe or HowTo, one string each: sites that render their instructions by
    /// script, or only as JSON-LD, leave the page's text without them. Steps are given as one
    /// string, an array of strings, or objects (`HowToStep`, `HowToSection`) with `text`.
    pub(super) fn steps(&self) -> Vec<String> {
        self.scripts
            .iter()
            .find_map(|json| {
                STEP_KEYS.iter().find_map(|key| {
                    let value = json_value_after(json, key)?;
                    let steps = step_texts(value);
                    (!steps.is_empty()).then_some(steps)
                })
            })
            .unwrap_or_default()
    }
}

/// The step texts of a `recipeInstructions`/`step` value.
fn step_texts(value: &str) -> Vec<String> {
    if value.starts_with('"') {
        return json_string(value)
            .and_then(clean_json_text)
            .into_iter()
            .collect();
    }
    let Some(len) = json_container_len(value) else {
        return Vec::new();
    };
    let container = &value[..len];
    if container.starts_with('[') {
        let items = json_array_items(container);
        if items.iter().all(|item| item.starts_with('"')) {
            return items
                .into_iter()
                .filter_map(|item| json_string(item).and_then(clean_json_text))
                .collect();
        }
    }
    let mut steps = Vec::new();
    let mut rest = container;
    while let Some(text) = json_value_after(rest, "text") {
        if let Some(step) = json_string(text).and_then(clean_json_text) {
            steps.push(step);
        }
        let start = container.len() - text.len();
        let next = start + text.chars().next().map_or(1, char::len_utf8);
        rest = &container[next..];
    }
    steps
}

/// The name of a JSON-LD person given as a string or as an object with `name`.
fn person_name(value: &str) -> Option<String> {
    let name = if value.starts_with('{') {
        let object = &value[..json_container_len(value)?];
        json_string(json_value_after(object, "name")?)?
    } else {
        json_string(value)?
    };
    clean_json_text(name)
}

/// Decodes HTML entities some sites leave in JSON-LD and normalises whitespace.
fn clean_json_text(text: String) -> Option<String> {
    non_empty(normalise_space(&html_escape::decode_html_entities(&text)))
}

/// The JSON text following `"key":`, leading blanks removed.
fn json_value_after<'j>(json: &'j str, key: &str) -> Option<&'j str> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(pos) = json[from..].find(&needle) {
        let after = from + pos + needle.len();
        if let Some(value) = json[after..].trim_start().strip_prefix(':') {
            return Some(value.trim_start());
        }
        from = after;
    }
    None
}

/// The unescaped JSON string at the start of `value`.
fn json_string(value: &str) -> Option<String> {
    let mut chars = value.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' | 'r' | 't' | 'b' | 'f' => out.push(' '),
                'u' => out.push(json_unicode_escape(&mut chars)?),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// Decodes the `XXXX` of a `\uXXXX` escape (and its low surrogate, when it is a high one).
fn json_unicode_escape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    let hex = |chars: &mut std::str::Chars<'_>| {
        let digits: String = chars.by_ref().take(4).collect();
        u32::from_str_radix(&digits, 16).ok()
    };
    let high = hex(chars)?;
    if !(0xD800..0xDC00).contains(&high) {
        return Some(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    let mut lookahead = chars.clone();
    let low = (lookahead.next() == Some('\\') && lookahead.next() == Some('u'))
        .then(|| hex(&mut lookahead))
        .flatten()
        .filter(|low| (0xDC00..0xE000).contains(low));
    Some(match low {
        Some(low) => {
            *chars = lookahead;
            char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                .unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        None => char::REPLACEMENT_CHARACTER,
    })
}

/// The characters of `json` outside string literals (quotes dropped), with their byte positions.
fn json_structural_chars(json: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    json.char_indices().filter(move |&(_, c)| {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            return false;
        }
        in_string = c == '"';
        !in_string
    })
}

/// Byte length of the JSON object or array at the start of `value`.
fn json_container_len(value: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in json_structural_chars(value) {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The top-level items of the JSON array at the start of `value`, each trimmed.
fn json_array_items(value: &str) -> Vec<&str> {
    let Some(len) = json_container_len(value) else {
        return Vec::new();
    };
    let inner = &value[1..len - 1];
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in json_structural_chars(inner) {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(inner[start..].trim());
    items.retain(|item| !item.is_empty());
    items
}

#[cfg(test)]
mod tests {
    use crate::extract::tests::run;

    /// JSON-LD headline, author object and datePublished are read without a JSON parser.
    #[test]
    fn json_ld_headline_author_and_date_are_read() {
        let html = r#"<head><script type="application/ld+json">
            {"@context":"https://schema.org","@type":"NewsArticle",
             "headline":"Zinsen \"steigen\" wieder \u00fcber 4 %",
             "datePublished":"2024-03-01T08:00:00Z",
             "author":{"@type":"Person","name":"Jens M&uuml;ller"}}
            </script></head><body><h1>H1 Titel</h1></body>"#;
        let page = run(html);
        assert_eq!(
            page.title.as_deref(),
            Some("Zinsen \"steigen\" wieder über 4 %")
        );
        assert_eq!(page.author.as_deref(), Some("Jens Müller"));
        assert_eq!(
            page.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-03-01T08:00:00+00:00")
        );
    }

    /// A recipe whose instructions exist only in JSON-LD gets them as its text.
    #[test]
    fn json_ld_recipe_steps_stand_in_for_a_short_pick() {
        let html = r#"<script type="application/ld+json">{"@type":"Recipe","name":"Suppe",
            "recipeInstructions":[{"@type":"HowToStep","text":"Zwiebeln fein hacken und in Butter anschwitzen."},
            {"@type":"HowToSection","itemListElement":[{"@type":"HowToStep",
            "text":"Mit Brühe aufgießen und zwanzig Minuten köcheln lassen."}]}]}</script>
            <body><article><p>Eine einfache Suppe für kalte Tage.</p></article></body>"#;
        let text = run(html).text;
        assert!(text.starts_with("Eine einfache Suppe"), "{text}");
        assert!(
            text.contains("Zwiebeln fein hacken") && text.ends_with("köcheln lassen."),
            "{text}"
        );
    }

    /// Several JSON-LD authors become one comma-separated string, like feed authors.
    #[test]
    fn json_ld_author_array_is_comma_joined() {
        let html = r#"<script type="application/ld+json">{"author":[{"@type":"Person",
            "name":"A. Eins","url":"https://x.example/a,b"},"B. Zwei",{"name":"C. Drei"}]}
            </script>"#;
        assert_eq!(
            run(html).author.as_deref(),
            Some("A. Eins, B. Zwei, C. Drei")
        );
    }
}
