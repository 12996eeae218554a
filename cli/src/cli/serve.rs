//! `pactum serve`: the gate as an HTTP sidecar (the `pactum-server` crate; endpoints in
//! `docs/http.md`). Loads the pack and data as `gate` does, prints `listening on
//! http://ADDR` to standard error once it listens, logs to standard error (`RUST_LOG`),
//! and runs until Ctrl-C or SIGTERM, finishing the requests in flight. Exit 0 after a clean
//! stop, 2 when the pack or data cannot load or the address cannot be bound.
//!
//! `POST /v1/reload` reads the `--rules` and `--data` folders again (the new pack must pass
//! its own test cases). With the pack built into pactum (no `--rules`), which cannot
//! change, a reload reads the `--data` folder again and installs it under that pack.

use super::input::Sources;
use super::{DEFAULT_DATA, FailOn, Failure};
use pactum::gate::{EngineHandle, ReloadError};
use pactum::{GateService, RefData};
use pactum_server::{Config, DEFAULT_LISTEN, ReloadSource, Server};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    sources: Sources,
    /// The address to listen on; port 0 takes a free port. Loopback by default: expose the
    /// sidecar beyond its host only on purpose
    #[arg(long, default_value_t = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Hold a record with a finding (or a rule that could not run) at least this severe
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// The largest body of `POST /v1/decide`, in bytes (past it: 413)
    #[arg(long, default_value_t = Config::default().body_limit)]
    body_limit: usize,
    /// The largest body of `POST /v1/check`, in bytes (past it: 413)
    #[arg(long, default_value_t = Config::default().check_body_limit)]
    check_body_limit: usize,
    /// Seconds a request may take, queueing included (past it: 503)
    #[arg(long, default_value_t = Config::default().timeout.as_secs())]
    timeout: u64,
    /// How many `/v1/*` requests run at once; the others wait
    #[arg(long, default_value_t = Config::default().concurrency)]
    concurrency: usize,
}

pub(crate) fn run(args: &Args, _out: &mut dyn Write) -> Result<u8, Failure> {
    let engine = args.sources.engine()?;
    let service = GateService::new(EngineHandle::new(engine)).with_fail_on(args.fail_on.severity());
    let data = absolute(
        args.sources
            .data
            .as_deref()
            .unwrap_or(Path::new(DEFAULT_DATA)),
    );
    let reload = match &args.sources.rules {
        Some(rules) => ReloadSource::folders(absolute(rules), data),
        // The built-in pack cannot change: a reload installs the data folder read again.
        None => ReloadSource::custom(move |service: &GateService| {
            let refdata = RefData::load(&data).map_err(ReloadError::Load)?;
            service.handle().reload_data(refdata)
        }),
    };
    let config = Config {
        listen: args.listen,
        body_limit: args.body_limit,
        check_body_limit: args.check_body_limit,
        timeout: Duration::from_secs(args.timeout),
        concurrency: args.concurrency,
        reload,
    };
    pactum_server::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the server: {e}");
            Failure::Reported
        })?;
    runtime.block_on(async {
        let server = Server::bind(Arc::new(service), config).await.map_err(|e| {
            eprintln!("error: cannot listen on `{}`: {e}", args.listen);
            Failure::Reported
        })?;
        let addr = server.local_addr().map_err(|e| {
            eprintln!("error: cannot listen on `{}`: {e}", args.listen);
            Failure::Reported
        })?;
        eprintln!("listening on http://{addr}");
        server
            .run(pactum_server::shutdown_signal())
            .await
            .map_err(|e| {
                eprintln!("error: the server stopped: {e}");
                Failure::Reported
            })
    })?;
    Ok(0)
}

/// `path` from the root, so a reload reads the folders named at start.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
