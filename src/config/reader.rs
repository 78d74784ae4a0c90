//! Reads one TOML file into [`Section`]s that check keys and types one value at a time and keep
//! every problem with its file, line and column; also expands `include` patterns.

use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::ConfigError;
use super::units::{invalid_address, is_valid_address, parse_duration_at_least, parse_size};

/// The text of one config file, kept to turn byte offsets into lines and columns.
pub(super) struct Source {
    pub(super) path: PathBuf,
    text: String,
    /// Byte offset of every line's start, built on first use: a 10,000-feed watchlist asks for
    /// tens of thousands of positions, and counting lines from the top each time was quadratic.
    line_starts: OnceLock<Vec<usize>>,
}

impl Source {
    /// A source whose text is already in memory (a read file, or the built-in defaults).
    pub(super) fn from_text(path: PathBuf, text: String) -> Source {
        Source {
            path,
            text,
            line_starts: OnceLock::new(),
        }
    }

    pub(super) fn read(path: &Path) -> Result<Source, ConfigError> {
        let bytes = std::fs::read(path).map_err(|error| ConfigError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read config file: {error}"),
        })?;
        String::from_utf8(bytes)
            .map(|text| Source::from_text(path.to_path_buf(), text))
            .map_err(|error| {
                let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                let (line, column) = line_column(&String::from_utf8_lossy(valid), valid.len());
                ConfigError {
                    file: path.to_path_buf(),
                    line,
                    column,
                    key: String::new(),
                    message: "config file is not valid UTF-8".into(),
                }
            })
    }

    pub(super) fn parse(&self) -> Result<Spanned<DeTable<'_>>, ConfigError> {
        DeTable::parse(&self.text).map_err(|error| {
            let start = error.span().map_or(0, |span| span.start);
            self.error_at(
                start,
                "",
                format!("invalid TOML: {}", error.message().trim()),
            )
        })
    }

    /// The file text of `span`, e.g. a string value as written, with its quotes and escapes.
    pub(super) fn text_of(&self, span: Range<usize>) -> &str {
        self.text.get(span).unwrap_or_default()
    }

    fn location(&self, offset: usize) -> Location {
        let line_starts = self.line_starts.get_or_init(|| line_starts(&self.text));
        let (line, column) = indexed_line_column(&self.text, line_starts, offset);
        Location {
            file: self.path.clone(),
            line,
            column,
        }
    }

    fn error_at(&self, offset: usize, key: &str, message: impl Into<String>) -> ConfigError {
        let Location { file, line, column } = self.location(offset);
        ConfigError {
            file,
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    indexed_line_column(text, &line_starts(text), offset)
}

/// Byte offsets where the lines of `text` start (the first is 0).
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|newline| newline + 1))
        .collect()
}

/// [`line_column`] with the line starts at hand: a binary search instead of a scan.
fn indexed_line_column(text: &str, line_starts: &[usize], offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = line_starts.partition_point(|&start| start <= offset);
    let line_start = line_starts[line - 1];
    (line, text[line_start..offset].chars().count() + 1)
}

/// Where something was written, for "first defined at" messages.
#[derive(Debug, Clone)]
pub(super) struct Location {
    file: PathBuf,
    line: usize,
    column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Collects the problems of one file.
pub(super) struct Diag<'a> {
    pub(super) source: &'a Source,
    errors: &'a mut Vec<ConfigError>,
}

impl<'a> Diag<'a> {
    pub(super) fn new(source: &'a Source, errors: &'a mut Vec<ConfigError>) -> Self {
        Diag { source, errors }
    }

    pub(super) fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.errors
            .push(self.source.error_at(span.start, key, message));
    }

    pub(super) fn location(&self, span: Range<usize>) -> Location {
        self.source.location(span.start)
    }
}

/// One TOML table being read, with the dotted path used in messages. A table that the file
/// leaves out is read as empty, so every key falls back to its default.
pub(super) struct Section<'t, 'i> {
    table: Option<&'t DeTable<'i>>,
    pub(super) start: usize,
    pub(super) path: String,
}

impl<'t, 'i> Section<'t, 'i> {
    pub(super) fn root(table: &'t DeTable<'i>) -> Self {
        Section {
            table: Some(table),
            start: 0,
            path: String::new(),
        }
    }

    pub(super) fn key(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub(super) fn is_present(&self) -> bool {
        self.table.is_some()
    }

    pub(super) fn value(&self, name: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table?.get(name)
    }

    /// Reports every key not in `known`, at the key itself.
    pub(super) fn check_keys(&self, diag: &mut Diag, known: &[&str], hint: Option<&str>) {
        let Some(table) = self.table else { return };
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                let message = match hint {
                    Some(hint) => format!("unknown key; {hint}"),
                    None => format!("unknown key; expected one of: {}", known.join(", ")),
                };
                diag.error(key.span(), &self.key(key.get_ref()), message);
            }
        }
    }

    /// The value of `name` as `T`, or `None` (with the type error reported) when it does not fit.
    pub(super) fn get<T: DeserializeOwned>(
        &self,
        diag: &mut Diag,
        name: &str,
    ) -> Option<Spanned<T>> {
        let value = self.value(name)?;
        let deserializer = ValueDeserializer::from(value.clone());
        match serde::Deserialize::deserialize(deserializer) {
            Ok(typed) => Some(typed),
            Err(error) => {
                let span = error.span().unwrap_or_else(|| value.span());
                diag.error(span, &self.key(name), error.message().trim());
                None
            }
        }
    }

    /// The value of `name` read as `T` and turned into `U` by `convert`, whose error message is
    /// reported at the value.
    pub(super) fn parsed<T: DeserializeOwned, U>(
        &self,
        diag: &mut Diag,
        name: &str,
        convert: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        let value = self.get::<T>(diag, name)?;
        let span = value.span();
        convert(value.into_inner())
            .map_err(|message| diag.error(span, &self.key(name), message))
            .ok()
    }

    pub(super) fn required_string(&self, diag: &mut Diag, name: &str) -> Option<Spanned<String>> {
        if self.value(name).is_none() {
            let message = format!("missing required key `{name}`");
            diag.error(self.start..self.start, &self.path, message);
            return None;
        }
        let value = self.get::<String>(diag, name)?;
        if value.get_ref().trim().is_empty() {
            diag.error(value.span(), &self.key(name), "must not be empty");
            return None;
        }
        Some(value)
    }

    pub(super) fn non_empty_string(&self, diag: &mut Diag, name: &str) -> Option<String> {
        self.parsed(diag, name, |text: String| {
            if text.trim().is_empty() {
                Err("must not be empty".to_string())
            } else {
                Ok(text)
            }
        })
    }

    pub(super) fn bool_or(&self, diag: &mut Diag, name: &str, default: bool) -> bool {
        self.get::<bool>(diag, name)
            .map_or(default, Spanned::into_inner)
    }

    pub(super) fn duration_or(
        &self,
        diag: &mut Diag,
        name: &str,
        default: Duration,
        min: Duration,
    ) -> Duration {
        self.parsed(diag, name, |value: toml::Value| match value {
            toml::Value::String(text) => parse_duration_at_least(&text, min),
            _ => Err("expected a duration such as \"15m\" (a string with a unit)".to_string()),
        })
        .unwrap_or(default)
    }

    pub(super) fn integer_or(
        &self,
        diag: &mut Diag,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> u64 {
        self.parsed(diag, name, |number: i64| {
            u64::try_from(number)
                .ok()
                .filter(|number| range.contains(number))
                .ok_or_else(|| range_message(&range))
        })
        .unwrap_or(default)
    }

    pub(super) fn size_or(&self, diag: &mut Diag, name: &str, default: u64) -> u64 {
        self.parsed(diag, name, |value: toml::Value| match value {
            toml::Value::Integer(bytes) if bytes > 0 => Ok(bytes.unsigned_abs()),
            toml::Value::String(text) => parse_size(&text).and_then(|bytes| {
                if bytes == 0 {
                    Err("must be larger than 0 bytes".to_string())
                } else {
                    Ok(bytes)
                }
            }),
            _ => Err("expected a size such as \"5MiB\" or a positive number of bytes".into()),
        })
        .unwrap_or(default)
    }

    pub(super) fn path_or(
        &self,
        diag: &mut Diag,
        name: &str,
        default: &str,
        folder: &Path,
    ) -> PathBuf {
        let relative = self
            .non_empty_string(diag, name)
            .unwrap_or_else(|| default.to_string());
        folder.join(relative)
    }

    /// Each string of the list `name` with its span; empty when absent or not a list of strings.
    pub(super) fn strings(&self, diag: &mut Diag, name: &str) -> Vec<Spanned<String>> {
        self.get::<Vec<Spanned<String>>>(diag, name)
            .map(Spanned::into_inner)
            .unwrap_or_default()
    }

    /// The strings of the list `name` in which `problem` finds nothing wrong (it also sees those
    /// kept so far, to catch repeats); each problem is reported at its element. `None` when the
    /// key is absent or not a list of strings.
    pub(super) fn checked_strings(
        &self,
        diag: &mut Diag,
        name: &str,
        mut problem: impl FnMut(&str, &[String]) -> Option<String>,
    ) -> Option<Vec<String>> {
        let list = self.get::<Vec<Spanned<String>>>(diag, name)?;
        let mut kept = Vec::new();
        for (index, item) in list.into_inner().into_iter().enumerate() {
            match problem(item.get_ref(), &kept) {
                Some(message) => {
                    let element = format!("{}[{index}]", self.key(name));
                    diag.error(item.span(), &element, message);
                }
                None => kept.push(item.into_inner()),
            }
        }
        Some(kept)
    }

    /// The email addresses listed under `name`; `None` when the key is absent.
    pub(super) fn addresses(&self, diag: &mut Diag, name: &str) -> Option<Vec<String>> {
        self.value(name)?;
        let mut addresses = Vec::new();
        for (index, address) in self.strings(diag, name).into_iter().enumerate() {
            if is_valid_address(address.get_ref()) {
                addresses.push(address.into_inner());
            } else {
                let key = format!("{}[{index}]", self.key(name));
                diag.error(address.span(), &key, invalid_address(address.get_ref()));
            }
        }
        Some(addresses)
    }

    /// The sub-table `name`, read as empty when absent or not a table.
    pub(super) fn table(&self, diag: &mut Diag, name: &str) -> Section<'t, 'i> {
        let mut section = Section {
            table: None,
            start: self.start,
            path: self.key(name),
        };
        if let Some(value) = self.value(name) {
            section.start = value.span().start;
            match value.get_ref() {
                DeValue::Table(table) => section.table = Some(table),
                other => {
                    let message = format!("expected a table, found {}", other.type_str());
                    diag.error(value.span(), &section.path, message);
                }
            }
        }
        section
    }

    /// The tables of the array `name` (`[[name]]`), each named `name[index]`.
    pub(super) fn array_of_tables(&self, diag: &mut Diag, name: &str) -> Vec<Section<'t, 'i>> {
        let Some(value) = self.value(name) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let message = format!(
                "expected an array of tables ([[{name}]]), found {}",
                value.get_ref().type_str()
            );
            diag.error(value.span(), &self.key(name), message);
            return Vec::new();
        };
        let mut sections = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let path = format!("{}[{index}]", self.key(name));
            match item.get_ref() {
                DeValue::Table(table) => sections.push(Section {
                    table: Some(table),
                    start: item.span().start,
                    path,
                }),
                other => {
                    let message = format!("expected a table, found {}", other.type_str());
                    diag.error(item.span(), &path, message);
                }
            }
        }
        sections
    }
}

fn range_message(range: &RangeInclusive<u64>) -> String {
    if *range.end() >= u64::from(u32::MAX) {
        format!("must be a whole number of at least {}", range.start())
    } else {
        format!("must be between {} and {}", range.start(), range.end())
    }
}

/// The included files: every pattern's matches, sorted by name, without the main file itself.
pub(super) fn include_paths(
    top: &Section,
    diag: &mut Diag,
    folder: &Path,
    main: &Path,
) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for (index, pattern) in top.strings(diag, "include").into_iter().enumerate() {
        let key = format!("include[{index}]");
        match glob_matches(&folder.join(pattern.get_ref())) {
            Ok(matches) => paths.extend(matches),
            Err(message) => diag.error(pattern.span(), &key, message),
        }
    }
    paths.sort();
    paths.dedup();
    paths.retain(|path| path != main);
    paths
}

fn glob_matches(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern
        .to_str()
        .ok_or_else(|| format!("include path {} is not valid UTF-8", pattern.display()))?;
    let entries = glob::glob(text).map_err(|error| format!("invalid glob pattern: {error}"))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| format!("cannot list included files: {error}"))?;
        if path.is_file() {
            paths.push(path);
        }
    }
    let is_literal = !text.contains(['*', '?', '[']);
    if is_literal && paths.is_empty() {
        return Err(format!("included file {text} does not exist"));
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns count characters, not bytes, so positions match what an editor shows.
    #[test]
    fn positions_are_one_based_characters() {
        let text = "a = 1\nb = \"äö\" x";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 10));
        assert_eq!(line_column(text, text.len()), (2, 11));
        assert_eq!(line_column("a\n", 2), (2, 1));
    }
}
