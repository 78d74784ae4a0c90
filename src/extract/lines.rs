//! The line-level pass: removes teaser, read-aloud, reading-time, newsletter and "read also"
//! lines that sit inside the article body, where block-level extraction cannot see them.
//!
//! A line is noise only when it is short and *starts* with a label from [`RULES`] followed by a
//! separator (`Lesetipp: …`, `Vorlesen lassen? …`) or nothing, or when it is a short reading-time
//! line (`Lesedauer: 3 Min.`, `5 min read`). A label followed by a word (`Mehr zum Thema
//! Klimaschutz sagte er nichts.`) or by a full sentence (`Auch interessant: Die Zahl stieg
//! deutlich.`) is prose and stays. After a "read also" label the teaser's byline
//! (`Gustav Knudsen | Reflexivum`) goes too, and after a bare one its headline.

mod dateline;

use Fit::{Label, Prefix, Suffix};
use Kind::{
    Advert, Comments, Continue, ImageCredit, Newsletter, ReadAloud, ReadAlso, ReadingTime, Share,
};

/// Lines longer than this (in characters) are never noise: teasers and labels are short.
const MAX_NOISE_CHARS: usize = 160;
/// A reading-time line (`Lesedauer des Artikels: ca. 3 Minuten`) is at most this long.
const MAX_READING_TIME_CHARS: usize = 60;
/// A reading-time line that ends with its label (`ca. 3 Min. Lesezeit`) has at most this many words.
const MAX_READING_TIME_SUFFIX_WORDS: usize = 5;
/// A teaser byline after a "read also" line is at most this long.
const MAX_BYLINE_CHARS: usize = 80;
/// A teaser headline after a bare "read also" label is at most this long.
const MAX_HEADLINE_CHARS: usize = 120;

/// What a rule removes; `ReadAlso` lines are followed by a teaser's headline and byline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ReadAlso,
    Continue,
    ReadAloud,
    ReadingTime,
    Newsletter,
    Share,
    Comments,
    Advert,
    ImageCredit,
}

/// How a pattern must sit in the (lower-cased) line.
#[derive(Clone, Copy, Debug)]
enum Fit {
    /// The line starts with the pattern, then ends or goes on after a separator (`:`, ` |`,
    /// ` -`, `?`, `»`, …) with a tail that is not a sentence.
    Label,
    /// Reading time: the line starts with the pattern, is short and holds a number.
    Prefix,
    /// Reading time: the line ends with the pattern, is short and holds a number.
    Suffix,
}

/// One row of the table: the patterns of one language and kind, all lower-case.
struct Rule {
    /// Languages whose pages use these patterns (informational, shown in traces).
    lang: &'static str,
    kind: Kind,
    fit: Fit,
    patterns: &'static [&'static str],
}

/// Shorthand that keeps the table one row per rule.
const fn rule(lang: &'static str, kind: Kind, fit: Fit, patterns: &'static [&'static str]) -> Rule {
    Rule {
        lang,
        kind,
        fit,
        patterns,
    }
}

/// The noise patterns; a fixed false positive or new noise line adds a pattern here and a test row.
#[rustfmt::skip]
const RULES: &[Rule] = &[
    rule("de", ReadAlso, Label, &["lesetipp", "lesetipps", "unser lesetipp", "lesen sie auch", "lesen sie dazu", "lesen sie mehr", "auch interessant", "ebenfalls interessant", "mehr zum thema", "zum thema", "passend zum thema", "das könnte sie auch interessieren", "das könnte sie interessieren", "siehe auch", "mehr dazu", "auch lesenswert", "empfehlung der redaktion", "weitere artikel", "verwandte artikel", "ähnliche artikel", "ähnliche beiträge", "das könnte dich auch interessieren", "meistgelesen", "auch lesen", "schon gelesen?", "zum weiterlesen", "lesen sie hier", "weitere beiträge", "das könnte"]),
    rule("de", Continue, Label, &["weiterlesen", "mehr lesen", "artikel lesen", "zum artikel", "mehr anzeigen"]),
    rule("de", ReadAloud, Label, &["vorlesen lassen", "artikel vorlesen", "artikel vorlesen lassen", "artikel anhören", "vorlesen", "anhören", "audio abspielen"]),
    rule("de", ReadingTime, Prefix, &["lesedauer", "lesezeit", "geschätzte lesedauer", "geschätzte lesezeit"]),
    rule("de", ReadingTime, Suffix, &["lesedauer", "lesezeit"]),
    rule("de", Newsletter, Label, &["newsletter", "newsletter abonnieren", "jetzt newsletter abonnieren", "zum newsletter", "newsletter-anmeldung", "jetzt abonnieren", "jetzt anmelden", "abonnieren sie unseren newsletter", "melden sie sich für unseren newsletter an", "hier zum newsletter anmelden"]),
    rule("de", Share, Label, &["teilen", "artikel teilen", "beitrag teilen", "diesen artikel teilen", "drucken", "artikel drucken", "twittern"]),
    rule("de", Comments, Label, &["kommentare", "kommentieren", "kommentar schreiben", "kommentar verfassen", "schreibe einen kommentar", "zu den kommentaren", "diskutieren sie mit"]),
    rule("de", Advert, Label, &["anzeige", "werbung"]),
    rule("de es it pt nl", ImageCredit, Label, &["foto", "fotos", "bild", "bildquelle", "bildnachweis"]),
    rule("en", ReadAlso, Label, &["read also", "also read", "related", "related articles", "related stories", "related content", "related coverage", "more on this story", "more on this topic", "you may also like", "you might also like", "recommended", "recommended for you", "see also", "further reading", "don't miss", "read next", "related posts", "more stories"]),
    rule("en", Continue, Label, &["read more", "continue reading", "read the full story", "read full article", "keep reading", "show more"]),
    rule("en", ReadAloud, Label, &["listen to this article", "listen to article", "listen to this story", "listen"]),
    rule("en", ReadingTime, Prefix, &["reading time", "estimated reading time", "read time"]),
    rule("en", ReadingTime, Suffix, &["min read", "min. read", "mins read", "minute read", "minutes read"]),
    rule("en", Newsletter, Label, &["newsletter", "sign up for our newsletter", "sign up to our newsletter", "sign up for the newsletter", "subscribe to our newsletter", "get our newsletter", "join our newsletter", "subscribe", "subscribe now", "sign up"]),
    rule("en", Share, Label, &["share", "share this", "share this article", "share this story", "share on facebook", "share on twitter"]),
    rule("en", Comments, Label, &["comments", "leave a comment", "leave a reply", "write a comment", "view comments", "show comments", "join the conversation"]),
    rule("en", Advert, Label, &["advertisement", "advertising", "sponsored", "sponsored content"]),
    rule("en fr", ImageCredit, Label, &["photo", "image", "credit", "photo credit", "image credit", "crédit", "crédits", "crédit photo", "illustration"]),
    rule("fr", ReadAlso, Label, &["lire aussi", "à lire aussi", "lire également", "à lire également", "à lire", "voir aussi", "à voir aussi", "sur le même sujet", "vous aimerez aussi", "vous pourriez aimer", "pour aller plus loin", "découvrez aussi", "articles liés", "articles similaires"]),
    rule("fr", Continue, Label, &["lire la suite", "lire plus", "voir plus", "en savoir plus"]),
    rule("fr", ReadAloud, Label, &["écouter cet article", "écouter l'article", "écouter"]),
    rule("fr", ReadingTime, Prefix, &["temps de lecture", "durée de lecture"]),
    rule("fr es", ReadingTime, Suffix, &["de lecture", "de lectura"]),
    rule("fr", Newsletter, Label, &["newsletter", "inscrivez-vous à notre newsletter", "abonnez-vous à notre newsletter", "recevez notre newsletter", "abonnez-vous", "inscrivez-vous", "je m'abonne", "s'abonner", "lettre d'information"]),
    rule("fr", Share, Label, &["partager", "partagez", "partager cet article", "imprimer"]),
    rule("fr", Comments, Label, &["commentaires", "commenter", "réagir", "laisser un commentaire"]),
    rule("fr", Advert, Label, &["publicité", "sponsorisé", "contenu sponsorisé"]),
    rule("es", ReadAlso, Label, &["lee también", "lea también", "te puede interesar", "le puede interesar", "también te puede interesar", "puede interesarte", "te recomendamos", "noticias relacionadas", "relacionado", "relacionadas", "contenido relacionado", "temas relacionados", "ver también", "más información", "lo más leído", "puedes ver"]),
    rule("es", Continue, Label, &["leer más", "sigue leyendo", "seguir leyendo", "ver más", "leer artículo completo"]),
    rule("es", ReadAloud, Label, &["escuchar noticia", "escuchar la noticia", "escuchar artículo", "escuchar este artículo", "escuchar"]),
    rule("es", ReadingTime, Prefix, &["tiempo de lectura"]),
    rule("es", Newsletter, Label, &["newsletter", "boletín", "suscríbete", "suscríbete a nuestro boletín", "suscríbete a nuestra newsletter", "suscríbete al boletín", "recibe nuestro boletín", "apúntate a nuestra newsletter"]),
    rule("es", Share, Label, &["compartir", "comparte", "compartir en facebook", "compartir en twitter", "compartir en whatsapp"]),
    rule("es", Comments, Label, &["comentarios", "comentar", "deja un comentario"]),
    rule("es", Advert, Label, &["publicidad", "patrocinado", "contenido patrocinado"]),
    rule("es", ImageCredit, Label, &["fotografía", "imagen"]),
    rule("pt", ReadAlso, Label, &["leia também", "veja também"]),
    rule("pt", Continue, Label, &["leia mais", "saiba mais"]),
    rule("pt", ReadAloud, Label, &["ouvir", "ouvir notícia", "ouça"]),
    rule("pt", ReadingTime, Prefix, &["tempo de leitura"]),
    rule("pt it", ReadingTime, Suffix, &["de leitura", "di lettura"]),
    rule("pt", Newsletter, Label, &["assine", "assine nossa newsletter", "inscreva-se"]),
    rule("pt", Advert, Label, &["publicidade"]),
    rule("it", ReadAlso, Label, &["leggi anche", "potrebbe interessarti", "ti potrebbe interessare", "vedi anche"]),
    rule("it", Continue, Label, &["leggi tutto", "continua a leggere"]),
    rule("it", ReadAloud, Label, &["ascolta", "ascolta l'articolo", "ascolta questo articolo"]),
    rule("it", ReadingTime, Prefix, &["tempo di lettura"]),
    rule("it", Newsletter, Label, &["iscriviti", "iscriviti alla newsletter"]),
    rule("it", Advert, Label, &["pubblicità"]),
    rule("nl", ReadAlso, Label, &["lees ook", "meer over dit onderwerp", "gerelateerd"]),
    rule("pl", ReadAlso, Label, &["czytaj także", "czytaj też", "zobacz też", "zobacz także"]),
    rule("nl", Continue, Label, &["lees meer", "lees verder"]),
    rule("nl", ReadAloud, Label, &["luister naar dit artikel", "beluister dit artikel"]),
    rule("nl", ReadingTime, Prefix, &["leestijd"]),
    rule("nl", ReadingTime, Suffix, &["leestijd"]),
    rule("nl", Newsletter, Label, &["nieuwsbrief", "meld je aan voor de nieuwsbrief", "schrijf je in voor de nieuwsbrief"]),
    rule("nl", Advert, Label, &["advertentie"]),
];

/// Characters that may follow a label (after optional spaces) and start the label's tail.
const SEPARATORS: &[char] = &[
    ':', '|', '-', '–', '—', '?', '!', '»', '›', '>', '→', '(', '…', '/', '·', '•', '►', '▶', '↑',
    '⇑', '↓',
];

/// Which teaser lines may still follow the line just removed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Nothing,
    /// After a bare "read also" label: the teaser's headline, then its byline.
    Headline,
    /// After a "read also" line: the teaser's byline.
    Byline,
}

/// Drops the noise lines of an extracted text (paragraphs separated by blank lines).
///
/// Lines within a block stay joined by `\n`, blocks by one blank line; blocks left empty vanish.
pub(crate) fn remove_noise_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_since_kept = false;
    let mut expect = Expect::Nothing;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank_since_kept = !out.is_empty();
            continue;
        }
        let (keep, next) = judge(line, expect);
        expect = next;
        if keep {
            if !out.is_empty() {
                out.push_str(if blank_since_kept { "\n\n" } else { "\n" });
            }
            out.push_str(line);
            blank_since_kept = false;
        }
    }
    out
}

/// Whether to keep `line`, and what may follow it.
fn judge(line: &str, expect: Expect) -> (bool, Expect) {
    if dateline::is_date_line(line) {
        tracing::trace!(line, "dropped date line");
        return (false, Expect::Nothing);
    }
    match expect {
        Expect::Headline if is_headline_like(line) => return (false, Expect::Byline),
        Expect::Headline | Expect::Byline if is_byline_like(line) => {
            return (false, Expect::Nothing);
        }
        _ => {}
    }
    let Some((rule, bare)) = noise_rule(line) else {
        return (true, Expect::Nothing);
    };
    tracing::trace!(lang = rule.lang, kind = ?rule.kind, line, "dropped noise line");
    let next = match (rule.kind, bare) {
        (Kind::ReadAlso, true) => Expect::Headline,
        (Kind::ReadAlso, false) => Expect::Byline,
        _ => Expect::Nothing,
    };
    (false, next)
}

/// The rule `line` matches, and whether the line is the bare label.
fn noise_rule(line: &str) -> Option<(&'static Rule, bool)> {
    let line = line.trim();
    if line.len() > 4 * MAX_NOISE_CHARS || line.chars().count() > MAX_NOISE_CHARS {
        return None;
    }
    let lower = line.to_lowercase().replace('’', "'");
    let body = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    RULES.iter().find_map(|rule| {
        let mut bare = rule.patterns.iter().filter_map(|p| fits(rule.fit, body, p));
        bare.next().map(|bare| (rule, bare))
    })
}

/// Whether the lower-cased `body` fits `pattern` as `fit` says, and if so whether it is the bare
/// label.
fn fits(fit: Fit, body: &str, pattern: &str) -> Option<bool> {
    let fitting = match fit {
        Fit::Label => return label_tail(body, pattern).map(str::is_empty),
        Fit::Prefix => body
            .strip_prefix(pattern)
            .is_some_and(|rest| !rest.starts_with(char::is_alphanumeric)),
        Fit::Suffix => body
            .trim_end_matches(|c: char| !c.is_alphanumeric())
            .strip_suffix(pattern)
            .is_some_and(|rest| {
                !rest.ends_with(char::is_alphanumeric)
                    && word_count(body) <= MAX_READING_TIME_SUFFIX_WORDS
            }),
    };
    (fitting && is_reading_time(body)).then_some(false)
}

/// The tail after `label` at the start of `body` when it is label-shaped: nothing, or a separator
/// and text that is not a sentence.
fn label_tail<'a>(body: &'a str, label: &str) -> Option<&'a str> {
    let rest = body.strip_prefix(label)?;
    let tail = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
    if tail.is_empty() {
        return Some(tail);
    }
    // A hyphen right after the label makes a compound word ("Foto-Ausstellung"), not a label.
    let separator = rest.trim_start().chars().next()?;
    let is_separated = SEPARATORS.contains(&separator) && !rest.starts_with('-');
    (is_separated && !is_sentence(tail)).then_some(tail)
}

/// Short enough and with a number, as a reading-time line is.
fn is_reading_time(body: &str) -> bool {
    body.chars().count() <= MAX_READING_TIME_CHARS && body.chars().any(|c| c.is_ascii_digit())
}

/// Prose: ends with a full stop after at least four words.
fn is_sentence(text: &str) -> bool {
    text.trim_end().ends_with('.') && !text.trim_end().ends_with("..") && word_count(text) >= 4
}

/// Words holding at least one letter or digit.
fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .count()
}

/// A teaser headline: short, no full stop at the end, and more than one word.
fn is_headline_like(line: &str) -> bool {
    let line = line.trim();
    line.chars().count() <= MAX_HEADLINE_CHARS && !line.ends_with('.') && word_count(line) >= 2
}

/// A teaser byline such as `Von Gustav Knudsen`, `Gustav Knudsen | Reflexivum` or `Jane Doe, AP`:
/// short, capitalised words, no colon or closing punctuation, and a "by" word or a separator.
fn is_byline_like(line: &str) -> bool {
    const BY_WORDS: &[&str] = &["von", "by", "par", "por", "di", "door", "de"];
    let line = line.trim();
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphabetic))
        .collect();
    let short = line.chars().count() <= MAX_BYLINE_CHARS && (1..=8).contains(&words.len());
    let unpunctuated = !line.contains(':') && !line.ends_with(['.', '!', '?']);
    let capitalised = words.iter().all(|word| {
        let letters = word.trim_matches(|c: char| !c.is_alphabetic());
        letters.starts_with(char::is_uppercase) || letters.chars().count() <= 3
    });
    let first = words
        .first()
        .map(|word| word.to_lowercase())
        .unwrap_or_default();
    let marked = BY_WORDS.contains(&first.as_str())
        || line.contains(['|', ',', '/', '·', '•', '–', '—'])
        || line.contains(" - ");
    short && unpunctuated && capitalised && marked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed article (`../shared/seed/kim-putin-waffengespraeche.txt`) around its noise lines,
    /// copied here because a user's clone has no `../shared`.
    const SEED_EXCERPT: &str = "Kim Jong-un und Putin treffen sich zu Waffengesprächen\n\n\
        Vorlesen lassen? ↑↑⇑⇑↑↑ | Lesedauer des Artikels: ca. 3 Minuten -\n\n\
        Der nordkoreanische Machthaber Kim Jong-un will noch in diesem Monat nach Russland reisen.\n\n\
        Außerdem möchte Kim Nahrungsmittelhilfe für sein Land, so die New Yorker Tageszeitung.\n\n\
        Lesetipp:  Bislang knapp 200 Spanier aus dem Libanon evakuiert\n\
        Gustav Knudsen | Reflexivum\n\n\
        Kim reist nur selten außerhalb Nordkoreas.\n\n\
        Quelle: Agenturen";

    /// Noise lines per language, each of which the pass must drop.
    #[rustfmt::skip]
    const NOISE: &[(&str, &[&str])] = &[
        ("de", &["Lesetipp: Bislang knapp 200 Spanier evakuiert", "Lesetipp: Bislang knapp 200 Spanier evakuiert Gustav Knudsen | Reflexivum", "Vorlesen lassen?", "Lesedauer: ca. 3 Min.", "Auch interessant", "» Mehr zum Thema: Kim in Moskau", "Das könnte Sie auch interessieren", "3 Min. Lesezeit", "Newsletter abonnieren", "- Anzeige -", "Foto: Michael Kappeler/dpa", "Kommentare (12)"]),
        ("en", &["Read also: Kim meets Putin", "Listen to this article", "5 min read", "Reading time: 4 minutes", "Sign up for our newsletter", "Related: Chicago is America's most segregated city", "More on this story", "Advertisement", "Share this article:"]),
        ("fr", &["Lire aussi : Les critiques de la CNIL", "À lire aussi", "Temps de lecture : 4 min", "4 min de lecture", "Écouter cet article", "Inscrivez-vous à notre newsletter", "Lire la suite…", "Publicité"]),
        ("es", &["Lee también: Kim viaja a Rusia", "LE PUEDE INTERESAR: La ficha de Juan Orlando Hernández", "Tiempo de lectura: 3 minutos", "3 min de lectura", "Escuchar noticia", "Suscríbete a nuestro boletín", "Leer más", "Imagen: Télam"]),
        ("pt it nl", &["Leia também: Kim viaja", "Tempo de leitura: 3 min", "Leggi anche: Kim a Mosca", "Lees ook: Kim in Rusland", "Leestijd 3 minuten"]),
    ];

    /// Real sentences holding trigger words, each of which the pass must keep.
    #[rustfmt::skip]
    const PROSE: &[(&str, &[&str])] = &[
        ("de", &["Der Newsletter des Ministeriums wurde 2019 eingestellt, sagte ein Sprecher.", "Mehr zum Thema Klimaschutz wollte der Minister nicht sagen.", "Lesen Sie auch den Kommentar unseres Korrespondenten.", "Auch interessant: Die Zahl der Anträge stieg um 20 Prozent.", "Foto-Ausstellung in Berlin eröffnet", "Quelle: Agenturen"]),
        ("en", &["Read more about the talks in our earlier report.", "Related talks were held in Vladivostok last year.", "Listen to what the minister said, he urged reporters.", "Image, he said, is everything."]),
        ("fr", &["Lire aussi les mémoires du général, conseille-t-il.", "Le temps de lecture moyen a baissé de 3 minutes.", "Écouter la radio reste populaire chez les jeunes."]),
        ("es", &["Lee también la prensa rusa, dijo el portavoz.", "Leer más libros es su propósito para 2024.", "Escuchar a los vecinos fue clave, según el alcalde.", "Fuente: EFE"]),
    ];

    /// The seed's read-aloud line, teaser and teaser byline go; its headline, prose and source stay.
    #[test]
    fn seed_noise_lines_are_removed_and_its_prose_kept() {
        let kept = remove_noise_lines(SEED_EXCERPT);
        assert_eq!(
            kept,
            "Kim Jong-un und Putin treffen sich zu Waffengesprächen\n\n\
             Der nordkoreanische Machthaber Kim Jong-un will noch in diesem Monat nach Russland reisen.\n\n\
             Außerdem möchte Kim Nahrungsmittelhilfe für sein Land, so die New Yorker Tageszeitung.\n\n\
             Kim reist nur selten außerhalb Nordkoreas.\n\n\
             Quelle: Agenturen"
        );
    }

    /// Every language's noise lines are dropped, whatever their case.
    #[test]
    fn noise_lines_of_every_language_are_dropped() {
        for (lang, lines) in NOISE {
            for line in *lines {
                for variant in [line.to_string(), line.to_uppercase()] {
                    let text = format!("Erster Absatz.\n\n{variant}\n\nLetzter Absatz.");
                    let kept = remove_noise_lines(&text);
                    assert_eq!(
                        kept, "Erster Absatz.\n\nLetzter Absatz.",
                        "{lang}: {variant:?}"
                    );
                }
            }
        }
    }

    /// A sentence that merely starts with or contains a trigger word is prose, not noise.
    #[test]
    fn prose_with_trigger_words_is_kept() {
        for (lang, lines) in PROSE {
            for line in *lines {
                assert_eq!(remove_noise_lines(line), *line, "{lang}: {line:?}");
            }
        }
    }

    /// The byline that follows a teaser goes with it, also from the next block; prose stays.
    #[test]
    fn byline_after_teaser_is_dropped() {
        for byline in ["Von Gustav Knudsen", "By Jane Doe", "Gustav Knudsen, dpa"] {
            let text = format!("A.\n\nRead also: Kim meets Putin\n\n{byline}\n\nB.");
            assert_eq!(remove_noise_lines(&text), "A.\n\nB.", "{byline:?}");
        }
        let text = "Lesetipp: Kim in Moskau\n\nTreffen in Wladiwostok\n\nB.";
        assert_eq!(remove_noise_lines(text), "Treffen in Wladiwostok\n\nB.");
        let text = "A.\n\nLesetipp: Kim in Moskau\n\nQuelle: Agenturen";
        assert_eq!(remove_noise_lines(text), "A.\n\nQuelle: Agenturen");
    }

    /// After a bare "read also" label the teaser's headline and byline go, the next paragraph stays.
    #[test]
    fn bare_teaser_label_takes_its_headline_and_byline() {
        let text = "A.\n\nMehr zum Thema\n\nBislang 200 Spanier evakuiert\n\nGustav Knudsen | Reflexivum\n\nB.";
        assert_eq!(remove_noise_lines(text), "A.\n\nB.");
        let text = "A.\n\nAuch interessant\n\nKim reist nur selten außerhalb Nordkoreas.";
        assert_eq!(
            remove_noise_lines(text),
            "A.\n\nKim reist nur selten außerhalb Nordkoreas."
        );
    }

    /// Text without noise, single line breaks included, comes back unchanged.
    #[test]
    fn text_without_noise_is_unchanged() {
        let text = "Titel\n\nErste Zeile\nzweite Zeile.\n\nZweiter Absatz.";
        assert_eq!(remove_noise_lines(text), text);
    }

    /// A noise line inside a block goes without merging the blocks around it.
    #[test]
    fn noise_line_inside_a_block_keeps_the_block_structure() {
        let text = "Erster Absatz.\nAnzeige\n\nVorlesen lassen\nZweiter Absatz.";
        assert_eq!(
            remove_noise_lines(text),
            "Erster Absatz.\n\nZweiter Absatz."
        );
    }

    /// Empty and blank input give empty output; leading and trailing noise leaves no blank lines.
    #[test]
    fn empty_and_all_noise_input_give_empty_text() {
        assert_eq!(remove_noise_lines(""), "");
        assert_eq!(remove_noise_lines("\n\n  \n"), "");
        assert_eq!(remove_noise_lines("Anzeige\n\nText.\n\nTeilen"), "Text.");
    }

    /// A long line is never noise, even when it starts like a label.
    #[test]
    fn long_line_starting_with_a_label_is_kept() {
        let line = format!("Lesetipp: {}", "sehr langer Text ohne Ende ".repeat(8));
        assert_eq!(remove_noise_lines(&line), line);
    }

    /// Patterns are matched against lower-cased text, so they must be lower-case and trimmed.
    #[test]
    fn every_pattern_is_lower_case_and_trimmed() {
        for pattern in RULES.iter().flat_map(|rule| rule.patterns.iter()) {
            assert_eq!(*pattern, pattern.to_lowercase().trim(), "{pattern:?}");
        }
    }
}
