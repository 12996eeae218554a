//! Content hashes of a pack and of reference data: SHA-256 over the files' relative paths
//! and bytes, in path order, so the same files give the same hash on every machine (no
//! absolute paths, no modification times) and any edit of any byte changes it.
//!
//! Framing, per file in byte order of its path: the path (components joined by `/`), a NUL,
//! the content's length as 8 bytes little-endian, the content. The hash is the lowercase
//! hex of the digest, prefixed `sha256:`.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// The hash of `files`: `(relative path, bytes)` pairs in any order.
pub(crate) fn files_hash<'a>(files: impl IntoIterator<Item = (String, &'a [u8])>) -> String {
    let mut files: Vec<(String, &[u8])> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    for (path, bytes) in &files {
        hasher.update(path.as_bytes());
        hasher.update([0u8]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// `file` relative to `root`, its components joined by `/`.
fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The hash of a pack from the files its loading read (manifest, rule files, scripts), as
/// `(path under root, text)`.
pub(crate) fn pack_hash<'a>(
    root: &Path,
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> String {
    files_hash(
        files
            .into_iter()
            .map(|(file, text)| (relative(root, file), text.as_bytes())),
    )
}

/// The hash of a layered pack: its own files (as [`pack_hash`]) and its base's hash, as a
/// file named `\0extends` (a NUL, so no file of the layer can take its place).
pub(crate) fn layered_hash<'a>(
    root: &Path,
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    base_hash: &'a str,
) -> String {
    files_hash(
        files
            .into_iter()
            .map(|(file, text)| (relative(root, file), text.as_bytes()))
            .chain(std::iter::once((
                "\0extends".to_owned(),
                base_hash.as_bytes(),
            ))),
    )
}

/// The hash of a reference data folder: the CSV files of `names` that exist in `dir`, read
/// as bytes. `None` when one cannot be read (the load reports it).
pub(crate) fn data_hash(
    dir: &Path,
    names: impl IntoIterator<Item = &'static str>,
) -> Option<String> {
    let mut files = Vec::new();
    for name in names {
        let path = dir.join(name);
        if path.is_file() {
            files.push((name.to_owned(), std::fs::read(&path).ok()?));
        }
    }
    Some(files_hash(
        files.iter().map(|(n, b)| (n.clone(), b.as_slice())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_byte_and_any_name_changes_the_hash_and_order_does_not() {
        let a = files_hash([("a.toml".to_owned(), &b"x = 1"[..]), ("b".to_owned(), b"")]);
        let b = files_hash([("b".to_owned(), &b""[..]), ("a.toml".to_owned(), b"x = 1")]);
        assert_eq!(a, b);
        assert_ne!(
            a,
            files_hash([("a.toml".to_owned(), &b"x = 2"[..]), ("b".to_owned(), b"")])
        );
        assert_ne!(
            a,
            files_hash([("a.toml".to_owned(), &b"x = 1"[..]), ("c".to_owned(), b"")])
        );
        // Length framing: moving a byte from one file to the next changes the hash.
        let c = files_hash([("a".to_owned(), &b"xy"[..]), ("b".to_owned(), b"z")]);
        let d = files_hash([("a".to_owned(), &b"x"[..]), ("b".to_owned(), b"yz")]);
        assert_ne!(c, d);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
    }
}
