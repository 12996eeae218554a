//! The pactum C library: a [`GateService`] behind a C ABI, JSON in and JSON out.
//!
//! A C host creates one engine handle per rule pack ([`pactum_engine_new`]), decides
//! records one at a time against the history of the records before them
//! ([`pactum_decide`]), checks whole batches ([`pactum_check_batch`]), swaps the pack and
//! data without stopping ([`pactum_reload`]) and frees what it was given
//! ([`pactum_string_free`], [`pactum_engine_free`]). The header `include/pactum.h` is
//! generated from this file by cbindgen (`tests/header.rs` fails when it is stale); the
//! user guide is `docs/c.md`.
//!
//! No rule logic lives here: every function is one call to the library, plus the checks a
//! C boundary needs (NULL pointers, lengths, UTF-8 paths) and a `catch_unwind` around it all,
//! so a panic becomes an error message and never unwinds into C.

use pactum::{Date, GateService};
use std::any::Any;
use std::ffi::{CStr, CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::ptr;

/// An engine handle: a rule pack, its reference data and the gate's history of decided
/// records. Opaque: C code holds only pointers to it.
///
/// Thread safety: every function taking an engine may be called on the same engine from
/// many threads at once, except `pactum_engine_free`, which must run alone, after every other
/// call on that engine has returned. Decisions go through the history one at a time (the
/// history is one sequence); a batch check and a reload run beside them without waiting.
pub struct PactumEngine {
    service: GateService,
}

/// `pactum_reload` succeeded: the new pack and data are in force.
pub const PACTUM_OK: c_int = 0;
/// `pactum_reload` refused the new pack or data (it did not load, or its test cases
/// failed); the pack in force is kept. `*error` lists every problem.
pub const PACTUM_ERR_REFUSED: c_int = 1;
/// A pointer argument was NULL, a length too large or a path not UTF-8; nothing was done.
pub const PACTUM_ERR_ARGUMENT: c_int = 2;
/// The library failed inside (a bug: a panic caught at the boundary); the pack in force is
/// kept.
pub const PACTUM_ERR_INTERNAL: c_int = 3;

/// Why a call did not do its work: a status code for `pactum_reload` and a message for all.
struct Failure {
    code: c_int,
    message: String,
}

impl Failure {
    #[cold]
    fn argument(message: impl Into<String>) -> Failure {
        Failure {
            code: PACTUM_ERR_ARGUMENT,
            message: message.into(),
        }
    }

    #[cold]
    fn refused(message: impl Into<String>) -> Failure {
        Failure {
            code: PACTUM_ERR_REFUSED,
            message: message.into(),
        }
    }

    #[cold]
    fn internal(message: impl Into<String>) -> Failure {
        Failure {
            code: PACTUM_ERR_INTERNAL,
            message: message.into(),
        }
    }
}

/// Runs `body`, turning its failure, or a panic inside it, into `on_failure`'s value. Should
/// even `on_failure` panic, `last_resort` is returned: nothing unwinds out of here.
fn guard<T>(
    last_resort: T,
    on_failure: impl FnOnce(Failure) -> T,
    body: impl FnOnce() -> Result<T, Failure>,
) -> T {
    let run = AssertUnwindSafe(move || {
        let outcome = catch_unwind(AssertUnwindSafe(body))
            .unwrap_or_else(|payload| Err(Failure::internal(panic_message(payload))));
        outcome.unwrap_or_else(on_failure)
    });
    catch_unwind(run).unwrap_or_else(|payload| {
        // Dropping a payload may itself panic; leaking it is the safe end of the road.
        std::mem::forget(payload);
        last_resort
    })
}

/// The message of a caught panic.
#[cold]
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    // A payload's destructor may panic in turn; catch that too.
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    format!("internal error, please report it: the library panicked: {what}")
}

/// `text` as a C string owned by the caller, to free with `pactum_string_free`.
fn to_c(text: String) -> *mut c_char {
    // JSON escapes NUL and no message holds one; should one slip in, it is written out
    // rather than cutting the string short.
    let text = if text.contains('\0') {
        text.replace('\0', "\\u0000")
    } else {
        text
    };
    CString::new(text).unwrap_or_default().into_raw()
}

/// `{"error": "<message>"}`: what the string functions return instead of their result.
fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

/// Sets `*error` to `message` when `error` is not NULL.
///
/// # Safety
///
/// `error` is NULL or valid for writing one pointer.
unsafe fn set_error(error: *mut *mut c_char, message: Option<String>) {
    if error.is_null() {
        return;
    }
    let value = message.map_or(ptr::null_mut(), to_c);
    // SAFETY: `error` is not NULL and, by this function's contract, valid for a write.
    unsafe { error.write(value) };
}

/// The engine behind `engine`.
///
/// # Safety
///
/// `engine` is NULL or a pointer from `pactum_engine_new` not yet freed.
unsafe fn engine_ref<'a>(engine: *mut PactumEngine) -> Result<&'a PactumEngine, Failure> {
    // SAFETY: by this function's contract, a non-NULL `engine` points to a live engine, and
    // only shared references are made to it until `pactum_engine_free`.
    unsafe { engine.cast_const().as_ref() }
        .ok_or_else(|| Failure::argument("invalid argument: `engine` is NULL"))
}

/// The NUL-terminated string at `text`.
///
/// # Safety
///
/// `text` is NULL or points to a NUL-terminated string that outlives the call.
unsafe fn c_str<'a>(text: *const c_char, name: &str) -> Result<&'a CStr, Failure> {
    if text.is_null() {
        return Err(Failure::argument(format!(
            "invalid argument: `{name}` is NULL"
        )));
    }
    // SAFETY: not NULL, and by this function's contract NUL-terminated and alive.
    Ok(unsafe { CStr::from_ptr(text) })
}

/// The folder named by the NUL-terminated string at `text`.
///
/// # Safety
///
/// As [`c_str`].
unsafe fn path_arg(text: *const c_char, name: &str) -> Result<PathBuf, Failure> {
    // SAFETY: this function's contract is `c_str`'s.
    let text = unsafe { c_str(text, name) }?;
    #[cfg(unix)]
    {
        // A Unix path is bytes: any folder the host can name is one the library can read.
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(text.to_bytes())))
    }
    #[cfg(not(unix))]
    {
        text.to_str()
            .map(PathBuf::from)
            .map_err(|_| Failure::argument(format!("invalid argument: `{name}` is not UTF-8")))
    }
}

/// The `len` bytes at `data`.
///
/// # Safety
///
/// `data` is NULL or points to `len` readable bytes that outlive the call.
unsafe fn bytes_arg<'a>(data: *const c_char, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if data.is_null() {
        return Err(Failure::argument(format!(
            "invalid argument: `{name}` is NULL"
        )));
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::argument(format!(
            "invalid argument: `len` {len} is larger than any buffer can be"
        )));
    }
    // SAFETY: not NULL, `len` fits an `isize`, and by this function's contract `len` bytes
    // are readable and alive for the call.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) })
}

/// Loads the rule pack in `rules_dir` and the reference data (CSV) in `data_dir` into a new
/// engine handle, with an empty history of decisions.
///
/// Returns the engine, to free with `pactum_engine_free`. On failure returns NULL and, when
/// `error` is not NULL, sets `*error` to a message listing every problem found, each with
/// its `file:line:column` (free it with `pactum_string_free`); on success `*error` is set
/// to NULL. A NULL `rules_dir` or `data_dir` is a failure too.
///
/// # Safety
///
/// `rules_dir` and `data_dir` are NULL or NUL-terminated strings; `error` is NULL or valid
/// for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_engine_new(
    rules_dir: *const c_char,
    data_dir: *const c_char,
    error: *mut *mut c_char,
) -> *mut PactumEngine {
    guard(
        ptr::null_mut(),
        // SAFETY: `error` is NULL or writable, by this function's contract.
        |failure| unsafe {
            set_error(error, Some(failure.message));
            ptr::null_mut()
        },
        || {
            // SAFETY: `error` is NULL or writable, by this function's contract.
            unsafe { set_error(error, None) };
            // SAFETY: NULL or NUL-terminated, by this function's contract.
            let rules = unsafe { path_arg(rules_dir, "rules_dir") }?;
            // SAFETY: NULL or NUL-terminated, by this function's contract.
            let data = unsafe { path_arg(data_dir, "data_dir") }?;
            let service = GateService::load(&rules, &data).map_err(|e| {
                Failure::refused(format!("cannot load the rule pack and data: {e}"))
            })?;
            Ok(Box::into_raw(Box::new(PactumEngine { service })))
        },
    )
}

/// Decides one record, given as `len` bytes of JSON at `record_json` (no NUL terminator
/// needed), against the engine's history, which then holds it.
///
/// Returns the decision record as one line of JSON (the schema of
/// `docs/decision-record.md`: `decision_id`, `record`, `verdict` (`accept`, `hold` or
/// `reject`), `findings`, `rule_errors`, `rules_evaluated`, `rules_skipped`, `pack`,
/// `data`, `as_of`). Bytes that are not a readable record (not UTF-8, not JSON, a field
/// missing) give a `reject` decision, with the reason under `rule_errors`. Never NULL.
///
/// A NULL `engine` or `record_json` is a caller's mistake, not a record: the result is then
/// `{"error": "..."}`, with no `verdict` key, and nothing joins the history. Free the
/// result with `pactum_string_free`.
///
/// # Safety
///
/// `engine` is NULL or an engine from `pactum_engine_new` not yet freed; `record_json` is
/// NULL or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_decide(
    engine: *mut PactumEngine,
    record_json: *const c_char,
    len: usize,
) -> *mut c_char {
    guard(
        ptr::null_mut(),
        |failure| to_c(error_json(&failure.message)),
        || {
            // SAFETY: NULL or a live engine, by this function's contract.
            let engine = unsafe { engine_ref(engine) }?;
            // SAFETY: NULL or `len` readable bytes, by this function's contract.
            let bytes = unsafe { bytes_arg(record_json, len, "record_json") }?;
            let line = engine.service.decide_bytes(bytes).to_json_line();
            if line.is_empty() {
                return Err(Failure::internal("cannot write the decision record"));
            }
            Ok(to_c(line))
        },
    )
}

/// Checks a batch of records, `len` bytes at `jsonl` (JSON Lines, or one JSON array), with
/// the pack in force, as `pactum check --format json` does; the history of decisions is not
/// involved. `as_of` is NULL (the batch's latest record date) or a `YYYY-MM-DD` date at
/// which the batch-level rules are judged.
///
/// Returns the JSON report of `pactum check --format json`, byte for byte (pretty-printed,
/// ending in a newline); unreadable records are listed in it, the batch goes on. Returns
/// `{"error": "..."}` instead when `engine` or `jsonl` is NULL, `as_of` is not a date, the
/// stream cannot be read (a JSON array that is not valid JSON as a whole), or the batch is
/// empty and `as_of` NULL (nothing to judge). Never NULL; free it with
/// `pactum_string_free`.
///
/// # Safety
///
/// `engine` is NULL or an engine from `pactum_engine_new` not yet freed; `jsonl` is NULL or
/// points to `len` readable bytes; `as_of` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_check_batch(
    engine: *mut PactumEngine,
    jsonl: *const c_char,
    len: usize,
    as_of: *const c_char,
) -> *mut c_char {
    guard(
        ptr::null_mut(),
        |failure| to_c(error_json(&failure.message)),
        || {
            // SAFETY: NULL or a live engine, by this function's contract.
            let engine = unsafe { engine_ref(engine) }?;
            // SAFETY: NULL or `len` readable bytes, by this function's contract.
            let input = unsafe { bytes_arg(jsonl, len, "jsonl") }?;
            let as_of = if as_of.is_null() {
                None
            } else {
                // SAFETY: not NULL, so NUL-terminated by this function's contract.
                let text = unsafe { CStr::from_ptr(as_of) }.to_string_lossy();
                let date = text
                    .parse::<Date>()
                    .map_err(|e| Failure::argument(format!("invalid argument: `as_of`: {e}")))?;
                Some(date)
            };
            let report = engine
                .service
                .check(input, as_of)
                .map_err(|e| Failure::refused(e.to_string()))?;
            // As `pactum check` does: with nothing read and no date to judge the
            // batch-level rules at, there is nothing to report.
            if report.summary().read == 0 && as_of.is_none() {
                return Err(Failure::refused(
                    "no records read (pass `as_of` to judge the batch-level rules on an empty batch)",
                ));
            }
            let mut out = Vec::new();
            report
                .write_json(&mut out)
                .map_err(|e| Failure::internal(format!("cannot write the report: {e}")))?;
            Ok(to_c(String::from_utf8_lossy(&out).into_owned()))
        },
    )
}

/// Reloads the engine from the rule pack in `rules_dir` and the reference data in
/// `data_dir`. The new pack must load and pass its own test cases before it is swapped in;
/// decisions and checks running meanwhile finish with the pack they started with, and the
/// history of decisions stays.
///
/// Returns `PACTUM_OK` (0) and sets `*error` to NULL on success. Otherwise the pack in force
/// stays, the result is nonzero (`PACTUM_ERR_REFUSED`: the pack or data did not load, or
/// test cases failed; `PACTUM_ERR_ARGUMENT`: a NULL argument; `PACTUM_ERR_INTERNAL`), and
/// `*error`, when `error` is not NULL, lists every problem, each with its
/// `file:line:column`; free it with `pactum_string_free`.
///
/// # Safety
///
/// `engine` is NULL or an engine from `pactum_engine_new` not yet freed; `rules_dir` and
/// `data_dir` are NULL or NUL-terminated strings; `error` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_reload(
    engine: *mut PactumEngine,
    rules_dir: *const c_char,
    data_dir: *const c_char,
    error: *mut *mut c_char,
) -> c_int {
    guard(
        PACTUM_ERR_INTERNAL,
        // SAFETY: `error` is NULL or writable, by this function's contract.
        |failure| unsafe {
            set_error(error, Some(failure.message));
            failure.code
        },
        || {
            // SAFETY: `error` is NULL or writable, by this function's contract.
            unsafe { set_error(error, None) };
            // SAFETY: NULL or a live engine, by this function's contract.
            let engine = unsafe { engine_ref(engine) }?;
            // SAFETY: NULL or NUL-terminated, by this function's contract.
            let rules = unsafe { path_arg(rules_dir, "rules_dir") }?;
            // SAFETY: NULL or NUL-terminated, by this function's contract.
            let data = unsafe { path_arg(data_dir, "data_dir") }?;
            engine
                .service
                .reload(&rules, &data)
                .map_err(|e| Failure::refused(e.to_string()))?;
            Ok(PACTUM_OK)
        },
    )
}

/// Frees a string returned by this library (a decision, a report, an error message). NULL
/// is ignored. Each string is freed once, with this function only (not `free`).
///
/// # Safety
///
/// `s` is NULL or a string from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_string_free(s: *mut c_char) {
    guard((), drop, || {
        if !s.is_null() {
            // SAFETY: by this function's contract, `s` came from `CString::into_raw` in
            // `to_c` and was not freed yet.
            drop(unsafe { CString::from_raw(s) });
        }
        Ok(())
    });
}

/// Frees an engine and its history. NULL is ignored. No other call on this engine may be
/// running or start afterwards.
///
/// # Safety
///
/// `engine` is NULL or an engine from `pactum_engine_new` not yet freed, with no call on it
/// in progress in any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pactum_engine_free(engine: *mut PactumEngine) {
    guard((), drop, || {
        if !engine.is_null() {
            // SAFETY: by this function's contract, `engine` came from `Box::into_raw` in
            // `pactum_engine_new`, was not freed yet and nothing else uses it.
            drop(unsafe { Box::from_raw(engine) });
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside a call becomes its error value, with the panic's message.
    #[test]
    fn a_panic_becomes_an_error_string() {
        let out = guard(
            ptr::null_mut(),
            |failure| to_c(error_json(&failure.message)),
            || -> Result<*mut c_char, Failure> { std::panic::panic_any("boom") },
        );
        assert!(!out.is_null());
        // SAFETY: `out` is a fresh string from `to_c`.
        let text = unsafe { CString::from_raw(out) }.into_string().unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let message = value["error"].as_str().unwrap();
        assert!(message.contains("panicked: boom"), "{message}");
    }

    /// A panic in a status-returning call gives `PACTUM_ERR_INTERNAL`; a panic while
    /// reporting the failure gives the last resort value instead of unwinding.
    #[test]
    fn a_panic_gives_the_internal_code_and_never_unwinds() {
        let code = guard(
            -1,
            |failure| failure.code,
            || -> Result<c_int, Failure> { std::panic::panic_any(String::from("boom")) },
        );
        assert_eq!(code, PACTUM_ERR_INTERNAL);
        let code = guard(
            -1,
            |_| -> c_int { std::panic::panic_any("again") },
            || -> Result<c_int, Failure> { std::panic::panic_any("boom") },
        );
        assert_eq!(code, -1);
    }

    /// A NUL inside a message is written out, not a place where the C string ends early.
    #[test]
    fn a_nul_in_a_message_is_escaped() {
        let out = to_c(String::from("a\0b"));
        // SAFETY: `out` is a fresh string from `to_c`.
        let text = unsafe { CString::from_raw(out) }.into_string().unwrap();
        assert_eq!(text, "a\\u0000b");
    }
}
