//! The HTTP sidecar (issue 13, item 3), end to end: a server on an ephemeral loopback port in
//! this process, a real HTTP client, every endpoint and status.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pactum::{GateService, Pack};
use pactum_server::{Config, ReloadSource, Server};
use serde_json::Value;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;
use tempfile::TempDir;

/// A systems integrator's sale with a purchase order, at list price: accepted.
const CLEAN: &str = r#"{"id":"S-0401","kind":"sale","date":"2026-01-05","partner":"P-DE-04","customer":"C-12","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"90.00","currency":"USD","source":"oem"},{"sku":"FILTER-5","qty":10,"unit_price":"25.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-4401","signed":true}]}"#;

/// A systems integrator's sale 10% below list price: `price.min-list` (error) holds it.
fn undercut(id: &str) -> String {
    format!(
        r#"{{"id": "{id}", "kind": "sale", "date": "2026-03-14", "partner": "P-SI-07", "lines": [{{"sku": "SEAL-200", "qty": 4, "unit_price": "81.00", "currency": "USD", "source": "oem"}}], "documents": [{{"kind": "purchase_order"}}]}}"#
    )
}

/// JSON, but not a record: a `reject` decision, answered with 200.
const GARBAGE: &str = r#"{"id": 5, "kind": "banana"}"#;

const MIN_LIST: &str = "price.min-list";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn data_dir() -> PathBuf {
    root().join("examples").join("data")
}

fn records_file() -> PathBuf {
    root().join("examples").join("records.jsonl")
}

/// A copy of the shipped pack whose test cases find the example data from anywhere, with
/// `edits` applied (see `pactum_testkit::fixtures::pack_copy`).
fn pack_copy(edits: &[(&str, &str, &str)]) -> TempDir {
    let data = format!("\"{}\"", data_dir().display());
    let mut all = vec![("pack.toml", "\"../examples/data\"", data.as_str())];
    all.extend_from_slice(edits);
    pactum_testkit::fixtures::pack_copy(&all)
}

/// `price.min-list` at `warning` instead of `error`: its cases still pass, and the undercut
/// sale is accepted with a warning instead of held.
const SOFTER: (&str, &str, &str) = (
    "price.toml",
    "severity = \"error\"\ncheck = \"min-list-price\"",
    "severity = \"warning\"\ncheck = \"min-list-price\"",
);

/// A server running on its own runtime in a thread of its own, stopped when dropped.
struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends the shutdown signal, and waits for the server to finish.
    fn stop(mut self) -> std::io::Result<()> {
        self.signal();
        self.thread.take().unwrap().join().unwrap()
    }

    fn signal(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.signal();
    }
}

fn start(service: GateService, config: Config) -> Running {
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let config = Config {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..config
            };
            let server = Server::bind(Arc::new(service), config).await?;
            addr_tx.send(server.local_addr()?).unwrap();
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
        })
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

fn shipped() -> GateService {
    GateService::load(root().join("rules"), data_dir()).unwrap()
}

/// A client that hands back 4xx and 5xx answers instead of failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    )
}

/// POSTs `body`; the status and the body as text.
fn post(url: &str, body: impl ureq::AsSendBody) -> (u16, String) {
    let mut response = agent()
        .post(url)
        .content_type("application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap();
    (status, text)
}

fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn decide(server: &Running, body: &str) -> Value {
    let (status, text) = post(&server.url("/v1/decide"), body);
    assert_eq!(status, 200, "{text}");
    json(&text)
}

fn min_list_severities(decision: &Value) -> Vec<&str> {
    decision["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == MIN_LIST)
        .map(|f| f["severity"].as_str().unwrap())
        .collect()
}

/// The value of the sample `name` in Prometheus text.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no `{name}` in\n{text}"))
        .parse()
        .unwrap()
}

/// Acceptance: `/v1/decide` answers 200 with the decision record for every verdict
/// (accept, hold, and reject for JSON that is not a record), the same decision the library
/// makes; the record has the decision record's 10 keys.
#[test]
fn decide_answers_200_with_the_decision_record_for_accept_hold_and_reject() {
    let server = start(shipped(), Config::default());
    let accept = decide(&server, CLEAN);
    assert_eq!(accept["verdict"], "accept", "{accept}");
    assert_eq!(accept["record"], "S-0401");
    let hold = decide(&server, &undercut("S-1"));
    assert_eq!(hold["verdict"], "hold", "{hold}");
    assert_eq!(min_list_severities(&hold), ["error"]);
    let reject = decide(&server, GARBAGE);
    assert_eq!(reject["verdict"], "reject", "{reject}");
    assert_eq!(reject["record"], Value::Null);
    assert_eq!(reject["rule_errors"][0]["rule"], "input");

    let mut keys: Vec<&str> = hold
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, pactum_testkit::fixtures::DECISION_KEYS);
    // The same record through the library's gate: the same decision but for its id.
    let mut local = serde_json::to_value(shipped().decide_json(&undercut("S-1"))).unwrap();
    let mut remote = hold.clone();
    local["decision_id"] = Value::Null;
    remote["decision_id"] = Value::Null;
    assert_eq!(local, remote);
    server.stop().unwrap();
}

/// Acceptance: 400 only when the body is not JSON at all (the error is JSON too); a JSON
/// array or string is a record that cannot be read, so a 200 `reject`.
#[test]
fn decide_answers_400_for_a_body_that_is_not_json_and_200_reject_for_json_that_is_no_record() {
    let server = start(shipped(), Config::default());
    for body in [
        "not json",
        "",
        "{\"id\": \"S-1\"",
        "{} {}",
        "{\"a\": 1} trailing",
    ] {
        let (status, text) = post(&server.url("/v1/decide"), body);
        assert_eq!(status, 400, "{body:?}: {text}");
        let error = json(&text);
        assert!(
            error["error"]
                .as_str()
                .unwrap()
                .starts_with("the body is not JSON"),
            "{text}"
        );
    }
    for body in ["[1, 2]", "\"S-1\"", "{}", "null"] {
        let decision = decide(&server, body);
        assert_eq!(decision["verdict"], "reject", "{body}: {decision}");
    }
}

/// Sends `head` and then `body` over a raw connection, and reads the answer: the status and
/// the body as text. A server refusing a body may answer and close before the body is all
/// written, so a failed write is not an error here; the answer is what is checked. The head
/// must close the connection (`Connection: close`).
fn raw_exchange(addr: SocketAddr, head: &str, body: &[&[u8]]) -> (u16, String) {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    for part in body {
        if stream.write_all(part).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    // A reset after the answer arrived still leaves the answer in `answer`.
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {answer:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    (status, body.to_string())
}

/// Acceptance: 413 past the body limit, for `/v1/decide` and `/v1/check` (a length given
/// up front, and a chunked body that passes it on the way).
#[test]
fn bodies_past_the_limits_get_413() {
    let config = Config {
        body_limit: 1024,
        check_body_limit: 4096,
        ..Config::default()
    };
    let server = start(shipped(), config);
    let padded = format!(
        r#"{{"id": "S-1", "note": "{}", "kind": "sale"}}"#,
        "x".repeat(2000)
    );
    let head = |path: &str, length: usize| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    let (status, text) = raw_exchange(
        server.addr,
        &head("/v1/decide", padded.len()),
        &[padded.as_bytes()],
    );
    assert_eq!(status, 413, "{text}");
    assert_eq!(
        json(&text)["error"],
        "the body is larger than the limit of 1024 bytes"
    );
    // Under the limit it is decided.
    assert_eq!(decide(&server, CLEAN)["verdict"], "accept");

    // A length past the limit is refused from the head alone, before any body is read.
    let batch = std::fs::read(records_file()).unwrap();
    assert!(batch.len() > 4096);
    let (status, text) = raw_exchange(server.addr, &head("/v1/check", batch.len()), &[]);
    assert_eq!(status, 413, "{text}");
    assert_eq!(
        json(&text)["error"],
        "the body is larger than the limit of 4096 bytes"
    );
    // Chunked, the body passes the limit on the way, in its fifth chunk of 1,000 bytes.
    let chunks: Vec<Vec<u8>> = batch
        .chunks(1000)
        .take(5)
        .map(|chunk| {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
            framed
        })
        .chain([b"0\r\n\r\n".to_vec()])
        .collect();
    let parts: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let (status, text) = raw_exchange(
        server.addr,
        "POST /v1/check HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        &parts,
    );
    assert_eq!(status, 413, "chunked: {text}");
    assert!(json(&text)["error"].is_string(), "{text}");
}

/// Acceptance: `/v1/check` streams JSON Lines into the report of `pactum check --format
/// json`, judged at `as_of`; a bad `as_of` and an empty body without one are 400.
#[test]
fn check_answers_the_json_report_at_as_of_and_400_for_a_bad_date() {
    let server = start(shipped(), Config::default());
    let batch = std::fs::read(records_file()).unwrap();
    // Chunked, as a host streaming a file would send it.
    let mut reader = batch.as_slice();
    let (status, text) = post(
        &server.url("/v1/check?as_of=2026-03-31"),
        ureq::SendBody::from_reader(&mut reader),
    );
    assert_eq!(status, 200, "{text}");
    let report = json(&text);
    assert_eq!(report["as_of"], "2026-03-31");
    let local = shipped()
        .check(batch.as_slice(), Some("2026-03-31".parse().unwrap()))
        .unwrap();
    let mut expected = Vec::new();
    local.write_json(&mut expected).unwrap();
    assert_eq!(report, serde_json::from_slice::<Value>(&expected).unwrap());
    assert_eq!(report["summary"]["read"], 83);

    // Without as_of: judged at the latest record date.
    let (status, text) = post(&server.url("/v1/check"), batch.as_slice());
    assert_eq!(status, 200, "{text}");
    assert_ne!(json(&text)["as_of"], "2026-03-31");

    for query in ["as_of=2026-13-45", "as_of=yesterday", "as_of="] {
        let (status, text) = post(&server.url(&format!("/v1/check?{query}")), batch.as_slice());
        assert_eq!(status, 400, "{query}: {text}");
        assert!(
            json(&text)["error"].as_str().unwrap().contains("`as_of`"),
            "{text}"
        );
    }
    let (status, text) = post(&server.url("/v1/check"), "");
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("no records read"), "{text}");
    // An empty batch judged at a date is a report.
    let (status, text) = post(&server.url("/v1/check?as_of=2026-03-31"), "");
    assert_eq!(status, 200, "{text}");
    assert_eq!(json(&text)["summary"]["read"], 0);
    // A JSON array that is not valid JSON as a whole cannot be read.
    let (status, text) = post(&server.url("/v1/check"), "[{\"id\": ");
    assert_eq!(status, 400, "{text}");
}

/// Acceptance: `/v1/pack` names the pack in force and its data's hash; `/healthz` is 200;
/// an unknown path is a JSON 404; `/v1/reload` on a server started without a source is 501.
#[test]
fn pack_healthz_and_unknown_paths() {
    let service = shipped();
    let stamp = service.pack();
    let data = service.data();
    let server = start(service, Config::default());
    let (status, text) = get(&server.url("/v1/pack"));
    assert_eq!(status, 200, "{text}");
    let pack = json(&text);
    assert_eq!(pack["name"], stamp.name);
    assert_eq!(pack["version"], stamp.version);
    assert_eq!(pack["hash"], stamp.hash);
    assert_eq!(pack["data"]["hash"], data.hash.unwrap());
    assert_eq!(
        pack["hash"],
        Pack::load(root().join("rules")).unwrap().hash()
    );

    assert_eq!(get(&server.url("/healthz")), (200, "ok\n".to_owned()));
    let (status, text) = get(&server.url("/v2/decide"));
    assert_eq!(status, 404);
    assert!(json(&text)["error"].is_string());
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 501, "{text}");
    // The wrong method.
    let (status, _) = get(&server.url("/v1/decide"));
    assert_eq!(status, 405);
}

/// Acceptance: `/v1/reload` re-reads the folders the server started with: 200 with the new
/// hashes for an edited pack (decisions then follow it), 422 with every problem for a broken
/// one, and the pack in force stays.
#[test]
fn reload_answers_200_with_the_new_hashes_or_422_with_every_problem_and_keeps_the_old_pack() {
    let pack = pack_copy(&[]);
    let service = GateService::load(pack.path(), data_dir()).unwrap();
    let first = service.pack().hash;
    let config = Config {
        reload: ReloadSource::folders(pack.path(), data_dir()),
        ..Config::default()
    };
    let server = start(service, config);

    // The same files: 200, unchanged.
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 200, "{text}");
    let report = json(&text);
    assert_eq!(report["changed"], false);
    assert_eq!(report["hash"], first);

    // A changed severity: 200, a new hash, and decisions under it.
    let price = pack.path().join("price.toml");
    let text = std::fs::read_to_string(&price).unwrap();
    std::fs::write(&price, text.replacen(SOFTER.1, SOFTER.2, 1)).unwrap();
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 200, "{text}");
    let report = json(&text);
    assert_eq!(report["changed"], true);
    assert_eq!(report["previous"]["hash"], first);
    let second = report["hash"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert!(
        report["data"]["hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(report["cases"].as_u64().unwrap() > 0, "{report}");
    let d = decide(&server, &undercut("S-2"));
    assert_eq!(d["pack"]["hash"], second);
    assert_eq!(min_list_severities(&d), ["warning"]);
    assert_eq!(d["verdict"], "accept");

    // A broken script and a broken rule file: 422 with both problems, the pack stays.
    std::fs::write(
        pack.path().join("scripts").join("partner_active.rhai"),
        "let x = ;\n",
    )
    .unwrap();
    std::fs::write(pack.path().join("docs.toml"), "[[rule]]\nid = 5\n").unwrap();
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 422, "{text}");
    let refused = json(&text);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("the new rule pack was not loaded"),
        "{text}"
    );
    let problems = refused["problems"].as_array().unwrap();
    let files: Vec<&str> = problems
        .iter()
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("partner_active.rhai")),
        "{text}"
    );
    assert!(files.iter().any(|f| f.ends_with("docs.toml")), "{text}");
    for p in problems {
        assert!(p["line"].as_u64().unwrap() >= 1, "{p}");
        assert!(p["message"].is_string(), "{p}");
    }
    assert_eq!(refused["in_force"]["hash"], second);
    let (_, text) = get(&server.url("/v1/pack"));
    assert_eq!(json(&text)["hash"], second);
    let d = decide(&server, &undercut("S-3"));
    assert_eq!(d["pack"]["hash"], second);

    // A pack whose own test cases fail: 422 naming the cases.
    let tmp = pack_copy(&[(
        "tests/price.toml",
        "unit_price = \"89.99\"",
        "unit_price = \"90.01\"",
    )]);
    let server2 = start(
        GateService::load(pack_copy(&[]).path(), data_dir()).unwrap(),
        Config {
            reload: ReloadSource::folders(tmp.path(), data_dir()),
            ..Config::default()
        },
    );
    let (status, text) = post(&server2.url("/v1/reload"), "");
    assert_eq!(status, 422, "{text}");
    let refused = json(&text);
    assert!(
        refused["error"].as_str().unwrap().contains("test cases"),
        "{text}"
    );
    let failed = &refused["problems"][0];
    assert!(failed["case"].is_string(), "{text}");
    assert!(
        failed["file"].as_str().unwrap().ends_with("price.toml"),
        "{text}"
    );
    assert!(failed["line"].as_u64().unwrap() >= 1, "{text}");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .starts_with("the test case failed: "),
        "{text}"
    );

    let (_, metrics) = get(&server.url("/metrics"));
    assert_eq!(sample(&metrics, "pactum_reloads_total{result=\"ok\"}"), 2.0);
    assert_eq!(
        sample(&metrics, "pactum_reloads_total{result=\"failed\"}"),
        1.0
    );
}

/// Acceptance: `/metrics` is Prometheus text whose decision counters, rule error counter
/// and latency histogram move with the decisions made.
#[test]
fn metrics_count_decisions_by_verdict_rule_errors_and_latency() {
    let server = start(shipped(), Config::default());
    let (status, before) = get(&server.url("/metrics"));
    assert_eq!(status, 200);
    for name in [
        "pactum_decisions_total{verdict=\"accept\"}",
        "pactum_decisions_total{verdict=\"hold\"}",
        "pactum_decisions_total{verdict=\"reject\"}",
        "pactum_rule_errors_total",
        "pactum_decision_seconds_count",
    ] {
        assert_eq!(sample(&before, name), 0.0, "{name}");
    }
    assert!(before.contains("# TYPE pactum_decision_seconds histogram"));
    decide(&server, CLEAN);
    decide(&server, CLEAN);
    decide(&server, &undercut("S-1"));
    decide(&server, GARBAGE);
    let (_, after) = get(&server.url("/metrics"));
    assert_eq!(
        sample(&after, "pactum_decisions_total{verdict=\"accept\"}"),
        2.0
    );
    assert_eq!(
        sample(&after, "pactum_decisions_total{verdict=\"hold\"}"),
        1.0
    );
    assert_eq!(
        sample(&after, "pactum_decisions_total{verdict=\"reject\"}"),
        1.0
    );
    assert_eq!(sample(&after, "pactum_rule_errors_total"), 1.0);
    assert_eq!(sample(&after, "pactum_decision_seconds_count"), 4.0);
    assert_eq!(
        sample(&after, "pactum_decision_seconds_bucket{le=\"+Inf\"}"),
        4.0
    );
    assert!(sample(&after, "pactum_decision_seconds_sum") > 0.0);
    // Buckets are cumulative.
    let buckets: Vec<f64> = after
        .lines()
        .filter(|l| l.starts_with("pactum_decision_seconds_bucket"))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert!(
        after.contains("pactum_pack_info{name=\"standard\""),
        "{after}"
    );
    // A 400 is not a decision.
    post(&server.url("/v1/decide"), "not json");
    let (_, last) = get(&server.url("/metrics"));
    assert_eq!(sample(&last, "pactum_decision_seconds_count"), 4.0);
}

/// Acceptance: a reload under load loses no request and mixes no pack versions. Clients
/// decide the undercut sale while the server is reloaded back and forth between two packs
/// that differ in `price.min-list`'s severity: every answer is 200, names one of the two
/// hashes, and its finding has that pack's severity (and verdict).
#[cfg(unix)]
#[test]
fn a_reload_under_load_loses_no_request_and_mixes_no_pack_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let a = pack_copy(&[]);
    let b = pack_copy(&[SOFTER]);
    let hash_a = Pack::load(a.path()).unwrap().hash().to_owned();
    let hash_b = Pack::load(b.path()).unwrap().hash().to_owned();
    assert_ne!(hash_a, hash_b);
    // The server reloads from `current`, a link switched between the two packs.
    let current = tmp.path().join("current");
    let point = |to: &Path| {
        let next = tmp.path().join("next");
        let _ = std::fs::remove_file(&next);
        std::os::unix::fs::symlink(to, &next).unwrap();
        std::fs::rename(&next, &current).unwrap();
    };
    point(a.path());
    let service = GateService::load(&current, data_dir()).unwrap();
    let config = Config {
        reload: ReloadSource::folders(&current, data_dir()),
        concurrency: 16,
        ..Config::default()
    };
    let server = start(service, config);
    let url = server.url("/v1/decide");
    let done = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let url = url.clone();
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let agent = agent();
                let mut answers = Vec::new();
                let mut i = 0;
                while !done.load(Ordering::Relaxed) || i < 50 {
                    let mut response = agent
                        .post(&url)
                        .send(undercut(&format!("S-{c}-{i}")).as_str())
                        .unwrap();
                    let status = response.status().as_u16();
                    let text = response.body_mut().read_to_string().unwrap();
                    answers.push((status, text));
                    i += 1;
                }
                answers
            })
        })
        .collect();
    let reload = server.url("/v1/reload");
    for round in 0..6 {
        for (dir, hash) in [(b.path(), &hash_b), (a.path(), &hash_a)] {
            point(dir);
            let (status, text) = post(&reload, "");
            assert_eq!(status, 200, "round {round}: {text}");
            assert_eq!(&json(&text)["hash"], hash.as_str());
            thread::sleep(Duration::from_millis(20));
        }
    }
    done.store(true, Ordering::Relaxed);
    let mut seen = [0usize; 2];
    let mut total = 0;
    for client in clients {
        for (status, text) in client.join().unwrap() {
            total += 1;
            assert_eq!(status, 200, "{text}");
            let d = json(&text);
            let hash = d["pack"]["hash"].as_str().unwrap();
            let (severity, verdict, slot) = if hash == hash_a {
                ("error", "hold", 0)
            } else if hash == hash_b {
                ("warning", "accept", 1)
            } else {
                panic!("a decision under neither pack: {d}");
            };
            assert_eq!(min_list_severities(&d), [severity], "{d}");
            assert_eq!(d["verdict"], verdict, "{d}");
            seen[slot] += 1;
        }
    }
    assert!(seen[0] > 0 && seen[1] > 0, "both packs decided: {seen:?}");
    let (_, metrics) = get(&server.url("/metrics"));
    assert_eq!(
        sample(&metrics, "pactum_decision_seconds_count"),
        total as f64
    );
    server.stop().unwrap();
}

/// A body that hands over its first half, says so, waits for `go`, then hands the rest.
struct Paused {
    first: Vec<u8>,
    rest: Vec<u8>,
    started: Option<mpsc::Sender<()>>,
    go: mpsc::Receiver<()>,
}

impl Read for Paused {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.first.is_empty() {
            let n = buf.len().min(self.first.len());
            buf[..n].copy_from_slice(&self.first[..n]);
            self.first.drain(..n);
            return Ok(n);
        }
        if let Some(started) = self.started.take() {
            started.send(()).unwrap();
            let _ = self.go.recv_timeout(Duration::from_secs(30));
        }
        let n = buf.len().min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest.drain(..n);
        Ok(n)
    }
}

/// Acceptance: graceful shutdown finishes the requests in flight. A check whose body is
/// half sent when the shutdown signal comes still gets its whole report; then the server
/// stops and takes no new connection.
#[test]
fn shutdown_finishes_a_request_in_flight_then_stops() {
    let server = start(shipped(), Config::default());
    let batch = std::fs::read(records_file()).unwrap();
    let half = batch.len() / 2;
    let cut = half + batch[half..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let (started_tx, started) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let body = Paused {
        first: batch[..cut].to_vec(),
        rest: batch[cut..].to_vec(),
        started: Some(started_tx),
        go: go_rx,
    };
    let url = server.url("/v1/check?as_of=2026-03-31");
    let client = thread::spawn(move || post(&url, ureq::SendBody::from_owned_reader(body)));
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    // Let the first half reach the server, then ask it to stop while the body is unfinished.
    thread::sleep(Duration::from_millis(200));
    let addr = server.addr;
    let mut server = server;
    server.signal();
    thread::sleep(Duration::from_millis(200));
    go.send(()).unwrap();
    let (status, text) = client.join().unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(json(&text)["summary"]["read"], 83);
    server.stop().unwrap();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening"
    );
}

/// A request past the timeout is answered 503, and the server goes on answering others.
#[test]
fn a_request_past_the_timeout_gets_503() {
    let config = Config {
        timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let server = start(shipped(), config);
    let (started_tx, started) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let body = Paused {
        first: format!("{CLEAN}\n").into_bytes(),
        rest: Vec::new(),
        started: Some(started_tx),
        go: go_rx,
    };
    let url = server.url("/v1/check");
    let client = thread::spawn(move || {
        agent()
            .post(&url)
            .send(ureq::SendBody::from_owned_reader(body))
            .map(|mut r| (r.status().as_u16(), r.body_mut().read_to_string()))
    });
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    thread::sleep(Duration::from_millis(800));
    go.send(()).unwrap();
    let (status, text) = client.join().unwrap().unwrap();
    assert_eq!(status, 503, "{text:?}");
    assert_eq!(decide(&server, CLEAN)["verdict"], "accept");
}

/// A host's own reload ([`ReloadSource::custom`]): new reference data under the pack in
/// force ([`pactum::EngineHandle::reload_data`], what `pactum serve` does with its built-in
/// pack). A lower list price makes the undercut sale clean; the pack hash stays.
#[test]
fn a_custom_reload_installs_new_data_under_the_pack_in_force() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
    }
    let service = GateService::load(root().join("rules"), tmp.path()).unwrap();
    let pack_hash = service.pack().hash;
    let data_hash = service.data().hash.unwrap();
    let dir = tmp.path().to_path_buf();
    let config = Config {
        reload: ReloadSource::custom(move |service: &GateService| {
            let data = pactum::RefData::load(&dir).map_err(pactum::gate::ReloadError::Load)?;
            service.handle().reload_data(data)
        }),
        ..Config::default()
    };
    let server = start(service, config);
    assert_eq!(decide(&server, &undercut("S-1"))["verdict"], "hold");
    let prices = tmp.path().join("price_list.csv");
    let text = std::fs::read_to_string(&prices).unwrap();
    std::fs::write(
        &prices,
        text.replacen("SEAL-200,90.00,USD", "SEAL-200,81.00,USD", 1),
    )
    .unwrap();
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 200, "{text}");
    let report = json(&text);
    assert_eq!(report["hash"], pack_hash);
    assert_eq!(report["changed"], false);
    assert_ne!(report["data"]["hash"], data_hash);
    let d = decide(&server, &undercut("S-2"));
    assert_eq!(d["verdict"], "accept", "{d}");
    assert_eq!(d["data"]["hash"], report["data"]["hash"]);

    // Data that does not load: 422, the data in force stays.
    std::fs::write(&prices, "sku,list_price\nSEAL-200,cheap\n").unwrap();
    let (status, text) = post(&server.url("/v1/reload"), "");
    assert_eq!(status, 422, "{text}");
    let refused = json(&text);
    assert!(
        refused["problems"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("price_list.csv"),
        "{text}"
    );
    assert_eq!(refused["in_force"]["data"]["hash"], report["data"]["hash"]);
}
