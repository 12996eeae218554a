//! A shared engine that can be reloaded safely while decisions run: [`EngineHandle`].

use super::{DataStamp, PackStamp};
use crate::diag::LoadError;
use crate::engine::Engine;
use crate::pack::Pack;
use crate::refdata::RefData;
use crate::testing::{TestReport, run_tests};
use arc_swap::ArcSwap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The engine an order system decides with, shared between threads and replaced only by a
/// pack that loads and passes its own test cases.
///
/// [`EngineHandle::current`] hands out the engine in use as an [`Arc`]: a decision holds it
/// for its whole duration, so a decision in flight during a reload finishes on the engine
/// it started with, and its [`Decision`](super::Decision) names that engine's pack hash.
/// [`EngineHandle::reload`] builds the new engine off to the side, runs the new pack's
/// test cases ([`run_tests`]) and swaps it in only when both succeed; otherwise the engine
/// in use stays and the error lists every problem. Taking the engine is a lock-free atomic
/// load (arc-swap), so deciders never wait for a reload; reloads run one at a time, so
/// the last one asked for is the one left in use.
///
/// A [`Gate`](super::Gate) holds no engine: keep one gate (behind a `Mutex` when threads
/// share it) and pass it `handle.current()` on every call; it keeps its history across a
/// reload, matching the new pack's batch-level rules to the old ones by id and kind.
///
/// ```
/// use pactum::gate::{EngineHandle, Gate};
/// use std::sync::Mutex;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let root = env!("CARGO_MANIFEST_DIR");
/// let handle = EngineHandle::load(format!("{root}/rules"), format!("{root}/examples/data"))?;
/// let gate = Mutex::new(Gate::new(&handle.current()));
///
/// let engine = handle.current(); // held until the decision is made
/// let decision = gate.lock().map_err(|_| "gate poisoned")?.decide_json(&engine, r#"{"id": "U-1",
///     "kind": "pipeline_update", "date": "2026-03-01", "partner": "P-SA-03",
///     "opportunity": "OPP-9", "stage": "qualified"}"#);
/// assert_eq!(decision.pack.hash, engine.pack().hash());
///
/// // Swapped in only if it loads and its test cases pass; otherwise `Err` lists why.
/// let report = handle.reload(format!("{root}/rules"), format!("{root}/examples/data"))?;
/// assert!(!report.changed()); // the same files: the same hash
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct EngineHandle {
    current: ArcSwap<Engine>,
    /// Reloads run one at a time, so the last one asked for is the one left in use (two
    /// racing builds could otherwise finish in either order).
    reloading: Mutex<()>,
}

impl EngineHandle {
    /// A handle deciding with `engine`.
    pub fn new(engine: Engine) -> EngineHandle {
        EngineHandle {
            current: ArcSwap::from_pointee(engine),
            reloading: Mutex::new(()),
        }
    }

    /// Loads the pack in `rules` and the reference data in `data` into a new handle. The
    /// first engine is not held to its pack's test cases (`pactum test` is for that); every
    /// reload is.
    pub fn load(
        rules: impl AsRef<Path>,
        data: impl AsRef<Path>,
    ) -> Result<EngineHandle, LoadError> {
        let (pack, data) = load_both(rules.as_ref(), data.as_ref())?;
        Ok(EngineHandle::new(Engine::new(pack, data)?))
    }

    /// The engine in use. Hold the `Arc` for the whole of a decision: a reload meanwhile
    /// does not change it.
    pub fn current(&self) -> Arc<Engine> {
        self.current.load_full()
    }

    /// Loads the pack in `rules` and the reference data in `data`, runs the pack's test
    /// cases, and swaps the new engine in if all of that succeeds. On `Err` the engine in
    /// use is kept.
    pub fn reload(
        &self,
        rules: impl AsRef<Path>,
        data: impl AsRef<Path>,
    ) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.one_at_a_time();
        let (pack, data) = load_both(rules.as_ref(), data.as_ref()).map_err(ReloadError::Load)?;
        self.swap_in(pack, data)
    }

    /// As [`EngineHandle::reload`], for a pack held in memory (a host that keeps its packs
    /// in a database): `name` and `files` as [`Pack::from_files`] takes them. A pack from
    /// memory has no test cases of its own unless its manifest's `[tests]` points at a
    /// folder, so it is swapped in on loading alone ([`ReloadReport::cases`] is then 0).
    pub fn reload_from_files(
        &self,
        name: &str,
        files: impl IntoIterator<Item = (PathBuf, String)>,
        data: RefData,
    ) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.one_at_a_time();
        let pack = Pack::from_files(name, files).map_err(ReloadError::Load)?;
        self.swap_in(pack, data)
    }

    /// Builds an engine from a loaded pack and data, runs the pack's test cases, and swaps
    /// the engine in if they pass. On `Err` the engine in use is kept.
    pub fn install(&self, pack: Pack, data: RefData) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.one_at_a_time();
        self.swap_in(pack, data)
    }

    /// Swaps in new reference data under the pack in use (a price list updated while the
    /// pack stays, as for a pack built into a host's binary). The pack's test cases are not
    /// run again: they run on the pack's own test data, which this does not change. On
    /// `Err` (the data does not fit the pack) the engine in use is kept.
    pub fn reload_data(&self, data: RefData) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.one_at_a_time();
        let pack = self.current().pack().clone();
        let engine = Engine::new(pack, data).map_err(ReloadError::Load)?;
        Ok(self.swap(engine, 0))
    }

    /// The reload lock; decisions never take it.
    fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        self.reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Tests `pack`, builds the engine and swaps it in; the caller holds the reload lock.
    fn swap_in(&self, pack: Pack, data: RefData) -> Result<ReloadReport, ReloadError> {
        let tests = run_tests(&pack).map_err(ReloadError::Load)?;
        if !tests.all_passed() {
            return Err(ReloadError::Tests(Box::new(tests)));
        }
        let engine = Engine::new(pack, data).map_err(ReloadError::Load)?;
        Ok(self.swap(engine, tests.passed()))
    }

    /// Swaps `engine` in (its pack passed `cases` test cases) and says what it replaced;
    /// the caller holds the reload lock.
    fn swap(&self, engine: Engine, cases: usize) -> ReloadReport {
        let pack = PackStamp::of(engine.pack());
        let data = DataStamp::of(engine.data());
        let previous = self.current.swap(Arc::new(engine));
        ReloadReport {
            previous: PackStamp::of(previous.pack()),
            pack,
            data,
            cases,
        }
    }
}

impl From<Engine> for EngineHandle {
    fn from(engine: Engine) -> EngineHandle {
        EngineHandle::new(engine)
    }
}

/// Loads a pack and its data, collecting the problems of both.
fn load_both(rules: &Path, data: &Path) -> Result<(Pack, RefData), LoadError> {
    match (Pack::load(rules), RefData::load(data)) {
        (Ok(pack), Ok(data)) => Ok((pack, data)),
        (Err(mut a), Err(b)) => {
            for d in b.diagnostics() {
                a.push(d.clone());
            }
            for (file, text) in b.sources() {
                a.add_source(file, Arc::from(text));
            }
            Err(a)
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
    }
}

/// What a successful reload swapped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadReport {
    /// The pack of the engine replaced.
    pub previous: PackStamp,
    /// The pack now in use.
    pub pack: PackStamp,
    /// The reference data now in use.
    pub data: DataStamp,
    /// How many of the new pack's test cases ran (all passed).
    pub cases: usize,
}

impl ReloadReport {
    /// Whether the pack's content changed (its hash did).
    pub fn changed(&self) -> bool {
        self.previous.hash != self.pack.hash
    }
}

/// Why a reload was refused; the engine in use was kept.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReloadError {
    /// The pack, its test cases or the reference data did not load: every problem found.
    Load(LoadError),
    /// The pack loaded but some of its test cases failed: the whole test report.
    Tests(Box<TestReport>),
}

impl ReloadError {
    /// The names of the failed test cases (none for a load error).
    pub fn failed_cases(&self) -> Vec<&str> {
        match self {
            ReloadError::Load(_) => Vec::new(),
            ReloadError::Tests(report) => report
                .cases
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.name.as_str())
                .collect(),
        }
    }
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadError::Load(e) => write!(
                f,
                "the new rule pack was not loaded, the one in use is kept: {e}"
            ),
            ReloadError::Tests(report) => {
                let failed = self.failed_cases();
                write!(
                    f,
                    "the new rule pack failed {} of its {} test cases, the one in use is kept: ",
                    failed.len(),
                    report.cases.len()
                )?;
                for (i, name) in failed.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`{}`", crate::text::escape(name))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ReloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReloadError::Load(e) => Some(e),
            ReloadError::Tests(_) => None,
        }
    }
}
