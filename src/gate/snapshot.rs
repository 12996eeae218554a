//! A gate's history as bytes and back: JSON, versioned, naming the pack it was built under.
//!
//! ```json
//! {"format": "pactum-gate-history", "version": 1,
//!  "pack": {"name": "...", "version": "...", "hash": "sha256:..."},
//!  "first": "2026-01-02", "latest": "2026-03-14", "retention_days": null, "remembered": 65,
//!  "fail_on": "error",
//!  "rules": [{"rule": "pipeline.cadence", "kind": "pipeline-cadence", "history": {...}}]}
//! ```

use super::{Gate, Kept};
use crate::checks::Names;
use crate::date::Date;
use crate::engine::Engine;
use crate::pack::Severity;
use serde::{Deserialize, Serialize};

const FORMAT: &str = "pactum-gate-history";
const VERSION: u32 = 1;

/// Why a snapshot could not be restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// The bytes are not a gate snapshot this version of pactum reads.
    #[error("not a gate snapshot: {0}")]
    Unreadable(String),
    /// The snapshot's format version is not one this version of pactum reads.
    #[error("gate snapshot version {found} is not supported (this pactum reads version {VERSION})")]
    Version {
        /// The version the snapshot says.
        found: u32,
    },
    /// The snapshot was built under another pack. [`Gate::restore_across_packs`] restores
    /// it anyway, keeping the history of every rule still there with the same id and kind.
    #[error(
        "the gate snapshot was built under pack `{snapshot}`, but the engine's pack is `{engine}`: restore it with `restore_across_packs` to keep the history of the rules both have"
    )]
    OtherPack {
        /// The hash of the snapshot's pack.
        snapshot: String,
        /// The hash of the engine's pack.
        engine: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: String,
    version: u32,
    pack: PackOf,
    first: Option<Date>,
    latest: Option<Date>,
    retention_days: Option<i64>,
    remembered: u64,
    fail_on: String,
    rules: Vec<RuleHistory>,
}

#[derive(Serialize, Deserialize)]
struct PackOf {
    name: String,
    version: String,
    hash: String,
}

#[derive(Serialize, Deserialize)]
struct RuleHistory {
    rule: String,
    kind: String,
    history: serde_json::Value,
}

/// Dates read back from snapshots as they are written: `2026-03-14`.
impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Gate {
    /// The gate's history as bytes (JSON), to [`Gate::restore`] after a restart instead of
    /// replaying the records. The history is first bound to `engine`'s pack (as a decision
    /// would bind it), so the snapshot names the pack in force even right after a reload.
    pub fn snapshot(&mut self, engine: &Engine) -> Result<Vec<u8>, GateError> {
        self.bind(engine);
        let pack = engine.pack();
        let mut rules = Vec::new();
        for kept in self.kept.iter().flatten() {
            rules.push(RuleHistory {
                rule: kept.names.id.to_string(),
                kind: kept.kind.to_owned(),
                history: kept
                    .history
                    .to_json()
                    .map_err(|e| GateError::Unreadable(e.to_string()))?,
            });
        }
        let snapshot = Snapshot {
            format: FORMAT.to_owned(),
            version: VERSION,
            pack: PackOf {
                name: pack.name().to_owned(),
                version: pack.version().to_owned(),
                hash: self.pack_hash.clone(),
            },
            first: self.first,
            latest: self.latest,
            retention_days: self.retention_days,
            remembered: self.remembered,
            fail_on: self.fail_on.as_str().to_owned(),
            rules,
        };
        serde_json::to_vec(&snapshot).map_err(|e| GateError::Unreadable(e.to_string()))
    }

    /// A gate with the history `bytes` (from [`Gate::snapshot`]) holds, for `engine`. A
    /// snapshot built under another pack (any file's bytes differ) is an error,
    /// [`GateError::OtherPack`].
    pub fn restore(engine: &Engine, bytes: &[u8]) -> Result<Gate, GateError> {
        Gate::read(engine, bytes, false)
    }

    /// As [`Gate::restore`], accepting a snapshot built under another pack: each rule keeps
    /// the history of the snapshot's rule with its id and kind, and starts empty otherwise.
    pub fn restore_across_packs(engine: &Engine, bytes: &[u8]) -> Result<Gate, GateError> {
        Gate::read(engine, bytes, true)
    }

    fn read(engine: &Engine, bytes: &[u8], across: bool) -> Result<Gate, GateError> {
        let unreadable = |e: serde_json::Error| GateError::Unreadable(e.to_string());
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(unreadable)?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(GateError::Unreadable(format!(
                "the `format` key is not `{FORMAT}`"
            )));
        }
        let found = value.get("version").and_then(serde_json::Value::as_u64);
        if found != Some(u64::from(VERSION)) {
            return Err(GateError::Version {
                found: found.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
            });
        }
        let snapshot: Snapshot = serde_json::from_value(value).map_err(unreadable)?;
        let pack = engine.pack();
        if !across && snapshot.pack.hash != pack.hash() {
            return Err(GateError::OtherPack {
                snapshot: snapshot.pack.hash,
                engine: pack.hash().to_owned(),
            });
        }
        let mut kept = Vec::new();
        for r in snapshot.rules {
            let Some(rule) = pack
                .rules()
                .iter()
                .find(|x| x.id == r.rule && x.check.kind_name() == r.kind)
            else {
                continue;
            };
            let history = rule.check.history_from_json(r.history).map_err(|e| {
                GateError::Unreadable(format!("the history of rule `{}`: {e}", r.rule))
            })?;
            kept.push(Some(Kept {
                names: Names::of(rule),
                kind: rule.check.kind_name(),
                history,
            }));
        }
        let mut gate = Gate {
            // The kept histories are matched to the engine's rules by id and kind.
            pack_hash: snapshot.pack.hash,
            kept,
            first: snapshot.first,
            latest: snapshot.latest,
            retention_days: snapshot.retention_days,
            fail_on: Severity::from_name(&snapshot.fail_on).unwrap_or(Severity::Error),
            remembered: snapshot.remembered,
        };
        // Force a rebinding by id and kind to the engine's rule order.
        gate.pack_hash.clear();
        gate.bind(engine);
        Ok(gate)
    }
}
