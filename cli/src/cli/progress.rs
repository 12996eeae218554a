//! The progress bar of `pactum check`: records read, records a second and bytes of input,
//! on stderr, for runs longer than a second and only when stderr is a terminal (a log or a
//! pipe gets nothing).

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use pactum::ReadProgress;
use std::io::{IsTerminal, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run goes before the bar is shown: a quick run shows nothing.
const DELAY: Duration = Duration::from_secs(1);
/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// What a run has read so far: bytes of input (counted by [`Counting`]) and records (by
/// the library's stream).
#[derive(Clone, Default)]
pub(crate) struct Counts {
    pub bytes: Arc<AtomicU64>,
    pub records: ReadProgress,
}

/// The bar, drawn by a thread of its own from the counts until [`Progress::finish`].
pub(crate) struct Progress {
    counts: Counts,
    stop: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts counting; the bar is drawn only when `show` (not `--quiet`) and stderr is a
    /// terminal, and then only after [`DELAY`].
    pub(crate) fn start(show: bool) -> Progress {
        let counts = Counts::default();
        let stop = (show && std::io::stderr().is_terminal()).then(|| {
            let (stop, stopped) = mpsc::channel();
            let counts = counts.clone();
            (stop, std::thread::spawn(move || draw(&counts, &stopped)))
        });
        Progress { counts, stop }
    }

    /// The counts, to give to the reader and the stream.
    pub(crate) fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Stops the bar and clears it from the terminal.
    pub(crate) fn finish(mut self) {
        if let Some((stop, thread)) = self.stop.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    /// A run that stops early (an error) clears the bar too.
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.stop.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

/// Draws the bar from `counts` once [`DELAY`] has passed, until told to stop. The rate is
/// worked out here, over the whole run: the bar starts a second late, and indicatif's own
/// rate would take the first second's records as read in an instant.
fn draw(counts: &Counts, stopped: &mpsc::Receiver<()>) {
    let started = Instant::now();
    if !matches!(stopped.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
        return;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(TICK);
    loop {
        bar.set_message(line(counts, started.elapsed()));
        if !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
            break;
        }
    }
    bar.finish_and_clear();
}

/// The bar's text: `12,345 records read (6,172 a second), 3.52 MiB of input, 2s`.
fn line(counts: &Counts, elapsed: Duration) -> String {
    let records = counts.records.records();
    let bytes = counts.bytes.load(Ordering::Relaxed);
    let millis = u64::try_from(elapsed.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let rate = records.saturating_mul(1000) / millis;
    format!(
        "{} records read ({} a second), {} of input, {}s",
        HumanCount(records),
        HumanCount(rate),
        HumanBytes(bytes),
        elapsed.as_secs()
    )
}

/// A reader that counts the bytes read through it.
pub(crate) struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Counting<R> {
    pub(crate) fn new(inner: R, bytes: Arc<AtomicU64>) -> Counting<R> {
        Counting { inner, bytes }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_byte_read_through_it() {
        let bytes = Arc::new(AtomicU64::new(0));
        let mut reader = Counting::new(&b"0123456789"[..], bytes.clone());
        let mut first = [0u8; 4];
        reader.read_exact(&mut first).unwrap();
        assert_eq!(bytes.load(Ordering::Relaxed), 4);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(bytes.load(Ordering::Relaxed), 10);
    }

    #[test]
    fn the_bar_reads_the_counts() {
        let counts = Counts::default();
        counts.records.add(12_345);
        counts.bytes.store(3 << 20, Ordering::Relaxed);
        assert_eq!(
            line(&counts, Duration::from_millis(2_500)),
            "12,345 records read (4,938 a second), 3.00 MiB of input, 2s"
        );
    }

    #[test]
    fn a_quiet_run_draws_nothing_and_finishes_at_once() {
        let progress = Progress::start(false);
        assert!(progress.stop.is_none());
        progress.counts().records.records();
        progress.finish();
    }
}
