//! The standard pack and the example data, built into the binary (see `build.rs`), so an
//! installed `pactum` needs no checkout.

use pactum::{LoadError, Pack};
use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// What diagnostics about the embedded pack call its folder.
pub(crate) const NAME: &str = "<embedded>";

/// The standard pack, loaded from the binary.
pub(crate) fn pack() -> Result<Pack, LoadError> {
    Pack::from_files(
        NAME,
        PACK.iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_pack_is_the_shipped_folder() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules");
        for (path, text) in PACK {
            assert_eq!(std::fs::read_to_string(root.join(path)).unwrap(), *text);
        }
        let embedded = pack().unwrap();
        let folder = Pack::load(&root).unwrap();
        assert_eq!(embedded.name(), folder.name());
        assert_eq!(embedded.version(), folder.version());
        let ids = |p: &Pack| p.rules().iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&embedded), ids(&folder));
        assert!(
            PACK.iter()
                .any(|(p, _)| *p == "scripts/partner_active.rhai")
        );
        assert!(PACK.iter().any(|(p, _)| *p == "tests/price.toml"));
    }
}
