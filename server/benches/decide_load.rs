#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a load test that cannot set up has nothing to measure"
)]

//! Load test of `POST /v1/decide` on loopback (issue 13): the server in this process on an
//! ephemeral port, `PACTUM_LOAD_CLIENTS` client threads (default 8), each with one
//! keep-alive connection, posting sales until `PACTUM_LOAD_REQUESTS` requests (default
//! 20,000) or `PACTUM_LOAD_SECONDS` seconds (default 20) have gone, whichever comes first.
//! Prints requests per second and the p50/p99/max latency seen by the clients (every
//! sample kept and sorted), and, as the baseline in the same run, the time of
//! `GateService::decide_json` called in process on the same sales. Every answer is checked
//! (200 and an `accept`). `cargo bench -p pactum-server --bench decide_load`.

use pactum::GateService;
use pactum_server::{Config, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A dealer's clean sale at list price, with a purchase order: accepted.
fn sale(id: u64) -> String {
    format!(
        r#"{{"id":"S-{id}","kind":"sale","date":"2026-01-05","partner":"P-DE-04","customer":"C-12","lines":[{{"sku":"SEAL-200","qty":4,"unit_price":"90.00","currency":"USD","source":"oem"}},{{"sku":"FILTER-5","qty":10,"unit_price":"25.00","currency":"USD","source":"oem"}}],"documents":[{{"kind":"purchase_order","ref":"PO-{id}","signed":true}}]}}"#
    )
}

fn service() -> GateService {
    GateService::load(root().join("rules"), root().join("examples").join("data"))
        .unwrap_or_else(|e| panic!("the shipped pack must load: {e}"))
}

/// The value at `q` (0..=1) of sorted samples.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a sample count far below 2^52"
    )]
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn baseline(requests: u64) {
    let service = service();
    let sales: Vec<String> = (0..requests.min(20_000)).map(sale).collect();
    let mut samples = Vec::with_capacity(sales.len());
    let start = Instant::now();
    for s in &sales {
        let t = Instant::now();
        let d = service.decide_json(s);
        samples.push(t.elapsed());
        assert_eq!(
            d.verdict,
            pactum::gate::Ruling::Accept,
            "{}",
            d.to_json_line()
        );
    }
    let total = start.elapsed();
    samples.sort_unstable();
    #[expect(clippy::cast_precision_loss, reason = "a count for a printed mean")]
    let mean = micros(total) / sales.len().max(1) as f64;
    println!(
        "in process  GateService::decide_json: {} calls, mean {mean:.1} us, p50 {:.1} us, p99 {:.1} us",
        sales.len(),
        micros(quantile(&samples, 0.50)),
        micros(quantile(&samples, 0.99)),
    );
}

fn main() {
    let clients = env_or("PACTUM_LOAD_CLIENTS", 8).max(1);
    let requests = env_or("PACTUM_LOAD_REQUESTS", 20_000);
    let seconds = env_or("PACTUM_LOAD_SECONDS", 20);
    baseline(requests);

    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        runtime.block_on(async move {
            let config = Config {
                listen: ([127, 0, 0, 1], 0).into(),
                ..Config::default()
            };
            let server = Server::bind(Arc::new(service()), config)
                .await
                .unwrap_or_else(|e| panic!("bind: {e}"));
            let _ = addr_tx.send(server.local_addr().unwrap_or_else(|e| panic!("{e}")));
            server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap_or_else(|e| panic!("serve: {e}"));
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("the server did not start: {e}"));
    let url = format!("http://{addr}/v1/decide");

    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let limit = usize::try_from(requests).unwrap_or(usize::MAX);
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.clone();
            let next = Arc::clone(&next);
            std::thread::spawn(move || {
                let agent = ureq::Agent::new_with_config(
                    ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build(),
                );
                let mut samples = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= limit || Instant::now() >= deadline {
                        break;
                    }
                    let body = sale(i as u64);
                    let t = Instant::now();
                    let mut response = agent
                        .post(&url)
                        .content_type("application/json")
                        .send(body.as_str())
                        .unwrap_or_else(|e| panic!("request {i}: {e}"));
                    let text = response
                        .body_mut()
                        .read_to_string()
                        .unwrap_or_else(|e| panic!("answer {i}: {e}"));
                    samples.push(t.elapsed());
                    assert_eq!(response.status().as_u16(), 200, "{text}");
                    assert!(text.contains(r#""verdict":"accept""#), "{text}");
                }
                samples
            })
        })
        .collect();
    let mut samples: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap_or_else(|_| panic!("a client failed")))
        .collect();
    let elapsed = start.elapsed();
    let _ = stop.send(());
    let _ = server.join();
    samples.sort_unstable();
    #[expect(clippy::cast_precision_loss, reason = "a count for a printed rate")]
    let rps = samples.len() as f64 / elapsed.as_secs_f64();
    println!(
        "http        POST /v1/decide: {} requests from {clients} keep-alive clients in {:.2} s: {rps:.0} requests/s, p50 {:.0} us, p99 {:.0} us, max {:.0} us",
        samples.len(),
        elapsed.as_secs_f64(),
        micros(quantile(&samples, 0.50)),
        micros(quantile(&samples, 0.99)),
        micros(samples.last().copied().unwrap_or_default()),
    );
}
