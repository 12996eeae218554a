//! `pactum.Engine` and `pactum.Gate`.

use crate::RecordError;
use crate::convert::{self, RecordText};
use pactum::gate::GateService;
use pactum::{Date, Report, Severity, StreamError};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A rule pack and its reference data, reloadable, with the history of the records it
/// decided (it is a gate too: see `docs/python.md`).
#[pyclass(module = "pactum", frozen)]
pub(crate) struct Engine {
    service: GateService,
    fail_on: Severity,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (rules, data, fail_on = "error"))]
    fn new(py: Python<'_>, rules: PathBuf, data: PathBuf, fail_on: &str) -> PyResult<Engine> {
        let fail_on = convert::severity(fail_on)?;
        let service = py
            .detach(|| GateService::load(&rules, &data))
            .map_err(|e| {
                let context = format!(
                    "cannot load the rule pack `{}` with the data `{}`",
                    rules.display(),
                    data.display()
                );
                convert::load_error(py, &context, &e)
            })?;
        Ok(Engine {
            service: service.with_fail_on(fail_on),
            fail_on,
        })
    }

    /// Decides one record against the engine's history, which then holds it.
    fn decide<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = RecordText::of(record)?;
        let line = py.detach(|| {
            match &text {
                RecordText::Text(text) => self.service.decide_json(text),
                RecordText::Bytes(bytes) => self.service.decide_bytes(bytes),
            }
            .to_json_line()
        });
        convert::loads(py, &line)
    }

    /// Folds a record already booked into the history, without deciding it.
    fn remember(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let record = RecordText::of(record)?.into_record()?;
        py.detach(|| self.service.remember(&record));
        Ok(())
    }

    /// Checks a batch, as `pactum check --format json` does; the GIL is released meanwhile.
    #[pyo3(signature = (records, as_of = None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = convert::as_of(as_of)?;
        let source = Source::of(records)?;
        let json = py.detach(|| source.check(&self.service, as_of))?;
        convert::loads(py, &json)
    }

    /// Loads another pack and data, runs the pack's test cases and swaps them in; on
    /// `LoadError` the engine keeps the ones it had.
    fn reload<'py>(
        &self,
        py: Python<'py>,
        rules: PathBuf,
        data: PathBuf,
    ) -> PyResult<Bound<'py, PyDict>> {
        let report = py
            .detach(|| self.service.reload(&rules, &data))
            .map_err(|e| convert::reload_error(py, &e))?;
        let dict = PyDict::new(py);
        dict.set_item("pack", convert::pack_dict(py, &report.pack)?)?;
        dict.set_item("previous", convert::pack_dict(py, &report.previous)?)?;
        let data = PyDict::new(py);
        data.set_item("hash", &report.data.hash)?;
        dict.set_item("data", data)?;
        dict.set_item("changed", report.changed())?;
        dict.set_item("cases", report.cases)?;
        Ok(dict)
    }

    /// `{"name", "version", "hash"}` of the pack in use.
    #[getter]
    fn pack<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        convert::pack_dict(py, &self.service.pack())
    }

    /// The content hash of the reference data in use.
    #[getter]
    fn data_hash(&self) -> Option<String> {
        self.service.data().hash
    }

    /// The severity at which a decision holds a record.
    #[getter]
    fn fail_on(&self) -> &'static str {
        self.fail_on.as_str()
    }

    /// How many records the engine's own history holds.
    #[getter]
    fn remembered(&self) -> u64 {
        self.service.remembered()
    }

    fn __repr__(&self) -> String {
        let pack = self.service.pack();
        format!(
            "<pactum.Engine {} {} {}>",
            pack.name, pack.version, pack.hash
        )
    }
}

/// A batch to check: a file, or records already written as a JSON array.
enum Source {
    File(PathBuf),
    Json(Vec<u8>),
}

/// Why a batch check failed.
enum Failed {
    Open(PathBuf, io::Error),
    Stream(StreamError),
    Write(io::Error),
}

impl Source {
    fn of(records: &Bound<'_, PyAny>) -> PyResult<Source> {
        if records.is_instance_of::<PyList>() || records.is_instance_of::<PyTuple>() {
            return Ok(Source::Json(
                convert::dumps(records, "the records")?.into_bytes(),
            ));
        }
        records.extract::<PathBuf>().map(Source::File).map_err(|_| {
            PyTypeError::new_err(format!(
                "check takes a path to a JSON Lines file or a list of records, but found `{}`",
                convert::type_name(records)
            ))
        })
    }

    /// The report as `pactum check --format json` writes it.
    fn check(&self, service: &GateService, as_of: Option<Date>) -> Result<String, Failed> {
        let report = match self {
            Source::File(path) => {
                let file = File::open(path).map_err(|e| Failed::Open(path.clone(), e))?;
                service.check(file, as_of)
            }
            Source::Json(bytes) => service.check(bytes.as_slice(), as_of),
        }
        .map_err(Failed::Stream)?;
        json(&report).map_err(Failed::Write)
    }
}

fn json(report: &Report) -> io::Result<String> {
    let mut out = Vec::new();
    report.write_json(&mut out)?;
    String::from_utf8(out).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

impl From<Failed> for PyErr {
    fn from(failed: Failed) -> PyErr {
        match failed {
            Failed::Open(path, e) => {
                let message = format!("cannot open `{}`: {e}", path.display());
                match e.kind() {
                    io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                    io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                    _ => PyOSError::new_err(message),
                }
            }
            Failed::Stream(StreamError::Io(e)) | Failed::Write(e) => {
                PyOSError::new_err(format!("cannot read the records: {e}"))
            }
            Failed::Stream(e) => RecordError::new_err(e.to_string()),
        }
    }
}

/// A gate of its own over an engine: its own history, the engine's pack (reloads included).
#[pyclass(module = "pactum", frozen)]
pub(crate) struct Gate {
    engine: Py<Engine>,
    gate: Mutex<pactum::Gate>,
    fail_on: Severity,
}

impl Gate {
    fn service(&self) -> &GateService {
        &self.engine.get().service
    }

    fn lock(&self) -> MutexGuard<'_, pactum::Gate> {
        // No call leaves a gate half-changed (none panics), so a poisoned lock still
        // guards a usable history.
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl Gate {
    #[new]
    #[pyo3(signature = (engine, fail_on = None))]
    fn new(engine: &Bound<'_, Engine>, fail_on: Option<&str>) -> PyResult<Gate> {
        let fail_on = match fail_on {
            Some(name) => convert::severity(name)?,
            None => engine.get().fail_on,
        };
        let gate =
            pactum::Gate::new(&engine.get().service.handle().current()).with_fail_on(fail_on);
        Ok(Gate {
            engine: engine.clone().unbind(),
            gate: Mutex::new(gate),
            fail_on,
        })
    }

    /// Decides one record against this gate's history, which then holds it.
    fn decide<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = RecordText::of(record)?;
        let line = py.detach(|| {
            // The engine is taken once: the whole decision is made under one pack.
            let engine = self.service().handle().current();
            let mut gate = self.lock();
            match &text {
                RecordText::Text(text) => gate.decide_json(&engine, text),
                RecordText::Bytes(bytes) => gate.decide_bytes(&engine, bytes),
            }
            .to_json_line()
        });
        convert::loads(py, &line)
    }

    /// Folds a record already booked into this gate's history, without deciding it.
    fn remember(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let record = RecordText::of(record)?.into_record()?;
        py.detach(|| {
            let engine = self.service().handle().current();
            self.lock().remember(&engine, &record);
        });
        Ok(())
    }

    /// The engine this gate decides with.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    /// The severity at which a decision holds a record.
    #[getter]
    fn fail_on(&self) -> &'static str {
        self.fail_on.as_str()
    }

    /// How many records this gate's history holds.
    #[getter]
    fn remembered(&self) -> u64 {
        self.lock().remembered()
    }

    fn __repr__(&self) -> String {
        format!("<pactum.Gate remembered={}>", self.lock().remembered())
    }
}
