//! pactum's HTTP sidecar: the gate of [`pactum::GateService`] over HTTP, for order systems
//! that are not written in Rust (`pactum serve` runs it; `docs/http.md` is the user guide).
//!
//! ```no_run
//! use pactum::GateService;
//! use pactum_server::{Config, ReloadSource, Server};
//! use std::sync::Arc;
//!
//! # async fn run() -> std::io::Result<()> {
//! let service = GateService::load("rules", "examples/data").map_err(std::io::Error::other)?;
//! let config = Config {
//!     reload: ReloadSource::folders("rules", "examples/data"),
//!     ..Config::default()
//! };
//! let server = Server::bind(Arc::new(service), config).await?;
//! eprintln!("listening on http://{}", server.local_addr()?);
//! server.run(pactum_server::shutdown_signal()).await
//! # }
//! ```
//!
//! # Endpoints
//!
//! | Method and path   | Body in              | Answer                                              |
//! |-------------------|----------------------|-----------------------------------------------------|
//! | `POST /v1/decide` | one record (JSON)    | 200 and the decision record, whatever the verdict   |
//! | `POST /v1/check`  | JSON Lines           | 200 and the report of `pactum check --format json`  |
//! | `GET /v1/pack`    |                      | 200 and the pack in force and its data's hash       |
//! | `POST /v1/reload` |                      | 200 and the new hashes, or 422 and every problem    |
//! | `GET /healthz`    |                      | 200 `ok`                                            |
//! | `GET /metrics`    |                      | 200 and Prometheus text                             |
//!
//! Every error answer is JSON, `{"error": "..."}` (see [`router`] for the statuses).
//!
//! # Work off the runtime
//!
//! A decision, a batch check and a reload are CPU work (and a check reads its body through
//! a blocking reader): each runs on tokio's blocking pool, so the threads that accept
//! connections and read requests are never held by them. [`Config::concurrency`] bounds how
//! many `/v1/*` requests run at once, and so how many blocking threads they take.

mod metrics;
mod routes;

pub use metrics::Metrics;
pub use routes::router;

use pactum::GateService;
use pactum::gate::{ReloadError, ReloadReport};
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The address `pactum serve` listens on when none is given: loopback only, so a sidecar
/// is reachable from its own host and from nothing else unless asked.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT);

/// The port of [`DEFAULT_LISTEN`].
pub const DEFAULT_PORT: u16 = 8910;

/// How the server runs: where it listens and the bounds it puts on every request. Build it
/// with `Config { listen, ..Config::default() }`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on [default: [`DEFAULT_LISTEN`], loopback only]; port 0 takes
    /// a free port ([`Server::local_addr`] says which).
    pub listen: SocketAddr,
    /// The largest body of `POST /v1/decide`, in bytes [default: 1 MiB]; past it the answer
    /// is 413. One record is a few hundred bytes: the bound keeps a client from making the
    /// server hold a large body in memory.
    pub body_limit: usize,
    /// The largest body of `POST /v1/check`, in bytes [default: 1 GiB]; past it the answer is
    /// 413. The batch is streamed (the server holds one line at a time, and the check holds a
    /// few bytes per record id), so this bounds the time a check takes rather than memory.
    pub check_body_limit: usize,
    /// How long a request may take from its first byte to its answer, queueing for
    /// [`Config::concurrency`] included [default: 30 s]; past it the answer is 503. A large
    /// batch on `/v1/check` may need more.
    pub timeout: Duration,
    /// How many `/v1/*` requests run at once [default: 64]; the others wait their turn (and
    /// their wait counts against [`Config::timeout`]). `/healthz` and `/metrics` are not
    /// counted, so probes answer under load.
    pub concurrency: usize,
    /// Where `POST /v1/reload` reloads from [default: [`ReloadSource::Disabled`]].
    pub reload: ReloadSource,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: DEFAULT_LISTEN,
            body_limit: 1 << 20,
            check_body_limit: 1 << 30,
            timeout: Duration::from_secs(30),
            concurrency: 64,
            reload: ReloadSource::Disabled,
        }
    }
}

/// A host's own reload: given the service, swaps a new engine in (through
/// [`GateService::handle`]) or says why not.
pub type ReloadFn = dyn Fn(&GateService) -> Result<ReloadReport, ReloadError> + Send + Sync;

/// Where `POST /v1/reload` takes the new pack and data from.
#[derive(Clone)]
#[non_exhaustive]
pub enum ReloadSource {
    /// The pack and data folders, read again ([`GateService::reload`]).
    Folders {
        /// The rule pack folder.
        rules: PathBuf,
        /// The reference data folder.
        data: PathBuf,
    },
    /// A function of the host's: a pack built into the binary, or kept in a database.
    Custom(Arc<ReloadFn>),
    /// No reload: `POST /v1/reload` answers 501.
    Disabled,
}

impl ReloadSource {
    /// Reload from these two folders.
    pub fn folders(rules: impl Into<PathBuf>, data: impl Into<PathBuf>) -> ReloadSource {
        ReloadSource::Folders {
            rules: rules.into(),
            data: data.into(),
        }
    }

    /// Reload by calling `f`.
    pub fn custom(
        f: impl Fn(&GateService) -> Result<ReloadReport, ReloadError> + Send + Sync + 'static,
    ) -> ReloadSource {
        ReloadSource::Custom(Arc::new(f))
    }
}

impl fmt::Debug for ReloadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadSource::Folders { rules, data } => f
                .debug_struct("Folders")
                .field("rules", rules)
                .field("data", data)
                .finish(),
            ReloadSource::Custom(_) => f.write_str("Custom(..)"),
            ReloadSource::Disabled => f.write_str("Disabled"),
        }
    }
}

/// A server bound to its address, not yet answering: [`Server::local_addr`] is known (to
/// print it, or for a test on port 0) before [`Server::run`].
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: axum::Router,
    metrics: Arc<Metrics>,
}

impl Server {
    /// Binds `config.listen` and builds the routes around `service`.
    pub async fn bind(service: Arc<GateService>, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(config.listen).await?;
        let metrics = Arc::new(Metrics::default());
        let router = router(service, Arc::clone(&metrics), &config);
        Ok(Server {
            listener,
            router,
            metrics,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The counters `/metrics` shows.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Answers requests until `shutdown` completes; then stops accepting connections,
    /// finishes the requests in flight, and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let addr = self.local_addr()?;
        tracing::info!(%addr, "listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        tracing::info!("stopped: every request in flight was answered");
        Ok(())
    }
}

/// Binds `config.listen` and answers requests until `shutdown` completes (see
/// [`Server::run`]).
pub async fn serve(
    service: Arc<GateService>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    Server::bind(service, config).await?.run(shutdown).await
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM: what a terminal and a process
/// manager (systemd, Kubernetes) send to stop a service. Pass it to [`Server::run`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for sigterm");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c: finishing the requests in flight"),
        () = terminate => tracing::info!("sigterm: finishing the requests in flight"),
    }
}

/// Sends the `tracing` events of the server to standard error, filtered by `RUST_LOG`
/// (`info` when it is unset or unreadable), for a program that runs the server (`pactum
/// serve`). Does nothing when a subscriber is already installed.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .try_init();
}
