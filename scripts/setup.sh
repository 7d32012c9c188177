#!/usr/bin/env bash
# The one set-up, run once after cloning (and again at any time: it is idempotent):
#   bash scripts/setup.sh
# 1. Debian packages: Chromium (figure export, browser test) and Debian's Jupyter (headless notebooks)
# 2. .venv: Python 3.11 with the hashed locks python/requirements.txt (+ requirements-nodeps.txt)
# 3. npm ci (skipped when node_modules was installed from this very package-lock.json)
# 4. scripts/setup-tfjs-node.sh, when present (native TensorFlow for tfjs-node)
# 5. the tslab kernel spec in .venv/share/jupyter/kernels, and the git filter that strips notebook
#    outputs when they are staged (.gitattributes)
# A step that cannot run (no root, a registry unreachable) is reported with the command that fixes
# it; the other steps still run. Exit status: 0 when everything is installed, 1 otherwise.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive
t_start=$(date +%s)

# python3-scipy (1.10): test/stats-wilcoxon.test.ts's reference, because src/stats/wilcoxon.ts follows
# scipy 1.10 (the .venv's scipy 1.17 treats zeros and ties in exact mode differently)
APT_PACKAGES=(chromium jupyter-nbconvert python3-nbclient jupyter-client python3-numpy python3-scipy)
VENV="$ROOT/.venv"
LOCKS=(python/requirements.txt python/requirements-nodeps.txt)

done_lines=()
failed_lines=()
say() { echo "setup: $*" >&2; }
ok() { done_lines+=("$1"); say "$1"; }
failed() { failed_lines+=("$1"$'\n      fix: '"$2"); say "FAILED: $1 (fix: $2)"; }
tail_of() { grep -v "^WARNING: Location 'file:" "$1" | tail -n "${2:-8}" | sed 's/^/      | /' >&2; }
sha() { cat "$@" | sha256sum | cut -d' ' -f1; }
LOG="$(mktemp -d)"; trap 'rm -rf "$LOG"' EXIT

# --- 1. Debian packages --------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
python_ok() { "$1" -c 'import sys, venv, ensurepip; assert sys.version_info[:2] == (3, 11)' >/dev/null 2>&1; }
PY=""
for c in python3.11 python3 /usr/bin/python3.11 /usr/bin/python3; do
  if command -v "$c" >/dev/null 2>&1 && python_ok "$(command -v "$c")"; then PY="$(command -v "$c")"; break; fi
done
if [ -z "$PY" ] && [ ! -x "$VENV/bin/python" ]; then missing+=(python3.11-venv); fi
apt_cmd="apt-get install -y --no-install-recommends ${missing[*]:-}"
if [ ${#missing[@]} -eq 0 ]; then
  ok "Debian packages present: ${APT_PACKAGES[*]}"
elif [ "$(id -u)" -ne 0 ]; then
  failed "Debian packages missing: ${missing[*]} (not root, so not installed)" "sudo apt-get update && sudo $apt_cmd"
else
  say "apt-get: installing ${missing[*]}"
  apt-get update -qq >"$LOG/apt" 2>&1 || true
  if apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG/apt" 2>&1; then
    ok "Debian packages installed: ${missing[*]}"
  else
    tail_of "$LOG/apt"
    failed "apt-get could not install ${missing[*]} (Debian's repositories unreachable?)" "apt-get update && $apt_cmd"
  fi
  if [ -z "$PY" ] && python_ok /usr/bin/python3; then PY=/usr/bin/python3; fi
fi

# --- 2. Python virtual environment ---------------------------------------------------------------
# torch: the lock pins torch==2.13.0+cpu with the hash of the local CPU wheel, found through pip's
# find-links (/opt/wheels on these machines); every other package is pinned with hashes too, so pip
# never resolves a bare `torch` (a CUDA build of several GB).
venv_stamp="$VENV/.pa-setup-stamp"
want_stamp="$(sha "${LOCKS[@]}")"
if [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/jupyter-lab" ] && [ "$(cat "$venv_stamp" 2>/dev/null)" = "$want_stamp" ]; then
  [ -f "$VENV/package.json" ] || echo '{ "type": "commonjs" }' >"$VENV/package.json"
  ok ".venv up to date with ${LOCKS[*]}"
elif [ ! -x "$VENV/bin/python" ] && [ -z "$PY" ]; then
  failed ".venv not created: no Python 3.11 with the venv module (the torch wheel is for CPython 3.11)" "sudo $apt_cmd python3.11-venv; then bash scripts/setup.sh"
else
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating .venv with $PY"
    "$PY" -m venv "$VENV" || failed ".venv: '$PY -m venv $VENV' failed" "rm -rf .venv; $PY -m venv .venv"
  fi
  if [ -x "$VENV/bin/python" ]; then
    say "pip: installing ${LOCKS[*]} into .venv (first time: a few minutes)"
    # .venv lies inside a package.json with "type": "module"; JupyterLab's bundled yarn.js is CommonJS
    echo '{ "type": "commonjs" }' >"$VENV/package.json"
    if "$VENV/bin/python" -m pip install --disable-pip-version-check --require-hashes -r python/requirements.txt >"$LOG/pip" 2>&1 &&
       "$VENV/bin/python" -m pip install --disable-pip-version-check --require-hashes --no-deps -r python/requirements-nodeps.txt >>"$LOG/pip" 2>&1; then
      echo "$want_stamp" >"$venv_stamp"
      ok ".venv installed from ${LOCKS[*]} ($("$VENV/bin/python" -m pip list 2>/dev/null | tail -n +3 | wc -l) packages)"
    else
      tail_of "$LOG/pip"
      if grep -q "torch" "$LOG/pip" && ! ls /opt/wheels/torch-2.13.0+cpu-* >/dev/null 2>&1; then
        failed ".venv: pip could not install the locks (torch 2.13.0+cpu is not in pip's find-links)" \
          "PIP_FIND_LINKS=<folder with torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl> bash scripts/setup.sh"
      else
        failed ".venv: pip could not install the locks (PyPI unreachable, or a hash mismatch: see above)" \
          ".venv/bin/python -m pip install --require-hashes -r python/requirements.txt && .venv/bin/python -m pip install --require-hashes --no-deps -r python/requirements-nodeps.txt"
      fi
    fi
  fi
fi

# --- 3. npm packages -----------------------------------------------------------------------------
npm_ok=0
if ! command -v npm >/dev/null 2>&1; then
  failed "npm not found (Node.js >= 20 is needed)" "sudo apt-get install -y nodejs npm  (or install Node 20 from nodejs.org)"
elif node scripts/npm-in-sync.cjs; then
  ok "node_modules up to date with package-lock.json"; npm_ok=1
else
  say "npm ci (first time: a minute or two)"
  if npm ci --no-audit --no-fund >"$LOG/npm" 2>&1; then
    ok "npm ci: node_modules installed from package-lock.json"; npm_ok=1
  else
    tail_of "$LOG/npm"
    failed "npm ci failed (the npm registry unreachable?)" "npm ci"
  fi
fi

# --- 4. native TensorFlow for tfjs-node (another script owns it; optional) ------------------------
if [ -f scripts/setup-tfjs-node.sh ] && [ $npm_ok -eq 1 ]; then
  if bash scripts/setup-tfjs-node.sh >"$LOG/tfjs" 2>&1; then
    ok "tfjs-node: $(tail -n 1 "$LOG/tfjs" | sed 's/^setup-tfjs-node: //')"
  else
    tail_of "$LOG/tfjs"
    failed "scripts/setup-tfjs-node.sh failed: the wasm backend still works, only slower" "bash scripts/setup-tfjs-node.sh"
  fi
fi

# --- 5. the tslab kernel for JupyterLab, and the notebook strip filter for git --------------------
if [ $npm_ok -eq 1 ] && [ -d "$VENV" ]; then
  if node --import tsx scripts/notebook-kernel.ts --dir "$VENV/share/jupyter" >"$LOG/kernel" 2>&1; then
    ok "tslab kernel 'tslab-pa' registered in .venv/share/jupyter/kernels"
  else
    tail_of "$LOG/kernel"
    failed "kernel spec not written" "node --import tsx scripts/notebook-kernel.ts --dir .venv/share/jupyter"
  fi
else
  failed "kernel spec not written (needs node_modules and .venv)" "bash scripts/setup.sh  (after fixing the steps above)"
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # .gitattributes sends notebooks/*.ipynb through this filter when staged: outputs never reach git
  git config filter.strip-notebook.clean 'node --import tsx scripts/strip-notebook-filter.ts %f' &&
    git config filter.strip-notebook.smudge cat &&
    ok "git filter strip-notebook set (notebook outputs are stripped when staged)" ||
    failed "git filter not set" "git config filter.strip-notebook.clean 'node --import tsx scripts/strip-notebook-filter.ts %f'"
fi

# --- summary -------------------------------------------------------------------------------------
echo >&2
echo "setup summary ($(( $(date +%s) - t_start )) s):" >&2
for l in "${done_lines[@]}"; do echo "  ok   $l" >&2; done
for l in "${failed_lines[@]}"; do echo "  FAIL $l" >&2; done
if [ ${#failed_lines[@]} -gt 0 ]; then
  echo "setup: ${#failed_lines[@]} step(s) failed; run the fix commands above, then 'bash scripts/setup.sh' again" >&2
  exit 1
fi
echo "setup: done. Next: npm test, npm run lab, npm run reproduce -- --profile smoke" >&2
