//! A byte-level XML tokenizer for the item cap ([`super::cap`]): start and end tags, text and
//! CDATA with their byte offsets; comments, processing instructions and the doctype skipped. It
//! needs no decoding (every encoding the first parse can see is ASCII-compatible in its markup),
//! never fails, and stops where the document breaks off. quick-xml would refuse the
//! windows-1252 bytes that feed-rs decodes before reading.

/// What one piece of the document is.
pub(super) enum Token<'a> {
    /// A start tag (`empty` for `<x/>`); `name` as written, prefix included.
    Start { name: &'a [u8], empty: bool },
    /// An end tag.
    End,
    /// Character data between tags, entities left as written.
    Text(&'a [u8]),
    /// The inside of a CDATA section.
    CData(&'a [u8]),
}

/// The tokens of a document with their byte spans, in order.
pub(super) struct Tokens<'a> {
    doc: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(doc: &'a [u8]) -> Self {
        Tokens { doc, pos: 0 }
    }

    /// The end (exclusive) of the markup starting at `at` with `<`: after its `>`, or `None`
    /// when the document ends first. Quoted attribute values may hold `>`.
    fn tag_end(&self, at: usize) -> Option<usize> {
        let mut pos = at + 1;
        loop {
            let found = pos + memchr::memchr3(b'>', b'"', b'\'', &self.doc[pos..])?;
            let byte = self.doc[found];
            if byte == b'>' {
                return Some(found + 1);
            }
            pos = found + 1 + memchr::memchr(byte, &self.doc[found + 1..])? + 1;
        }
    }

    /// The end of a `<!...>` declaration (the doctype), across an internal subset in `[...]`.
    fn declaration_end(&self, at: usize) -> Option<usize> {
        let mut brackets = 0usize;
        for (offset, &byte) in self.doc[at..].iter().enumerate() {
            match byte {
                b'[' => brackets += 1,
                b']' => brackets = brackets.saturating_sub(1),
                b'>' if brackets == 0 => return Some(at + offset + 1),
                _ => {}
            }
        }
        None
    }

    /// The end of markup closed by `close`, searched from `from`.
    fn closed_by(&self, from: usize, close: &[u8]) -> Option<usize> {
        memchr::memmem::find(&self.doc[from..], close).map(|at| from + at + close.len())
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (usize, usize, Token<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let start = self.pos;
            let rest = self.doc.get(start..)?;
            if rest.is_empty() {
                return None;
            }
            if rest[0] != b'<' {
                let end = memchr::memchr(b'<', rest).map_or(self.doc.len(), |at| start + at);
                self.pos = end;
                return Some((start, end, Token::Text(&self.doc[start..end])));
            }
            let (end, token) = if rest.starts_with(b"<!--") {
                (self.closed_by(start + 4, b"-->")?, None)
            } else if rest.starts_with(b"<![CDATA[") {
                let end = self.closed_by(start + 9, b"]]>")?;
                (end, Some(Token::CData(&self.doc[start + 9..end - 3])))
            } else if rest.starts_with(b"<?") {
                (self.closed_by(start + 2, b"?>")?, None)
            } else if rest.starts_with(b"<!") {
                (self.declaration_end(start)?, None)
            } else if rest.starts_with(b"</") {
                (self.tag_end(start)?, Some(Token::End))
            } else {
                let end = self.tag_end(start)?;
                let name_len = rest[1..]
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                    .unwrap_or(0);
                let token = (name_len > 0).then(|| Token::Start {
                    name: &rest[1..1 + name_len],
                    empty: self.doc[end - 2] == b'/',
                });
                (end, token)
            };
            self.pos = end;
            if let Some(token) = token {
                return Some((start, end, token));
            }
        }
    }
}

/// The local part of a qualified name (`atom:entry` -> `entry`).
pub(super) fn local_name(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each token as a short string, for comparing.
    fn tokens(doc: &str) -> Vec<String> {
        Tokens::new(doc.as_bytes())
            .map(|(start, end, token)| {
                let span = &doc[start..end];
                match token {
                    Token::Start { name, empty } => {
                        format!("start {} {empty} {span}", String::from_utf8_lossy(name))
                    }
                    Token::End => format!("end {span}"),
                    Token::Text(text) => format!("text {}", String::from_utf8_lossy(text)),
                    Token::CData(text) => format!("cdata {}", String::from_utf8_lossy(text)),
                }
            })
            .collect()
    }

    /// Tags, text and CDATA come out with their spans; comments, PIs and the doctype do not,
    /// and `>` inside a quoted attribute does not end its tag.
    #[test]
    fn markup_is_split_into_tokens() {
        let doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x \"y\">]><!-- <a> -->\
                   <rss v='1>2'><a:b/>t &amp; u<![CDATA[<c>]]></rss>";
        assert_eq!(
            tokens(doc),
            [
                "start rss false <rss v='1>2'>",
                "start a:b true <a:b/>",
                "text t &amp; u",
                "cdata <c>",
                "end </rss>",
            ]
        );
    }

    /// A document that breaks off ends the tokens where the last whole token ends, whatever
    /// the bytes; a `<` that opens no name is skipped.
    #[test]
    fn broken_markup_ends_the_tokens_without_panicking() {
        assert_eq!(tokens("<a>x<b c=\"d"), ["start a false <a>", "text x"]);
        assert_eq!(tokens("<a><!-- x"), ["start a false <a>"]);
        assert_eq!(tokens("< a>b"), ["text b"]);
        assert!(tokens("").is_empty());
        let bytes = [b'<', b'a', b'>', 0xE9, 0xFF, b'<', b'/', b'a', b'>'];
        assert_eq!(Tokens::new(&bytes).count(), 3);
    }

    #[test]
    fn local_name_drops_the_prefix() {
        assert_eq!(local_name(b"dc:date"), b"date");
        assert_eq!(local_name(b"item"), b"item");
    }
}
