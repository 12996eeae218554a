//! The `pactum` command line: thin, argument parsing and dispatch only; the work is in the
//! library.

mod cli;

// Parsing a batch allocates many small strings on both cores at once; mimalloc's per-thread
// heaps make that markedly faster than the system allocator (see BENCHMARKS.md). It is built
// without transparent huge pages (`no_thp`): a 2 MiB page per partly used span of memory took
// 10 MB at the start of a run and about 20 MB more by 2M records.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
