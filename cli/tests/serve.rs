//! `pactum serve` (issue 13, item 3): the HTTP sidecar from the command line. It prints the
//! address it listens on, answers, reloads, and stops cleanly on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A `pactum serve` process, killed if the test stops early.
struct Serving {
    child: Child,
    base: String,
    /// The rest of its standard error, once it exits.
    stderr: mpsc::Receiver<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pactum serve --listen 127.0.0.1:0 ARGS` in the checkout and reads the address
/// from its first line on standard error.
fn serve(args: &[&str]) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(root())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr_tx, addr_rx) = mpsc::channel();
    let (rest_tx, rest_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let mut sent = false;
        for line in lines.by_ref() {
            let line = line.unwrap_or_default();
            if let (false, Some(addr)) = (sent, line.strip_prefix("listening on http://")) {
                addr_tx.send(addr.to_owned()).unwrap();
                sent = true;
            }
            rest.push_str(&line);
            rest.push('\n');
        }
        let _ = rest_tx.send(rest);
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    Serving {
        child,
        base: format!("http://{addr}"),
        stderr: rest_rx,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    )
}

fn call(method: &str, url: &str, body: &str) -> (u16, String) {
    let agent = agent();
    let response = if method == "GET" {
        agent.get(url).call()
    } else {
        agent.post(url).send(body)
    };
    let mut response = response.unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

const UNDERCUT: &str = r#"{"id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-SI-07", "lines": [{"sku": "SEAL-200", "qty": 4, "unit_price": "81.00", "currency": "USD", "source": "oem"}], "documents": [{"kind": "purchase_order"}]}"#;

/// SIGTERM, then the exit status and the rest of standard error.
fn terminate(mut serving: Serving) -> (std::process::ExitStatus, String) {
    let pid = serving.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = serving.child.wait().unwrap();
    let stderr = serving
        .stderr
        .recv_timeout(Duration::from_secs(30))
        .unwrap();
    (status, stderr)
}

/// Acceptance: `pactum serve` with the built-in pack listens on the loopback port it
/// prints, decides a record (logging its decision id), reloads (the built-in pack stays,
/// the data is read again), and exits 0 on SIGTERM.
#[cfg(unix)]
#[test]
fn serve_prints_its_address_decides_reloads_and_stops_on_sigterm() {
    let serving = serve(&[]);
    assert!(
        serving.base.starts_with("http://127.0.0.1:"),
        "{}",
        serving.base
    );
    assert_eq!(
        call("GET", &format!("{}/healthz", serving.base), ""),
        (200, "ok\n".to_owned())
    );
    let (status, text) = call("POST", &format!("{}/v1/decide", serving.base), UNDERCUT);
    assert_eq!(status, 200, "{text}");
    let decision: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(decision["verdict"], "hold");
    let id = decision["decision_id"].as_str().unwrap().to_owned();

    let (status, text) = call("GET", &format!("{}/v1/pack", serving.base), "");
    assert_eq!(status, 200, "{text}");
    let pack: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(pack["hash"], decision["pack"]["hash"]);
    let (status, text) = call("POST", &format!("{}/v1/reload", serving.base), "");
    assert_eq!(status, 200, "{text}");
    let reload: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(reload["changed"], false, "{text}");
    assert_eq!(reload["hash"], pack["hash"]);
    assert_eq!(reload["data"], pack["data"]);

    let (status, stderr) = terminate(serving);
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.contains(&format!("decision_id={id}")), "{stderr}");
    assert!(stderr.contains("sigterm"), "{stderr}");
}

/// With `--rules`, a reload reads the folder again; a folder that no longer loads is
/// refused with 422 and its problem, and the server goes on with the old pack.
#[cfg(unix)]
#[test]
fn serve_reloads_the_rules_folder_it_started_with() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    let status = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["init", rules.to_str().unwrap()])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let serving = serve(&["--rules", rules.to_str().unwrap()]);
    let (status, text) = call("POST", &format!("{}/v1/reload", serving.base), "");
    assert_eq!(status, 200, "{text}");
    std::fs::write(rules.join("price.toml"), "[[rule]\n").unwrap();
    let (status, text) = call("POST", &format!("{}/v1/reload", serving.base), "");
    assert_eq!(status, 422, "{text}");
    let refused: Value = serde_json::from_str(&text).unwrap();
    assert!(
        refused["problems"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("price.toml"),
        "{text}"
    );
    let (status, text) = call("POST", &format!("{}/v1/decide", serving.base), UNDERCUT);
    assert_eq!(status, 200, "{text}");
    let (status, _) = terminate(serving);
    assert!(status.success());
}

/// An address that cannot be bound is exit 2 with the reason.
#[test]
fn serve_on_an_address_it_cannot_bind_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["serve", "--listen", &addr])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error: cannot listen on `{addr}`")),
        "{stderr}"
    );
}
