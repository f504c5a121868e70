//! UN/EDIFACT syntax (ISO 9735) as far as PAXLST needs it: the `UNA`
//! service string advice, segments, data elements, components and the
//! release character.

use serde::Serialize;
use thiserror::Error;

/// The six service characters a `UNA` segment may redefine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceChars {
    pub component: char,
    pub element: char,
    pub decimal: char,
    pub release: char,
    pub reserved: char,
    pub terminator: char,
}

impl Default for ServiceChars {
    /// ISO 9735's defaults, `UNA:+.? '`.
    fn default() -> Self {
        ServiceChars { component: ':', element: '+', decimal: '.', release: '?', reserved: ' ', terminator: '\'' }
    }
}

/// One segment as written: a tag and its data elements, each a list of
/// components with release characters already removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawSegment {
    pub tag: String,
    /// Data elements after the tag; each holds one or more components.
    pub elements: Vec<Vec<String>>,
    /// Byte offset of the tag in the interchange.
    pub offset: usize,
    /// Zero-based position among the interchange's segments (`UNA` excluded).
    pub index: usize,
}

impl RawSegment {
    /// Component `c` of element `e` (both zero-based), empty when absent.
    pub fn get(&self, e: usize, c: usize) -> &str {
        self.elements.get(e).and_then(|el| el.get(c)).map_or("", String::as_str)
    }
}

/// Why the text cannot be cut into segments.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
pub enum TokenError {
    #[error("UNA at byte {offset} must be followed by six service characters")]
    ShortUna { offset: usize },
    #[error("segment at byte {offset} has no terminator")]
    Unterminated { offset: usize },
    #[error("release character at byte {offset} escapes nothing")]
    DanglingRelease { offset: usize },
    #[error("segment at byte {offset} has tag {tag:?}, expected three letters or digits")]
    BadTag { offset: usize, tag: String },
}

/// Cuts an interchange into segments, stopping at the first error.
pub struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
    index: usize,
    chars: ServiceChars,
    failed: bool,
}

impl<'a> Tokenizer<'a> {
    /// Reads the `UNA` advice if present; the defaults apply otherwise.
    pub fn new(text: &'a str) -> Result<Self, TokenError> {
        let start = text.len() - text.trim_start_matches(['\u{feff}', ' ', '\r', '\n', '\t']).len();
        let rest = text.get(start..).unwrap_or("");
        let mut tokenizer = Tokenizer { text, pos: start, index: 0, chars: ServiceChars::default(), failed: false };
        if let Some(advice) = rest.strip_prefix("UNA") {
            let mut it = advice.chars();
            let mut next = || it.next().ok_or(TokenError::ShortUna { offset: start });
            tokenizer.chars = ServiceChars {
                component: next()?,
                element: next()?,
                decimal: next()?,
                release: next()?,
                reserved: next()?,
                terminator: next()?,
            };
            let advice_len: usize = advice.chars().take(6).map(char::len_utf8).sum();
            tokenizer.pos = start + 3 + advice_len;
        }
        Ok(tokenizer)
    }

    fn skip_separators(&mut self) {
        let rest = self.text.get(self.pos..).unwrap_or("");
        self.pos += rest.len() - rest.trim_start_matches(['\r', '\n', '\t', ' ']).len();
    }

    fn segment(&mut self) -> Result<RawSegment, TokenError> {
        let offset = self.pos;
        let rest = self.text.get(offset..).unwrap_or("");
        let sc = self.chars;
        let mut elements: Vec<Vec<String>> = vec![vec![String::new()]];
        let mut iter = rest.char_indices();
        loop {
            let Some((i, c)) = iter.next() else {
                return Err(TokenError::Unterminated { offset });
            };
            let current = elements.last_mut().and_then(|e| e.last_mut());
            if c == sc.release {
                match iter.next() {
                    Some((_, escaped)) => current.into_iter().for_each(|s| s.push(escaped)),
                    None => return Err(TokenError::DanglingRelease { offset: offset + i }),
                }
            } else if c == sc.terminator {
                self.pos = offset + i + c.len_utf8();
                break;
            } else if c == sc.element {
                elements.push(vec![String::new()]);
            } else if c == sc.component {
                if let Some(e) = elements.last_mut() {
                    e.push(String::new());
                }
            } else if let Some(s) = current {
                s.push(c);
            }
        }
        let mut parts = elements.into_iter();
        let tag = parts.next().unwrap_or_default().join(":");
        if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(TokenError::BadTag { offset, tag });
        }
        let index = self.index;
        self.index += 1;
        Ok(RawSegment { tag, elements: parts.collect(), offset, index })
    }
}

impl Iterator for Tokenizer<'_> {
    type Item = Result<RawSegment, TokenError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.skip_separators();
        if self.pos >= self.text.len() {
            return None;
        }
        let segment = self.segment();
        self.failed = segment.is_err();
        Some(segment)
    }
}

/// Cuts a whole interchange into segments.
pub fn tokenize(text: &str) -> Result<Vec<RawSegment>, TokenError> {
    Tokenizer::new(text)?.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_service_chars_and_release() {
        let segs = tokenize("UNB+UNOA:4+SENDER'\nNAD+FL+++O?'BRIEN:JOHN?+JR+1?:2'").expect("ok");
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].tag, "UNB");
        assert_eq!(segs[0].elements, vec![vec!["UNOA", "4"], vec!["SENDER"]]);
        assert_eq!(segs[1].offset, 19);
        assert_eq!(segs[1].index, 1);
        assert_eq!(segs[1].get(3, 0), "O'BRIEN");
        assert_eq!(segs[1].get(3, 1), "JOHN+JR");
        assert_eq!(segs[1].get(4, 0), "1:2");
    }

    #[test]
    fn una_redefines_separators() {
        let segs = tokenize("UNA*|,#  NAD|FL|||SMITH*JO#|HN \r\nCNT|42*1 ").expect("ok");
        assert_eq!(segs[0].get(3, 1), "JO|HN");
        assert_eq!(segs[1].get(0, 1), "1");
        assert_eq!(segs[0].offset, 9);
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(tokenize("UNA:+"), Err(TokenError::ShortUna { offset: 0 }));
        assert_eq!(tokenize("BGM+745'NAD+FL"), Err(TokenError::Unterminated { offset: 8 }));
        assert_eq!(tokenize("BGM+745?"), Err(TokenError::DanglingRelease { offset: 7 }));
        assert!(matches!(tokenize("bgm+1'"), Err(TokenError::BadTag { offset: 0, .. })));
    }
}
