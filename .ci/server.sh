#!/usr/bin/env bash
# The HTTP sidecar's Java example, run against a `pactum serve` started here, and its
# graceful stop on SIGTERM. (The sidecar's own tests, server/tests and cli/tests/serve.rs,
# run in `cargo test --workspace`; its load test compiles in `cargo bench --no-run`.) Runs from the
# repository root on a clean Debian machine with the Rust toolchain; installs a JDK (and curl)
# with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

# javac for the Java example, curl to wait for /healthz.
missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v curl >/dev/null 2>&1 || missing+=(curl)
apt_install --no-install-recommends ${missing[@]+"${missing[@]}"}

echo "== the Java example against pactum serve"
cargo build -p pactum-cli
# A free loopback port: bind port 0, and read the address pactum prints.
log="$(mktemp)"
target/debug/pactum serve --listen 127.0.0.1:0 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\)$/\1/p' "$log" | head -n 1)"
  if [ -n "$url" ] && curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    echo "pactum serve exited before answering" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$url" ]; then
  cat "$log" >&2
  echo "pactum serve did not print its address" >&2
  exit 1
fi
echo "sidecar at $url"
classes="target/java-example"
mkdir -p "$classes"
javac -d "$classes" examples/java/DecideOrders.java
java -cp "$classes" DecideOrders "$url"
# The single-file launch of the docs works too (Java 11+).
java examples/java/DecideOrders.java "$url" >/dev/null

echo "== graceful stop on SIGTERM"
kill -TERM "$pid"
wait "$pid"
trap 'rm -f "$log"' EXIT
grep -q "sigterm" "$log"
echo "== server checks passed"
