# Shared by the .ci scripts (sourced, not run).

# Installs the Debian packages given with apt-get, without questions (and without the
# packages they only recommend, when the first argument says so); nothing when no package
# is given. The scripts list the packages of the commands a clean machine lacks.
# Usage: apt_install [--no-install-recommends] PACKAGE...
apt_install() {
  local options=()
  if [ "${1-}" = --no-install-recommends ]; then
    options+=("$1")
    shift
  fi
  if [ "$#" -gt 0 ]; then
    echo "== apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${options[@]}" "$@"
  fi
}

# The packages for Python with venv and pip, when this machine lacks them (none if it has
# them): PyO3's build, clippy and .ci/python.sh need an interpreter.
python_packages() {
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo python3 python3-venv python3-pip
  fi
}
