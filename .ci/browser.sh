#!/usr/bin/env bash
# The HTML report in a real browser (issue 16): renders the example report with
# `pactum check --format html`, opens it in headless Chromium and checks it has no console
# errors, that each chart has the right number of marks and that the findings filter works;
# leaves the page and a screenshot in target/report/ (report.html, report.png). Runs from the
# repository root on a clean Debian machine with the Rust toolchain; installs Debian's
# chromium with apt-get when it is missing. `--install-only` installs and stops: .ci/run
# installs it before `cargo test --workspace`, which runs the browser test too.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
# Chromium's own recommends (fonts, the desktop integration) are left out: the page brings
# its own font stack and the test needs no desktop; one sans font keeps the text legible.
[ "${#missing[@]}" -eq 0 ] || missing+=(fonts-dejavu-core)
apt_install --no-install-recommends ${missing[@]+"${missing[@]}"}
[ "${1-}" != --install-only ] || exit 0

echo "== cargo test -p pactum-cli --test html (headless Chromium; CI set: a missing browser fails)"
CI="${CI:-true}" cargo test -p pactum-cli --test html -- --nocapture
