#!/usr/bin/env bash
# Rewrite the Python locks (every package pinned, with sha256 hashes):
#   python/requirements.txt        from python/requirements.in (pip-compile, dependencies resolved)
#   python/requirements-nodeps.txt from python/requirements-nodeps.in (installed with --no-deps)
#   bash scripts/lock-python.sh    (uses .venv's pip-compile; run scripts/setup.sh first)
# torch==2.13.0 resolves to the local CPU wheel through pip's find-links (pip config, or PIP_FIND_LINKS):
# its hash in the lock is that wheel's. After changing a lock, run scripts/setup.sh to sync .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
compile=.venv/bin/pip-compile
if [ ! -x "$compile" ]; then
  echo "lock-python: $compile not found: run 'bash scripts/setup.sh' first (it installs pip-tools into .venv)" >&2
  exit 1
fi
quiet_locations() { grep -v "^WARNING: Location 'file:" >&2 || true; }
# --allow-unsafe pins pip/setuptools too, so that an install with --require-hashes finds a hash for them
"$compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-trusted-host \
  --output-file python/requirements.txt python/requirements.in 2> >(quiet_locations)
echo "lock-python: wrote python/requirements.txt ($(grep -c '^[a-zA-Z0-9]' python/requirements.txt) packages)" >&2

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
{
  echo "# Written by scripts/lock-python.sh from python/requirements-nodeps.in; install with --no-deps --require-hashes."
  grep -vE '^\s*(#|$)' python/requirements-nodeps.in | while read -r pin; do
    .venv/bin/pip download --quiet --no-deps --dest "$tmp/$pin" "$pin" 2> >(quiet_locations)
    for f in "$tmp/$pin"/*; do echo "$pin --hash=sha256:$(sha256sum "$f" | cut -d' ' -f1)"; done
  done
} > python/requirements-nodeps.txt
echo "lock-python: wrote python/requirements-nodeps.txt" >&2
