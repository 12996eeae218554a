//! Near misses: a `kind` or a top-level key that is not the one the rules know, but reads
//! as it to a person (other case, whitespace, invisible characters, look-alike letters, a
//! typo). A near miss is rejected with a did-you-mean instead of being read as something
//! else: a sale of kind `Sale` would otherwise be judged by no sale rule, and lines under
//! `Lines` would be a sale with no lines.
//!
//! Two names are compared by their *skeleton*: lowercased; whitespace, `-` and `.` made
//! `_`; invisible characters (format characters such as U+200B, U+2060, U+FEFF, U+00AD,
//! and the variation selectors) dropped; and the look-alikes of the letters known names
//! use mapped to them by [`CONFUSABLES`], a small table of Cyrillic, Greek, Armenian and
//! Latin letters drawn from Unicode's confusables list (UTS #39) for `a`-`z`, plus the
//! fullwidth forms. No crate: the one that implements UTS #39 skeletons
//! (`unicode-security`) is not among the project's dependencies and its whole table is far
//! more than the eighteen letters known names use. A name whose skeleton equals a known
//! name's, or is within [`did_you_mean`]'s distance of it, is a near miss.

use super::{At, Kind, RECORD_FIELDS, RecordError, RecordErrorKind};
use crate::diag::did_you_mean;

/// Names longer than this are never near a known one (and are not compared, so a
/// megabyte-long kind costs nothing).
const LONGEST: usize = 64;

/// Look-alikes of the Latin letters, as `(look-alike, letter)`, after lowercasing.
const CONFUSABLES: &[(char, char)] = &[
    // Cyrillic
    ('\u{430}', 'a'),
    ('\u{435}', 'e'),
    ('\u{450}', 'e'),
    ('\u{451}', 'e'),
    ('\u{43e}', 'o'),
    ('\u{440}', 'p'),
    ('\u{441}', 'c'),
    ('\u{443}', 'y'),
    ('\u{445}', 'x'),
    ('\u{455}', 's'),
    ('\u{456}', 'i'),
    ('\u{457}', 'i'),
    ('\u{458}', 'j'),
    ('\u{4bb}', 'h'),
    ('\u{4cf}', 'l'),
    ('\u{501}', 'd'),
    ('\u{51b}', 'q'),
    ('\u{51d}', 'w'),
    ('\u{432}', 'b'),
    ('\u{43a}', 'k'),
    ('\u{43c}', 'm'),
    ('\u{43d}', 'h'),
    ('\u{442}', 't'),
    ('\u{433}', 'r'),
    ('\u{44c}', 'b'),
    // Greek
    ('\u{3b1}', 'a'),
    ('\u{3b5}', 'e'),
    ('\u{3b9}', 'i'),
    ('\u{3ba}', 'k'),
    ('\u{3bd}', 'v'),
    ('\u{3bf}', 'o'),
    ('\u{3c1}', 'p'),
    ('\u{3c4}', 't'),
    ('\u{3c5}', 'u'),
    ('\u{3c7}', 'x'),
    ('\u{3b3}', 'y'),
    // Armenian
    ('\u{578}', 'n'),
    ('\u{57d}', 'u'),
    ('\u{585}', 'o'),
    ('\u{570}', 'h'),
    ('\u{563}', 'q'),
    // Latin
    ('\u{131}', 'i'),
    ('\u{237}', 'j'),
    ('\u{261}', 'g'),
    ('\u{251}', 'a'),
    ('\u{1d00}', 'a'),
    ('\u{2113}', 'l'),
    ('\u{17f}', 'f'),
    ('\u{269}', 'i'),
    ('\u{28f}', 'y'),
];

/// Whether `c` is invisible when printed: format characters, joiners, variation selectors.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fff8}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// The skeleton of `name` (see the module's documentation), or `None` when it is too long
/// to be near a known name.
pub(crate) fn skeleton(name: &str) -> Option<String> {
    if name.len() > LONGEST * 4 {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if invisible(c) || c.is_control() {
            continue;
        }
        let c = match c {
            c if c.is_whitespace() || c == '-' || c == '.' => '_',
            // Fullwidth ASCII.
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0)
                .unwrap_or(c)
                .to_ascii_lowercase(),
            c => CONFUSABLES
                .iter()
                .find(|(look, _)| *look == c)
                .map_or(c, |(_, letter)| *letter),
        };
        out.push(c);
    }
    let out = out.trim_matches('_').to_owned();
    (out.chars().count() <= LONGEST).then_some(out)
}

/// The known name `name` stands for, when it is not one but reads as one: its skeleton
/// equals the known name's, or is within `did_you_mean`'s distance of it (`close`).
fn near<'k>(name: &str, known: &[&'k str], close: bool) -> Option<&'k str> {
    let skeleton = skeleton(name)?;
    if let Some(k) = known.iter().find(|k| skeleton == **k) {
        return Some(k);
    }
    if !close {
        return None;
    }
    let hint = did_you_mean(&skeleton, known.iter().copied())?;
    known
        .iter()
        .copied()
        .find(|k| hint == format!("did you mean `{k}`?"))
}

/// `text` as an error shows it: control and invisible characters as escapes (`\u{200b}`),
/// so that what tells it from a known name can be seen.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `Err` when `name` (a record's `kind`, not a known kind) is a near miss of a known kind.
pub(crate) fn check_kind(kind: &Kind) -> Result<(), RecordError> {
    let Kind::Other(name) = kind else {
        return Ok(());
    };
    match near(name, Kind::KNOWN, true) {
        None => Ok(()),
        Some(known) => Err(RecordError::new(
            At::Field("kind"),
            RecordErrorKind::NearMiss {
                found: name.clone(),
                known,
            },
        )),
    }
}

/// Synonyms a partner might file a known kind's lists under, as skeletons.
const SYNONYMS: &[(&str, &str)] = &[
    ("items", "lines"),
    ("item", "lines"),
    ("line_items", "lines"),
    ("lineitems", "lines"),
    ("products", "lines"),
    ("goods", "lines"),
    ("positions", "lines"),
    ("docs", "documents"),
    ("doc", "documents"),
    ("attachments", "documents"),
    ("paperwork", "documents"),
];

/// `Err` when a top-level key that is not a field of its own (`key`) on a record of a
/// known kind reads as one: any field by its skeleton, and `lines` and `documents` also
/// by one edit or a common synonym (`items`, `docs`). An unknown kind keeps any key.
pub(crate) fn check_key(kind: &Kind, key: &str) -> Result<(), RecordError> {
    if matches!(kind, Kind::Other(_)) || RECORD_FIELDS.contains(&key) {
        return Ok(());
    }
    let Some(skeleton) = skeleton(key) else {
        return Ok(());
    };
    let known = RECORD_FIELDS
        .iter()
        .copied()
        .find(|f| skeleton == *f)
        .or_else(|| {
            SYNONYMS
                .iter()
                .find(|(s, _)| skeleton == *s)
                .map(|(_, f)| *f)
        })
        .or_else(|| {
            ["lines", "documents"]
                .into_iter()
                .find(|f| one_edit(&skeleton, f))
        });
    match known {
        None => Ok(()),
        Some(known) => Err(RecordError::new_at(
            shown(key),
            RecordErrorKind::NearMissKey { known },
        )),
    }
}

/// Whether `a` is one insertion, deletion, substitution or swap of neighbours from `b`.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    let tail = |x: &[char], n: usize| x.get(n..).map(<[char]>::to_vec);
    tail(a, 1) == tail(b, 1)
        || tail(a, 1).as_deref() == Some(b)
        || tail(b, 1).as_deref() == Some(a)
        || (a.len() >= 2
            && a.len() == b.len()
            && a.first() == b.get(1)
            && a.get(1) == b.first()
            && tail(a, 2) == tail(b, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_fold_case_space_invisibles_and_look_alikes() {
        assert_eq!(skeleton(" S\u{430}l\u{200b}E ").as_deref(), Some("sale"));
        assert_eq!(
            skeleton("Pipeline-Update").as_deref(),
            Some("pipeline_update")
        );
        assert_eq!(skeleton("\u{ff33}ale").as_deref(), Some("sale"));
        assert_eq!(skeleton(&"x".repeat(1000)), None);
    }

    #[test]
    fn one_edit_is_one_edit() {
        assert!(one_edit("line", "lines"));
        assert!(one_edit("liens", "lines"));
        assert!(one_edit("lined", "lines"));
        assert!(!one_edit("lines", "lines"));
        assert!(!one_edit("comments", "documents"));
        assert!(!one_edit("li", "lines"));
    }

    #[test]
    fn kinds_far_from_known_ones_are_not_near() {
        for kind in ["warranty_claim", "rebate", "return", "memo"] {
            assert!(check_kind(&Kind::Other(kind.into())).is_ok(), "{kind}");
        }
    }
}
