#!/usr/bin/env bash
# Make @tensorflow/tfjs-node (an optional dependency) usable without Google's download host.
#
# tfjs-node's own install script downloads libtensorflow 2.9.1 and a prebuilt addon from
# storage.googleapis.com, which these machines cannot reach; package.json therefore denies that
# script (`allowScripts`) and this script does its job from PyPI instead:
#   1. download TensorFlow's CPU wheel (pinned, sha256-checked; it carries libtensorflow_cc.so.2,
#      which exports the C and eager C API, libtensorflow_framework.so.2 and the C headers),
#   2. lay the libraries and headers out where tfjs-node's binding.gyp looks (deps/lib, deps/include),
#   3. build tfjs-node's native addon from source with node-gyp against this Node's headers.
# Idempotent: a stamp records what was built; a second run only checks that the addon loads.
# Exit status non-zero with a message naming the failed step.
set -euo pipefail

# TensorFlow 2.21.0 is the newest tensorflow-cpu; tfjs-node 4.22 (written for 2.9.1) builds and runs
# against it unchanged: every TF_/TFE_ function the binding calls is exported by libtensorflow_cc.so.2.
TF_VERSION=2.21.0
TF_WHEEL=tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl
TF_WHEEL_SHA256=2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c
TFJS_NODE_VERSION=4.22.0
NAPI_BUILD_VERSION=8 # the highest N-API version in tfjs-node's package.json "binary.napi_versions"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
CACHE="${PA_TFJS_NODE_CACHE:-$ROOT/.cache/tfjs-node}"
STAMP="$PKG/deps/pa-setup.stamp"

fail() { echo "setup-tfjs-node: $*" >&2; exit 1; }
say() { echo "setup-tfjs-node: [${SECONDS}s] $*" >&2; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
  fail "only Linux x86_64 is handled (TensorFlow's CPU wheel is per platform); elsewhere install @tensorflow/tfjs-node normally (its install script downloads libtensorflow)"
[ -f "$PKG/package.json" ] ||
  fail "$PKG is missing: run 'npm ci' first (@tensorflow/tfjs-node is an optional dependency)"
got_version="$(node -p "require('$PKG/package.json').version")"
[ "$got_version" = "$TFJS_NODE_VERSION" ] ||
  fail "node_modules has @tensorflow/tfjs-node $got_version, this script is written for $TFJS_NODE_VERSION"

loads() { # the addon links and TensorFlow starts (about 1 s)
  (cd "$ROOT" && node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1)
}

want_stamp="tf=$TF_VERSION sha256=$TF_WHEEL_SHA256 tfjs-node=$TFJS_NODE_VERSION node=$(node -p 'process.version+" napi "+process.versions.napi')"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] && loads; then
  say "already set up ($want_stamp)"
  exit 0
fi

# --- 1. the wheel -------------------------------------------------------------------------------
mkdir -p "$CACHE"
wheel="$CACHE/$TF_WHEEL"
sha_ok() { [ -f "$wheel" ] && echo "$TF_WHEEL_SHA256  $wheel" | sha256sum -c --status; }
if ! sha_ok; then
  rm -f "$wheel"
  if [ -x "$ROOT/.venv/bin/python" ]; then py="$ROOT/.venv/bin/python"; else py="$(command -v python3 || true)"; fi
  [ -n "$py" ] && "$py" -m pip --version >/dev/null 2>&1 ||
    fail "pip is needed to download $TF_WHEEL (create the project's .venv, or install python3-pip)"
  req="$CACHE/requirements.txt"
  echo "tensorflow-cpu==$TF_VERSION --hash=sha256:$TF_WHEEL_SHA256" >"$req"
  say "downloading $TF_WHEEL from PyPI (about 274 MB)"
  # Only the wheel's shared libraries are used, so it is fetched for a fixed Python tag whatever
  # Python runs pip; --require-hashes makes pip refuse any other file.
  "$py" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --implementation cp --python-version 3.11 --abi cp311 --platform manylinux_2_27_x86_64 \
    -r "$req" -d "$CACHE" || fail "pip download of tensorflow-cpu==$TF_VERSION failed (PyPI unreachable?)"
  sha_ok || fail "$wheel does not have sha256 $TF_WHEEL_SHA256"
fi

# --- 2. libtensorflow layout ------------------------------------------------------------------------
say "laying out libtensorflow $TF_VERSION in $PKG/deps"
rm -rf "$PKG/deps" "$PKG/build" "$PKG/lib"
mkdir -p "$PKG/deps/lib" "$PKG/deps/include"
# The headers the binding includes (c_api.h, eager/c_api.h and what they pull in), and both libraries.
python3 - "$wheel" "$PKG/deps" <<'EOF' || fail "extracting $wheel failed"
import fnmatch, os, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
headers = ['tensorflow/c/*.h', 'tensorflow/c/eager/*.h', 'tensorflow/core/platform/ctstring*.h',
           'tsl/platform/ctstring*.h', 'xla/tsl/c/*.h']
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
found = set()
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in libs:
            dest = os.path.join(deps, 'lib', os.path.basename(name))
            found.add(name)
        elif name.startswith('tensorflow/include/'):
            rel = name[len('tensorflow/include/'):]
            if not any(fnmatch.fnmatchcase(rel, p) and rel.count('/') == p.count('/') for p in headers):
                continue
            dest = os.path.join(deps, 'include', rel)
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, 'wb') as out:
            shutil.copyfileobj(src, out, 1 << 22)
missing = libs - found
if missing:
    sys.exit(f'{wheel} lacks {sorted(missing)}')
EOF
(
  cd "$PKG/deps/lib"
  # binding.gyp links -ltensorflow -ltensorflow_framework; the C API lives in libtensorflow_cc here.
  # The 2.9.1 name is the one tfjs-node's install script checks, so an `npm rebuild` keeps this layout.
  ln -s libtensorflow_cc.so.2 libtensorflow.so
  ln -s libtensorflow_cc.so.2 libtensorflow.so.2
  ln -s libtensorflow_cc.so.2 libtensorflow.so.2.9.1
  ln -s libtensorflow_framework.so.2 libtensorflow_framework.so
  ln -s libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1
)

# --- 3. the addon -----------------------------------------------------------------------------------
node_gyp="${npm_config_node_gyp:-}"
if [ -z "$node_gyp" ]; then
  npm_cli="$(readlink -f "$(command -v npm)")" || fail "npm not found"
  node_gyp="$(dirname "$npm_cli")/../node_modules/node-gyp/bin/node-gyp.js"
fi
[ -f "$node_gyp" ] || fail "node-gyp not found (looked for npm's bundled copy at $node_gyp)"
nodedir_args=()
node_version="$(node -p 'process.version.slice(1)')"
if [ -n "${npm_config_nodedir:-}" ]; then
  nodedir_args=(--nodedir="$npm_config_nodedir")
elif grep -q "define NODE_MAJOR_VERSION ${node_version%%.*}\$" /usr/include/node/node_version.h 2>/dev/null; then
  nodedir_args=(--nodedir=/usr) # Debian/NodeSource's nodejs ships the headers there
elif [ ! -f "$HOME/.cache/node-gyp/$node_version/include/node/node_api.h" ]; then
  fail "no Node.js headers for node $node_version: install them (Debian: the nodejs or libnode-dev package) or set npm_config_nodedir"
fi
say "building the addon (node-gyp, N-API $NAPI_BUILD_VERSION)"
(
  cd "$PKG"
  node "$node_gyp" rebuild "${nodedir_args[@]}" --module_name=tfjs_binding \
    --module_path="$PKG/lib/napi-v$NAPI_BUILD_VERSION" --napi_build_version=$NAPI_BUILD_VERSION >build.log 2>&1
) || { tail -20 "$PKG/build.log" >&2; fail "node-gyp build failed (full log: $PKG/build.log)"; }

loads || {
  (cd "$ROOT" && node -e "require('@tensorflow/tfjs-node')") >&2 || true
  fail "the addon was built but @tensorflow/tfjs-node does not load"
}
echo "$want_stamp" >"$STAMP"
say "ready: @tensorflow/tfjs-node $TFJS_NODE_VERSION on libtensorflow $TF_VERSION"
