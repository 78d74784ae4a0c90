//! Date and byline lines: a page's "Published 4 May 2024, 10:12", "Stand: 20:03 Uhr",
//! "2026-01-08 | 12:42", "14 hours ago" or "By Anna Beispiel, 3 March 2025" is metadata (the
//! stored `published_at` and `author` carry it), and kept in the text it is a false match for
//! every topic about dates and a noisy first line of every snippet.
//!
//! A line is such a line only when it is short, holds a real date or time (not just a number),
//! and every other word is a date word ("published", "Uhr", "ago", a month), with room for a
//! name only after a "by". A table row or a sentence with a date in it has other words and
//! stays.

/// Lines longer than this (characters) are never date lines.
const MAX_DATE_LINE_CHARS: usize = 90;

/// Words besides dates and date words a line may hold: one for a stray label ("Stand", a
/// separator word), a name's worth after "by".
const MAX_OTHER_WORDS: usize = 1;
const MAX_OTHER_WORDS_AFTER_BY: usize = 5;

/// Lower-case words that introduce a name.
const BY_WORDS: &[&str] = &["by", "von", "par", "por", "di", "door", "af", "av", "przez"];

/// Lower-case words that sit around dates in page headers, in the languages of the sets.
#[rustfmt::skip]
const DATE_WORDS: &[&str] = &[
    // English
    "published", "updated", "last", "modified", "posted", "on", "at", "ago", "today",
    "yesterday", "and", "created", "date", "first", "edited", "am", "pm", "a.m", "p.m",
    "second", "seconds", "sec", "min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs",
    "h", "day", "days", "week", "weeks", "month", "months", "year", "years", "read", "reading",
    "time", "utc", "gmt", "cet", "cest", "est", "edt", "cst", "cdt", "pst", "pdt", "bst", "ist",
    "aest", "et",
    // German
    "veröffentlicht", "aktualisiert", "zuletzt", "erstellt", "stand", "am", "um", "uhr", "vor",
    "minuten", "stunden", "stunde", "tagen", "tag", "heute", "gestern", "lesedauer", "lesezeit",
    "mez", "mesz", "seit",
    // French
    "publié", "publiée", "mis", "à", "jour", "le", "modifié", "il", "y", "a", "heures", "heure",
    "jours", "aujourd'hui", "hier", "lecture", "mise",
    // Spanish, Portuguese, Italian, Dutch
    "publicado", "actualizado", "atualizado", "el", "de", "del", "em", "às", "hace", "horas",
    "pubblicato", "aggiornato", "alle", "il", "ore", "fa", "gepubliceerd", "bijgewerkt", "op",
    "om", "geleden", "uur",
];

/// Lower-case month and weekday names and their abbreviations.
#[rustfmt::skip]
const CALENDAR_WORDS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "januar", "jänner", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "okt", "dez", "mär",
    "janvier", "février", "mars", "avril", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    "dimanche", "janv", "févr", "avr", "juil", "déc",
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre", "janeiro", "fevereiro", "março", "maio", "junho",
    "julho", "setembro", "outubro", "dezembro", "gennaio", "febbraio", "aprile", "maggio",
    "giugno", "luglio", "settembre", "ottobre", "dicembre", "januari", "februari", "maart",
    "mei", "augustus", "oktober",
];

/// True when `line` is only a date or time with its label, or a byline with a date.
pub(super) fn is_date_line(line: &str) -> bool {
    let line = line.trim();
    if line.chars().count() > MAX_DATE_LINE_CHARS {
        return false;
    }
    let mut has_date = false;
    let mut other = 0;
    let mut by = false;
    for word in line
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '|' | ',' | '·' | '•' | '–' | '—' | '(' | ')' | '/')
        })
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ':' | ';' | '-' | '"' | '\'')))
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if is_date_or_time(&lower) {
            has_date = true;
        } else if BY_WORDS.contains(&lower.as_str()) {
            by = true;
        } else if !is_number(&lower)
            && !DATE_WORDS.contains(&lower.as_str())
            && !CALENDAR_WORDS.contains(&lower.trim_end_matches('.'))
        {
            other += word_weight(word);
        }
    }
    let allowed = if by {
        MAX_OTHER_WORDS_AFTER_BY
    } else {
        MAX_OTHER_WORDS
    };
    (has_date || is_relative_time(line)) && other <= allowed
}

/// How many words a word of the line counts for: its Chinese, Japanese and Korean characters
/// each (those scripts write without spaces, so one "word" may be a whole sentence), else one.
fn word_weight(word: &str) -> usize {
    let ideographic = word.chars().filter(|&c| is_cjk(c)).count();
    ideographic.max(1)
}

/// A Han, kana or Hangul character.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}')
}

/// A word that is a date or a time by itself: `12:42`, `20:03:15`, `21.04.2024`, `2024-04-21`,
/// `06/01/2026` (split at `/` beforehand, so its parts), `2025年1月14日`, `01時28分`.
fn is_date_or_time(word: &str) -> bool {
    is_cjk_date(word) || is_clock(word) || is_numeric_date(word)
}

/// Chinese and Japanese dates and times (`2025年1月14日`, `01時28分更新`): digits and date signs
/// with at most [`MAX_CJK_LABEL_CHARS`] other characters. Prose in these scripts has no spaces,
/// so a whole sentence is one word: it has many more.
fn is_cjk_date(word: &str) -> bool {
    let is_date_sign =
        |c: char| c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '時' | '时' | '分' | '秒');
    let signs = word
        .chars()
        .filter(|&c| matches!(c, '年' | '月' | '日' | '時' | '时' | '分'))
        .count();
    signs > 0
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().filter(|&c| !is_date_sign(c)).count() <= MAX_CJK_LABEL_CHARS
}

/// Characters besides digits and date signs a Chinese or Japanese date word may hold
/// (`更新`, "updated").
const MAX_CJK_LABEL_CHARS: usize = 2;

/// `hh:mm` or `hh:mm:ss`, with an optional `am`/`pm`/`h` glued on.
fn is_clock(word: &str) -> bool {
    let word = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let parts: Vec<&str> = word.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts[0].len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1..].iter().all(|p| p.len() == 2)
}

/// `d.m.yyyy`, `yyyy-mm-dd` and the like: three numeric fields joined by one kind of
/// separator, one of them a plausible year (two fields are a rating or a score: `4.7`).
fn is_numeric_date(word: &str) -> bool {
    let Some(separator) = ['.', '-'].into_iter().find(|&s| word.contains(s)) else {
        return false;
    };
    let fields: Vec<&str> = word.split(separator).filter(|f| !f.is_empty()).collect();
    let numeric = fields
        .iter()
        .all(|f| (1..=4).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    let has_year = fields
        .iter()
        .any(|f| f.len() == 4 && (f.starts_with("19") || f.starts_with("20")));
    numeric && fields.len() == 3 && has_year
}

/// A bare number (a day, a year, a count of hours).
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// A line that names a day of the month, a year and a month, or a time ago: "4 May 2024",
/// "May 4", "14 hours ago", "vor 3 Stunden".
fn is_relative_time(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let has_number = words.iter().any(|w| is_number(w));
    let has_calendar = words.iter().any(|w| CALENDAR_WORDS.contains(w));
    let ago = words
        .iter()
        .any(|w| matches!(*w, "ago" | "vor" | "hace" | "geleden" | "fa" | "il"));
    has_number && (has_calendar || ago)
}

#[cfg(test)]
mod tests {
    use super::is_date_line;

    /// Date, time and byline lines of the development sets' pages are date lines.
    #[test]
    fn date_and_byline_lines_are_recognised() {
        for line in [
            "December 19, 2025",
            "Published 6 hours ago",
            "Published May 07, 2025",
            "Last updated 21 hours ago",
            "2026-01-08 | 12:42",
            "21.04.2024 , 20:24 Uhr",
            "Publié le 06/01/2026 - 14:16 UTC+1",
            "Stand: 20:03 Uhr",
            "2025年1月14日 01時28分 (1月14日 01時40分更新)",
            "1 day ago",
            "Dec 28, 2025",
            "May 3, 2017 By Erin Spain",
            "Veröffentlicht am 04.05.2024 um 10:12 Uhr",
            "vor 3 Stunden",
        ] {
            assert!(is_date_line(line), "{line}");
        }
    }

    /// Sentences, headlines and table rows that hold a date or a number stay.
    #[test]
    fn prose_and_rows_with_dates_are_kept() {
        for line in [
            "Am 4. Mai 2024 trafen sich die Minister in Berlin zu Gesprächen.",
            "Köln 12",
            "Bonn 2024",
            "Bayern – Dortmund 2:1",
            "The summit opens on March 3 in Vladivostok",
            "Ergebnisse vom 12.05.2024 im Überblick",
            "1.000 Menschen demonstrierten",
            "Kapitel 3",
            "⭐4.5",
            "⭐4-⭐5",
            "2 Vermont 80.8",
            "4.7",
            "1月 1日の豆知識",
            "のJリーグは、フジと放映権契約を結ぶ「ルヴァン杯」の開幕が3月20日に控える。フジはCMやリーグの関連番組にも関わっており、1月28日のJリーグ理事会で今後の対応について協議した。",
            "国内ツアー「フジサンケイレディス」（4月）、「フジサンケイクラシック」（9月）はフジが主催。今季3戦目の「アクサレディス」（3月）はフジが後援を務める。",
            "イスラエル軍は13日もガザ地区への攻撃を続け、中東メディアによると、45人が死亡した。",
        ] {
            assert!(!is_date_line(line), "{line}");
        }
    }
}
