//! The `pactum` command line: thin, argument parsing and dispatch only; the work is in the
//! library.

mod cli;

// Parsing a batch allocates many small strings on both cores at once; mimalloc's per-thread
// heaps make that markedly faster than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
