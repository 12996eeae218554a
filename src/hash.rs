//! The hashing the hot path uses. aHash is several times faster than the standard SipHash
//! on short keys (skus, partner ids); every key comes from the OEM's own files and records,
//! so hash flooding is not a threat worth SipHash's cost.

use std::collections::HashMap;
use std::hash::Hash;

/// A hash map keyed the fast way.
pub(crate) type FastMap<K, V> = HashMap<K, V, ahash::RandomState>;

/// A 64-bit hash of `value` under a fixed `seed`: the same in every run of one build, so
/// that hashes from different threads of a run compare.
pub(crate) fn fixed_hash<T: Hash + ?Sized>(seed: u64, value: &T) -> u64 {
    ahash::RandomState::with_seeds(
        seed,
        0x243F_6A88_85A3_08D3,
        0x1319_8A2E_0370_7344,
        0xA409_3822_299F_31D0,
    )
    .hash_one(value)
}
