//! Keys given twice. A JSON parser keeps the last value of a repeated key, so
//! `"unit_price":"1.00","unit_price":"95.00"` would read as a clean 95.00 while a system
//! that keeps the first value sees 1.00: a record that says two things is refused, at any
//! level (the record, a line, a document, `attrs` and anything nested in it).
//!
//! The value reader runs [`check`] first; the typed reader in `de.rs` notices a repeated
//! key itself (cheaply, by the fields it knows and a strict map for the rest) and falls back
//! to the value reader, so both give this error.

use super::near::shown;
use super::tree::Entries;
use super::{RecordError, RecordErrorKind};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// `Err` naming the first key given twice in `raw` (in text order), with the columns of
/// both, counted from the start of `raw`.
pub(crate) fn check(raw: &RawValue) -> Result<(), RecordError> {
    let base = raw.get();
    let mut path = String::new();
    walk(base, raw, &mut path)
}

fn walk(base: &str, raw: &RawValue, path: &mut String) -> Result<(), RecordError> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => {
            // Malformed text is not this check's to refuse: the reader that follows says why.
            let Ok(Entries(entries)) = serde_json::from_str::<Entries<'_>>(text) else {
                return Ok(());
            };
            let mut seen: HashMap<&Cow<'_, str>, usize> = HashMap::with_capacity(entries.len());
            for (key, value) in &entries {
                let column = key_column(base, offset(base, value));
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&shown(key));
                if let Some(first) = seen.insert(key, column) {
                    return Err(RecordError::new_at(
                        path.clone(),
                        RecordErrorKind::DuplicateKey {
                            first,
                            second: column,
                        },
                    ));
                }
                walk(base, value, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Some(b'[') => {
            let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(text) else {
                return Ok(());
            };
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(base, item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Where `value` starts in `base`, in bytes (it is a slice of it).
fn offset(base: &str, value: &RawValue) -> usize {
    (value.get().as_ptr() as usize).saturating_sub(base.as_ptr() as usize)
}

/// The 1-based column of the opening quote of the key whose value starts at byte `value`
/// of `base`: back over the colon and spaces to the closing quote, then back to the first
/// quote that no backslash escapes.
fn key_column(base: &str, value: usize) -> usize {
    let bytes = base.as_bytes();
    let mut i = value;
    while i > 0
        && bytes
            .get(i - 1)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b':'))
    {
        i -= 1;
    }
    // `i - 1` is the key's closing quote.
    let Some(mut j) = i.checked_sub(1) else {
        return value + 1;
    };
    while j > 0 {
        j -= 1;
        if bytes.get(j) == Some(&b'"') {
            let backslashes = bytes
                .get(..j)
                .unwrap_or(&[])
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                return j + 1;
            }
        }
    }
    value + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Option<String> {
        let raw: &RawValue = serde_json::from_str(text).unwrap();
        check(raw).err().map(|e| e.to_string())
    }

    #[test]
    fn names_the_path_and_both_columns() {
        assert_eq!(reason(r#"{"a":1,"b":[{"c":1}]}"#), None);
        assert_eq!(
            reason(r#"{"a":1, "a" : 2}"#).as_deref(),
            Some(
                "field `a`: the key is given twice (columns 2 and 9); a record must give each key once"
            )
        );
        let nested = reason(r#"{"b":[{},{"c":1,"\"c\\":2,"c":3}]}"#).unwrap();
        assert!(
            nested.starts_with("field `b[1].c`: the key is given twice (columns 11 and 27)"),
            "{nested}"
        );
    }
}
