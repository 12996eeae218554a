//! The Python package `pactum`: its native module `pactum._pactum`.
//!
//! A thin layer over [`pactum::GateService`]: records and reports cross as JSON (parsed on
//! each side by its own reader), so a record gets the same decision from Python as from
//! Rust, C or HTTP, and no rule logic lives here. See `docs/python.md`.

mod convert;
mod engine;

use pyo3::prelude::*;

pyo3::create_exception!(
    pactum,
    Error,
    pyo3::exceptions::PyException,
    "Every error pactum raises."
);
pyo3::create_exception!(
    pactum,
    LoadError,
    Error,
    "A rule pack or its reference data did not load; `problems` lists every problem."
);
pyo3::create_exception!(
    pactum,
    RecordError,
    Error,
    "A value given as a record (or a batch) cannot be one."
);

/// The native module; `pactum/__init__.py` re-exports it.
#[pymodule]
mod _pactum {
    #[pymodule_export]
    use super::{Error, LoadError, RecordError};
    #[pymodule_export]
    use crate::engine::{Engine, Gate};
}
