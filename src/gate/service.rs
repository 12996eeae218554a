//! [`GateService`]: a gate and the engine handle it decides with, shared between threads.
//! What the C library, the Python package and the HTTP sidecar each wrap, so that a record
//! gets the same decision through every host.

use super::{DataStamp, Decision, EngineHandle, Gate, PackStamp, ReloadError, ReloadReport};
use crate::date::Date;
use crate::diag::LoadError;
use crate::engine::StreamError;
use crate::pack::Severity;
use crate::record::Record;
use crate::report::Report;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A gate with history and a reloadable engine, for many threads at once.
///
/// Every call may run concurrently with every other. A decision takes the engine in use
/// once ([`EngineHandle::current`]) and keeps it to the end, so its [`Decision`] names
/// one pack even while a reload swaps another in; decisions go through the gate one at a
/// time (the history is one sequence), and each decided record joins the history. A batch
/// check ([`GateService::check`]) and a reload never wait for decisions, nor decisions for
/// them.
///
/// ```
/// use pactum::gate::GateService;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let root = env!("CARGO_MANIFEST_DIR");
/// let service = GateService::load(format!("{root}/rules"), format!("{root}/examples/data"))?;
/// let decision = service.decide_json(r#"{"id": "U-1", "kind": "pipeline_update",
///     "date": "2026-03-01", "partner": "P-SA-03", "opportunity": "OPP-9", "stage": "qualified"}"#);
/// assert_eq!(decision.pack.hash, service.pack().hash);
/// # Ok(())
/// # }
/// ```
pub struct GateService {
    handle: EngineHandle,
    gate: Mutex<Gate>,
}

impl GateService {
    /// A service deciding with `handle`'s engine, with an empty history.
    pub fn new(handle: EngineHandle) -> GateService {
        let gate = Gate::new(&handle.current());
        GateService {
            handle,
            gate: Mutex::new(gate),
        }
    }

    /// Loads the pack in `rules` and the reference data in `data` (see
    /// [`EngineHandle::load`]).
    pub fn load(rules: impl AsRef<Path>, data: impl AsRef<Path>) -> Result<GateService, LoadError> {
        EngineHandle::load(rules, data).map(GateService::new)
    }

    /// Holds records with a finding or rule error at `severity` or above (default `error`).
    pub fn with_fail_on(self, severity: Severity) -> GateService {
        let gate = self
            .gate
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        GateService {
            handle: self.handle,
            gate: Mutex::new(gate.with_fail_on(severity)),
        }
    }

    /// The engine handle, to take the engine in use or reload.
    pub fn handle(&self) -> &EngineHandle {
        &self.handle
    }

    fn gate(&self) -> MutexGuard<'_, Gate> {
        // A gate is left whole by every call (no call panics half way), so a poisoned lock
        // still guards a usable history.
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides `record` against the history, which then holds it.
    pub fn decide(&self, record: &Record) -> Decision {
        let engine = self.handle.current();
        self.gate().decide(&engine, record)
    }

    /// Decides one record given as JSON text; text that is not a record is a `reject`
    /// decision (see [`Gate::decide_json`]).
    pub fn decide_json(&self, text: &str) -> Decision {
        let engine = self.handle.current();
        self.gate().decide_json(&engine, text)
    }

    /// As [`GateService::decide_json`], for bytes that may not be UTF-8.
    pub fn decide_bytes(&self, bytes: &[u8]) -> Decision {
        let engine = self.handle.current();
        self.gate().decide_bytes(&engine, bytes)
    }

    /// Folds a record already booked into the history, without deciding it.
    pub fn remember(&self, record: &Record) {
        let engine = self.handle.current();
        self.gate().remember(&engine, record);
    }

    /// Checks a batch (JSON Lines or a JSON array) with the engine in use, streaming it, as
    /// `pactum check` does; the gate's history is not involved.
    pub fn check(&self, input: impl Read, as_of: Option<Date>) -> Result<Report, StreamError> {
        self.handle.current().run_stream(input, as_of)
    }

    /// Reloads the pack and data from folders (see [`EngineHandle::reload`]); the history
    /// stays.
    pub fn reload(
        &self,
        rules: impl AsRef<Path>,
        data: impl AsRef<Path>,
    ) -> Result<ReloadReport, ReloadError> {
        self.handle.reload(rules, data)
    }

    /// The pack in use.
    pub fn pack(&self) -> PackStamp {
        PackStamp::of(self.handle.current().pack())
    }

    /// The reference data in use.
    pub fn data(&self) -> DataStamp {
        DataStamp::of(self.handle.current().data())
    }

    /// How many records the history has taken in (decided or remembered).
    pub fn remembered(&self) -> u64 {
        self.gate().remembered()
    }
}

impl fmt::Debug for GateService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GateService")
            .field("pack", &self.pack())
            .field("remembered", &self.remembered())
            .finish()
    }
}
