//! The worker threads that run rules on all cores: rayon's pool, with the stack a script
//! at the limits' ceilings needs.

/// Stack of each worker thread that runs rules: the main thread's default. The deepest
/// script the limits' ceilings allow needs between 1 and 2 MiB (`Limits::CEILING`,
/// measured by the test `hostile_scripts::stack_probe`); rayon's default (2 MiB) would
/// leave no margin.
const WORKER_STACK: usize = 8 << 20;

/// Runs `f` in pactum's worker pool (one thread per core, each with [`WORKER_STACK`]), so
/// the parallel iterators it starts run there; in the caller's pool if pactum's cannot be
/// started.
pub(crate) fn workers<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("pactum-worker-{i}"))
            .stack_size(WORKER_STACK)
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}
