#!/usr/bin/env bash
# The Python package (python/): builds and installs it with `pip install ./python` in a venv
# under target/, then runs its pytest tests against the command line built here. Runs from
# the repository root on a clean Debian machine with the Rust toolchain; installs Python
# with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

# shellcheck disable=SC2046 # the package names are words
apt_install $(python_packages)

venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
py="$venv/bin/python"

echo "== pip install maturin pytest mypy"
"$py" -m pip install --quiet --upgrade pip maturin pytest mypy

echo "== cargo build -p pactum-cli -p pactum-ffi"
# The command line and the C library: the tests compare the package with them (and with
# the sidecar the command line serves).
cargo build -p pactum-cli -p pactum-ffi

echo "== pip install ./python"
start=$(date +%s)
"$py" -m pip install ./python
echo "pip install ./python took $(( $(date +%s) - start )) s"

echo "== pytest python/tests"
start=$(date +%s)
# The batch test compares with the command line's report; under CI=true it fails rather
# than skips when PACTUM_BIN is missing.
PACTUM_BIN="$PWD/target/debug/pactum" PACTUM_C_LIB="$PWD/target/debug/libpactum_c.so" \
  "$py" -m pytest python/tests -q -p no:cacheprovider
echo "pytest python/tests took $(( $(date +%s) - start )) s"

echo "== mypy.stubtest pactum._pactum; mypy --strict python/tests/typing_check.py"
# The stubs name what the module has (the dict shapes, for type checkers only, are in the
# allowlist) and type what it returns.
# stubtest keeps its cache in the folder it runs from: target/.
(cd target && "../$py" -m mypy.stubtest pactum._pactum --allowlist ../python/tests/stubtest-allowlist.txt)
MYPY_CACHE_DIR=target/mypy-cache "$py" -m mypy --strict python/tests/typing_check.py
