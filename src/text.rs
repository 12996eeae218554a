//! Text that came from input, made safe to print to a terminal.
//!
//! Record ids, skus, partner ids, pack titles, script messages and the lines of a pack file
//! are written by partners and pack authors, who may be hostile: an ESC sequence clears the
//! screen or plants an OSC 8 hyperlink, a CR or LF forges a whole report line, a bidi
//! override shows text in another order than it is stored. Every text renderer passes such
//! strings through [`escape`], which shows each of those characters as a visible escape
//! such as `\u{1b}`; everything else (letters of any script, emoji, the backslash) is
//! printed as it is, so ordinary input reads unchanged. JSON output is not escaped this
//! way: JSON has escapes of its own.

use std::borrow::Cow;
use std::fmt;

/// True for a character a terminal would act on or that would hide or reorder text:
/// control characters (C0, DEL, C1; line breaks and tabs included), bidi embeddings,
/// overrides, isolates and marks, zero-width and other invisible format characters, the
/// line and paragraph separators, and the interlinear annotation and tag characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// `text` with every [unsafe](is_unsafe) character shown as `\u{..}` (lowercase hex), as a
/// value that displays so; allocation-free when written with `write!`.
///
/// ```
/// assert_eq!(pactum::text::escape("a\u{1b}[2J\r\nb").to_string(), "a\\u{1b}[2J\\u{d}\\u{a}b");
/// assert_eq!(pactum::text::escape("Über-Teil").to_string(), "Über-Teil");
/// ```
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// `text` escaped as [`escape`] does, borrowed when nothing needed escaping.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(escape(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// A string that displays with its [unsafe](is_unsafe) characters escaped; see [`escape`].
/// Width, fill and alignment (`{:<20}`) apply to the escaped text.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_some() {
            return f.pad(&escaped(self.0));
        }
        let mut rest = self.0;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            f.write_str(rest.get(..i).unwrap_or(""))?;
            write!(f, "\\u{{{:x}}}", u32::from(c))?;
            rest = rest.get(i + c.len_utf8()..).unwrap_or("");
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_acts_on() {
        let cases = [
            ("\u{1b}[2J", "\\u{1b}[2J"),
            ("a\r\nb", "a\\u{d}\\u{a}b"),
            ("\u{7f}\u{9b}", "\\u{7f}\\u{9b}"),
            ("\u{202e}x\u{2066}", "\\u{202e}x\\u{2066}"),
            ("sale\u{200b}", "sale\\u{200b}"),
            ("\t", "\\u{9}"),
        ];
        for (input, shown) in cases {
            assert_eq!(escape(input).to_string(), shown);
            assert_eq!(escaped(input), shown);
        }
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for s in ["SO-0201", "Straße 5, Zürich", "東京", "a\\u{1b}", "😀", ""] {
            assert_eq!(escape(s).to_string(), s);
            assert!(matches!(escaped(s), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn padding_applies_to_the_escaped_text() {
        assert_eq!(format!("{:<8}|", escape("a\u{1b}")), "a\\u{1b} |");
        assert_eq!(format!("{:>3}|", escape("ab")), " ab|");
    }
}
