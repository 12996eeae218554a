#!/usr/bin/env bash
# The C library (ffi/): builds libpactum_c, checks the committed header ffi/include/pactum.h
# is what cbindgen generates, and compiles the C test program ffi/tests/c/decide.c with `cc`
# and runs it (4 threads deciding, a batch check, reloads), linked shared and static, and
# under valgrind (no definite or indirect leak, no invalid access). Runnable from the
# repository root on a clean Debian machine with the Rust toolchain; installs a C compiler
# and valgrind with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
apt_install --no-install-recommends ${missing[@]+"${missing[@]}"}

echo "== cargo test -p pactum-ffi (header, C API, C program, and under valgrind)"
# The valgrind test is ignored by a plain `cargo test` (it takes about 80 s); it runs here.
# --nocapture shows the valgrind summary lines it prints.
cargo test -p pactum-ffi -- --include-ignored --nocapture
