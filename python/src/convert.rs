//! Crossing between Python values and what the library takes and gives: records and
//! batches go in as JSON text (written by Python's `json`), decisions and reports come out
//! as JSON text read back by Python's `json`, so both sides keep their own readers and a
//! record is read exactly as the command line reads it.

use crate::{LoadError, RecordError};
use pactum::gate::{PackStamp, ReloadError};
use pactum::{Date, Diagnostic, Record, Severity};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

/// A record as the gate reads it: text, or bytes that may not be UTF-8.
pub(crate) enum RecordText {
    Text(String),
    Bytes(Vec<u8>),
}

impl RecordText {
    /// Reads `value`: JSON text as `str`, `bytes` or `bytearray`, or a `dict` written as
    /// JSON. Anything else cannot be a record: `RecordError`.
    pub(crate) fn of(value: &Bound<'_, PyAny>) -> PyResult<RecordText> {
        if value.is_instance_of::<PyString>() {
            // A `str` holding lone surrogates has no UTF-8 form: not a record either.
            return value
                .extract::<String>()
                .map(RecordText::Text)
                .map_err(|e| record_error(value.py(), "the record is not valid text", &e));
        }
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(RecordText::Bytes(bytes.as_bytes().to_vec()));
        }
        if let Ok(bytes) = value.cast::<PyByteArray>() {
            return Ok(RecordText::Bytes(bytes.to_vec()));
        }
        if value.is_instance_of::<PyDict>() {
            return dumps(value, "the record").map(RecordText::Text);
        }
        Err(RecordError::new_err(format!(
            "a record is a dict, or JSON text as str or bytes, but found `{}`",
            type_name(value)
        )))
    }

    /// The record itself, for `remember` (which has no decision to reject it in).
    pub(crate) fn into_record(self) -> PyResult<Record> {
        let text = match self {
            RecordText::Text(text) => text,
            RecordText::Bytes(bytes) => String::from_utf8(bytes).map_err(|e| {
                RecordError::new_err(format!(
                    "the record cannot be read: it is not UTF-8 ({})",
                    e.utf8_error()
                ))
            })?,
        };
        Record::from_json_str(&text)
            .map_err(|e| RecordError::new_err(format!("the record cannot be read: {e}")))
    }
}

/// `value` as JSON text, by Python's `json.dumps` (decimals and dates as their text).
pub(crate) fn dumps(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let py = value.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("allow_nan", false)?;
    kwargs.set_item("separators", (",", ":"))?;
    kwargs.set_item("default", wrap_pyfunction!(json_default, py)?)?;
    match py
        .import("json")?
        .call_method("dumps", (value,), Some(&kwargs))
    {
        Ok(text) => text.extract::<String>(),
        Err(e) if e.is_instance_of::<PyTypeError>(py) || e.is_instance_of::<PyValueError>(py) => {
            Err(record_error(
                py,
                &format!("{what} cannot be written as JSON"),
                &e,
            ))
        }
        Err(e) => Err(e),
    }
}

/// What `json.dumps` makes of values it does not know: a `decimal.Decimal` becomes its
/// text (prices are read from text, never through a float) and a `datetime.date` its ISO
/// form.
#[pyfunction]
fn json_default(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    if value.is_instance(&py.import("decimal")?.getattr("Decimal")?)? {
        return value.str()?.extract();
    }
    if let Some(date) = plain_date(value)? {
        return Ok(date);
    }
    Err(PyTypeError::new_err(format!(
        "`{}` is not JSON",
        type_name(value)
    )))
}

/// The ISO text of a `datetime.date` that is not a `datetime.datetime`.
fn plain_date(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let datetime = value.py().import("datetime")?;
    if value.is_instance(&datetime.getattr("date")?)?
        && !value.is_instance(&datetime.getattr("datetime")?)?
    {
        return value.call_method0("isoformat")?.extract().map(Some);
    }
    Ok(None)
}

/// JSON text written by the library, read by Python's `json.loads`.
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// The `as_of` argument: `None`, a `YYYY-MM-DD` string or a `datetime.date`.
pub(crate) fn as_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Date>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let text = if value.is_instance_of::<PyString>() {
        value.extract::<String>()?
    } else if let Some(date) = plain_date(value)? {
        date
    } else {
        return Err(PyTypeError::new_err(format!(
            "as_of is a `YYYY-MM-DD` string or a datetime.date, but found `{}`",
            type_name(value)
        )));
    };
    text.parse::<Date>()
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("as_of `{}`: {e}", text.escape_debug())))
}

/// The `fail_on` argument: a severity's name.
pub(crate) fn severity(name: &str) -> PyResult<Severity> {
    Severity::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "fail_on is `info`, `warning` or `error`, but found `{}`",
            name.escape_debug()
        ))
    })
}

/// `{"name", "version", "hash"}`.
pub(crate) fn pack_dict<'py>(py: Python<'py>, pack: &PackStamp) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("name", &pack.name)?;
    dict.set_item("version", &pack.version)?;
    dict.set_item("hash", &pack.hash)?;
    Ok(dict)
}

/// A problem, as `LoadError.problems` lists it.
struct Problem {
    file: String,
    line: usize,
    column: usize,
    message: String,
    code: &'static str,
}

impl Problem {
    fn of(d: &Diagnostic) -> Problem {
        let mut message = d.message().to_owned();
        if let Some(help) = d.help() {
            message = format!("{message} ({help})");
        }
        Problem {
            file: d.location().file().display().to_string(),
            line: d.location().line(),
            column: d.location().column(),
            message,
            code: d.code(),
        }
    }
}

/// `LoadError` for a pack or data that did not load: every problem, one line of message.
pub(crate) fn load_error(py: Python<'_>, context: &str, e: &pactum::LoadError) -> PyErr {
    let problems: Vec<Problem> = e.diagnostics().iter().map(Problem::of).collect();
    let n = problems.len();
    let list: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
    let message = format!(
        "{context}: {n} problem{}: {}",
        if n == 1 { "" } else { "s" },
        list.join("; ")
    );
    with_problems(py, message, &problems)
}

/// `LoadError` for a refused reload: a pack that did not load, or whose test cases failed
/// (each failed case a problem at its `[[case]]`, code `pactum::test::failed`).
pub(crate) fn reload_error(py: Python<'_>, e: &ReloadError) -> PyErr {
    match e {
        ReloadError::Load(load) => load_error(
            py,
            "the new rule pack was not loaded, the one in use is kept",
            load,
        ),
        ReloadError::Tests(report) => {
            let problems: Vec<Problem> = report
                .cases
                .iter()
                .filter(|c| !c.passed)
                .map(|c| Problem {
                    file: c.file.display().to_string(),
                    line: c.line,
                    column: 1,
                    message: format!("test case `{}` failed", c.name.escape_debug()),
                    code: pactum::codes::TEST_FAILED,
                })
                .collect();
            with_problems(py, e.to_string(), &problems)
        }
        other => with_problems(py, other.to_string(), &[]),
    }
}

fn with_problems(py: Python<'_>, message: String, problems: &[Problem]) -> PyErr {
    let err = LoadError::new_err(message);
    // Setting the attribute on a fresh exception fails only when out of memory; the
    // exception then goes out without `problems` rather than being replaced.
    let _ = problem_list(py, problems).and_then(|list| err.value(py).setattr("problems", list));
    err
}

fn problem_list<'py>(py: Python<'py>, problems: &[Problem]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in problems {
        let dict = PyDict::new(py);
        dict.set_item("file", &p.file)?;
        dict.set_item("line", p.line)?;
        dict.set_item("column", p.column)?;
        dict.set_item("message", &p.message)?;
        dict.set_item("code", p.code)?;
        list.append(dict)?;
    }
    Ok(list)
}

/// `RecordError` saying `what`, with the Python error that caused it.
fn record_error(py: Python<'_>, what: &str, cause: &PyErr) -> PyErr {
    let err = RecordError::new_err(format!("{what}: {}", cause.value(py)));
    err.set_cause(py, Some(cause.clone_ref(py)));
    err
}

/// The name of `value`'s type, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}
