//! The endpoints: each reads its request, hands the work to [`GateService`] on the
//! blocking pool, and writes its answer. No rule logic here.

use crate::{Config, Metrics, ReloadSource};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::TryStreamExt;
use pactum::gate::{DataStamp, PackStamp, ReloadError, ReloadReport, Ruling};
use pactum::{Date, GateService, StreamError};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;
use std::io;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::io::{StreamReader, SyncIoBridge};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
struct AppState {
    service: Arc<GateService>,
    metrics: Arc<Metrics>,
    reload: ReloadSource,
    body_limit: usize,
    check_body_limit: usize,
}

/// The routes of the module docs around `service`, with `config`'s body limits, timeout and
/// concurrency bound, counting into `metrics`. Statuses:
///
/// - 200: answered (a `reject` decision included: the decision is the answer);
/// - 400: `/v1/decide`'s body is not JSON at all; `/v1/check`'s `as_of` is not a date, its
///   body cannot be read as records, or it holds none and no `as_of` is given;
/// - 413: a body past [`Config::body_limit`] or [`Config::check_body_limit`];
/// - 422: `/v1/reload` refused the new pack (the one in force stays), with every problem;
/// - 501: `/v1/reload` with [`ReloadSource::Disabled`];
/// - 503: past [`Config::timeout`];
/// - 500: a decision, check or reload that panicked (a bug: it is logged).
pub fn router(service: Arc<GateService>, metrics: Arc<Metrics>, config: &Config) -> Router {
    let state = AppState {
        service,
        metrics,
        reload: config.reload.clone(),
        body_limit: config.body_limit,
        check_body_limit: config.check_body_limit,
    };
    let v1 = Router::new()
        .route(
            "/v1/decide",
            post(decide).layer(DefaultBodyLimit::max(config.body_limit)),
        )
        .route(
            "/v1/check",
            // The handler bounds the streamed body itself (see `check`).
            post(check).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/pack", get(pack))
        .route("/v1/reload", post(reload))
        .layer(GlobalConcurrencyLimitLayer::new(config.concurrency.max(1)));
    Router::new()
        .merge(v1)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A JSON answer.
fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// An error answer: `{"error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let message = message.into();
    tracing::warn!(status = status.as_u16(), %message, "request refused");
    json_response(status, json!({ "error": message }).to_string())
}

/// A task on the blocking pool that did not finish: it panicked (or the runtime is going).
fn crashed(what: &str, e: &tokio::task::JoinError) -> Response {
    tracing::error!(error = %e, "the {what} did not finish");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the {what} did not finish"),
    )
}

async fn decide(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return too_large(state.body_limit);
        }
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    // Text that is JSON but not a record is a `reject` decision (the decision says why);
    // text that is not JSON at all is a client's mistake.
    if let Err(e) = serde_json::from_slice::<IgnoredAny>(&body) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        );
    }
    let service = Arc::clone(&state.service);
    let decided = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let decision = service.decide_bytes(&body);
        (decision, start.elapsed())
    })
    .await;
    let (decision, elapsed) = match decided {
        Ok(decided) => decided,
        Err(e) => return crashed("decision", &e),
    };
    state.metrics.decided(&decision, elapsed);
    tracing::info!(
        decision_id = %decision.decision_id,
        record = decision.record.as_deref().unwrap_or(""),
        verdict = verdict_name(decision.verdict),
        findings = decision.findings.len(),
        rule_errors = decision.rule_errors.len(),
        pack = %decision.pack.hash,
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "decided"
    );
    json_response(StatusCode::OK, decision.to_json_line())
}

/// The verdict as the decision record spells it.
fn verdict_name(verdict: Ruling) -> &'static str {
    match verdict {
        Ruling::Accept => "accept",
        Ruling::Hold => "hold",
        _ => "reject",
    }
}

#[derive(Deserialize)]
struct CheckParams {
    as_of: Option<String>,
}

/// 413, naming the limit.
fn too_large(limit: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than the limit of {limit} bytes"),
    )
}

async fn check(
    State(state): State<AppState>,
    params: Result<Query<CheckParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = state.check_body_limit;
    // A length given up front is refused before reading; a chunked body is cut off where
    // it passes the limit (`Limited`), and the check then fails with 413.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return too_large(limit);
    }
    let body = Body::new(http_body_util::Limited::new(body, limit));
    let as_of = match params {
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
        Ok(Query(CheckParams { as_of: None })) => None,
        Ok(Query(CheckParams { as_of: Some(text) })) => match text.parse::<Date>() {
            Ok(date) => Some(date),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("bad `as_of` `{}`: {e}", pactum::text::escape(&text)),
                );
            }
        },
    };
    // The body as a blocking reader, so the library's streaming reader takes it a buffer at
    // a time: memory stays bounded however large the batch.
    let stream = body.into_data_stream().map_err(io::Error::other);
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let service = Arc::clone(&state.service);
    let checked = tokio::task::spawn_blocking(move || service.check(reader, as_of)).await;
    let report = match checked {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => return stream_error(&e, limit),
        Err(e) => return crashed("check", &e),
    };
    if report.summary().read == 0 && as_of.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "no records read (pass as_of=DATE to judge the batch-level rules on an empty batch)",
        );
    }
    state.metrics.checked();
    let mut out = Vec::new();
    if let Err(e) = report.write_json(&mut out) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the report: {e}"),
        );
    }
    json_response(StatusCode::OK, String::from_utf8_lossy(&out).into_owned())
}

/// A batch that could not be read: 413 when its body passed the limit, 400 otherwise.
fn stream_error(e: &StreamError, limit: usize) -> Response {
    if let StreamError::Io(io) = e {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(io);
        while let Some(s) = source {
            if s.is::<http_body_util::LengthLimitError>() {
                return too_large(limit);
            }
            source = s.source();
        }
    }
    error(
        StatusCode::BAD_REQUEST,
        pactum::text::escape(&e.to_string()).to_string(),
    )
}

/// `{"name", "version", "hash", "data": {"hash"}}`: the pack's stamp and the data's, as a
/// decision record names them, taken from one engine (never straddling a reload).
fn stamps(pack: &PackStamp, data: &DataStamp) -> serde_json::Value {
    json!({
        "name": pack.name,
        "version": pack.version,
        "hash": pack.hash,
        "data": data,
    })
}

async fn pack(State(state): State<AppState>) -> Response {
    let engine = state.service.handle().current();
    let body = stamps(&PackStamp::of(engine.pack()), &DataStamp::of(engine.data()));
    json_response(StatusCode::OK, body.to_string())
}

async fn reload(State(state): State<AppState>) -> Response {
    type Reload = Box<dyn FnOnce(&GateService) -> Result<ReloadReport, ReloadError> + Send>;
    let run: Reload = match state.reload.clone() {
        ReloadSource::Folders { rules, data } => Box::new(move |s| s.reload(rules, data)),
        ReloadSource::Custom(f) => Box::new(move |s| f(s)),
        ReloadSource::Disabled => {
            return error(
                StatusCode::NOT_IMPLEMENTED,
                "this server was started without a pack to reload from",
            );
        }
    };
    let service = Arc::clone(&state.service);
    let reloaded = tokio::task::spawn_blocking(move || run(&service)).await;
    match reloaded {
        Ok(Ok(report)) => {
            state.metrics.reloaded(true);
            tracing::info!(
                previous = %report.previous.hash,
                pack = %report.pack.hash,
                changed = report.changed(),
                cases = report.cases,
                "reloaded"
            );
            json_response(StatusCode::OK, reloaded_body(&report).to_string())
        }
        Ok(Err(e)) => {
            state.metrics.reloaded(false);
            tracing::warn!(error = %e, "reload refused, the pack in force stays");
            json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                refused_body(&e, &state.service).to_string(),
            )
        }
        Err(e) => {
            state.metrics.reloaded(false);
            crashed("reload", &e)
        }
    }
}

fn reloaded_body(report: &ReloadReport) -> serde_json::Value {
    let mut body = stamps(&report.pack, &report.data);
    if let Some(map) = body.as_object_mut() {
        map.insert("changed".into(), report.changed().into());
        map.insert(
            "previous".into(),
            serde_json::to_value(&report.previous).unwrap_or_default(),
        );
        map.insert("cases".into(), report.cases.into());
    }
    body
}

/// Every problem of a refused reload: a load error's diagnostics with their places, the
/// names of failed test cases; and the pack still in force.
fn refused_body(e: &ReloadError, service: &GateService) -> serde_json::Value {
    let problems: Vec<serde_json::Value> = match e {
        ReloadError::Load(load) => load
            .diagnostics()
            .iter()
            .map(|d| {
                let at = d.location();
                json!({
                    "file": at.file().display().to_string(),
                    "line": at.line(),
                    "column": at.column(),
                    "code": d.code(),
                    "message": d.message(),
                })
            })
            .collect(),
        ReloadError::Tests(report) => report
            .cases
            .iter()
            .filter(|c| !c.passed)
            .map(|c| {
                json!({
                    "file": c.file.display().to_string(),
                    "line": c.line,
                    "case": c.name,
                    "code": pactum::codes::TEST_FAILED,
                    "message": case_failure(c),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let engine = service.handle().current();
    json!({
        "error": e.to_string(),
        "problems": problems,
        "in_force": stamps(&PackStamp::of(engine.pack()), &DataStamp::of(engine.data())),
    })
}

/// Why a test case failed, in one line.
fn case_failure(case: &pactum::testing::CaseResult) -> String {
    if !case.problems.is_empty() {
        return format!("the test case could not run: {}", case.problems.join("; "));
    }
    let mut parts = Vec::new();
    for (n, what) in [
        (case.missing.len(), "expected findings missing"),
        (case.unexpected.len(), "findings not expected"),
        (
            case.mismatched.len(),
            "findings with another line, message or code",
        ),
        (
            case.not_clean.len(),
            "findings on records that must be clean",
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if let Some((expected, found)) = case.rule_errors {
        parts.push(format!(
            "{found} rule errors where {expected} were expected"
        ));
    }
    format!("the test case failed: {}", parts.join(", "))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(&state.service.pack());
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint")
}
