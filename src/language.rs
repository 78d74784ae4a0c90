//! Which language a text is in, and how a declared language (`de-DE`, `en_US`) is written as
//! the ISO 639-1 code newshound stores and topics name in `languages`.
//!
//! Detection runs on the text itself (whatlang is nearly always right on article bodies); the
//! language a page or feed declares is only a fallback for texts too short to detect, because
//! publishers often declare one language for a whole site.

/// Texts shorter than this (in bytes) are not detected: whatlang is unreliable on headlines.
pub const MIN_DETECTION_CHARS: usize = 200;

/// The language of an article for matching: detected from its text when that is long enough,
/// else the first declared language (the page's, then the feed's), normalised.
pub fn of_article<'a>(
    text: &str,
    declared: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<String> {
    detect(text)
        .map(str::to_owned)
        .or_else(|| declared.into_iter().flatten().find_map(normalise_declared))
}

/// `de-DE`, `EN_us`, ` fr ` → `de`, `en`, `fr`; `None` for what is not a language tag.
pub fn normalise_declared(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let valid = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    valid.then_some(primary)
}

/// ISO 639-1 code of the text's language when whatlang is confident and the text long enough;
/// `None` for short text, where whatlang guesses (about half its guesses on headlines are wrong).
pub fn detect(text: &str) -> Option<&'static str> {
    if text.len() < MIN_DETECTION_CHARS {
        return None;
    }
    let info = whatlang::detect(sample(text)).filter(whatlang::Info::is_reliable)?;
    iso_639_1(info.lang())
}

/// Detection reads at most this many bytes: a few paragraphs decide the language as surely as
/// the whole article, and detection time grows with the text.
const MAX_DETECTION_BYTES: usize = 3000;

/// The start of `text`, at most [`MAX_DETECTION_BYTES`], cut at a character boundary.
fn sample(text: &str) -> &str {
    let mut end = text.len().min(MAX_DETECTION_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The ISO 639-1 code of a whatlang language (whatlang speaks ISO 639-3; the model stores 639-1).
fn iso_639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang;
    #[allow(unreachable_patterns)]
    Some(match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body long enough to detect wins over what the page declares.
    #[test]
    fn detected_language_beats_the_declared_one() {
        let body = "Der Bundestag hat am Donnerstag nach langer Debatte ein neues Gesetz \
                    beschlossen, das die Förderung von Wärmepumpen in Wohngebäuden regelt und \
                    Mieter vor zu hohen Kosten schützen soll, wie die Regierung mitteilte.";
        assert_eq!(of_article(body, [Some("en-US")]).as_deref(), Some("de"));
    }

    /// A headline alone is too short to detect: the declared language is used, normalised.
    #[test]
    fn short_text_falls_back_to_declared_languages_in_order() {
        assert_eq!(
            of_article("Putin trifft Kim", [None, Some("de_AT")]).as_deref(),
            Some("de")
        );
        assert_eq!(
            of_article("Putin meets Kim", [Some("x1"), Some("EN")]).as_deref(),
            Some("en")
        );
        assert_eq!(of_article("Putin meets Kim", []), None);
    }
}
