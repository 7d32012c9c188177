#!/usr/bin/env bash
# Packs everything `npm run gpu-check` needs on a Linux x64 machine with a GPU but no Node and no
# network into one archive (see ../shared/notes/gpu.md):
#   <out>/gpu-check.tar.xz  (default out: .gpu-pack/), one folder gpu-check/ holding
#     node            this machine's Node binary
#     app/            package.json, tsconfig.json, src/, scripts/gpu-check.ts, data/manifest.tsv and a
#                     pruned node_modules: tsx + esbuild (TypeScript runs as in development, no build
#                     step), the main file of each tfjs package (+ the wasm binaries), their small
#                     dependencies, webgpu with only dist/linux-x64, tfjs-backend-webgpu's main file
#     mirror/         the data files the check reads, byte-identical, verified on use by the data layer
#     meta/           SmolLM2-135M's GGUF metadata alone (tokenizer, architecture; ~2 MB, no weights) for
#                     `--model smollm2-135m`, which runs that architecture with seeded random weights
#     debs/           the Debian Vulkan loader and glvnd packages (amd64, `apt-get download`)
#     run.sh          unpacks the .debs, points Vulkan at the driver, runs the check into $OUT
# Usage: scripts/pack-gpu-check.sh [OUT_DIR]
# Needs: the project's node_modules (npm ci), npm registry access (or npm's cache) for the two WebGPU
# packages, apt access for the .debs, xz.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$(mkdir -p "${1:-.gpu-pack}" && cd "${1:-.gpu-pack}" && pwd)
WEBGPU=webgpu@0.6.2
TFJS_WEBGPU=@tensorflow/tfjs-backend-webgpu@4.22.0
DEBS=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libgles2 libopengl0)
LIMIT_MB=60

[ "$(uname -m)" = x86_64 ] || { echo "pack-gpu-check: the packed node binary must be x86-64; this machine is $(uname -m)" >&2; exit 1; }
[ -d node_modules/@tensorflow/tfjs ] || { echo "pack-gpu-check: node_modules is missing; run npm ci first" >&2; exit 1; }

stage=$out/stage
pkg=$stage/gpu-check
rm -rf "$stage" && mkdir -p "$pkg/app/node_modules" "$pkg/mirror" "$pkg/meta" "$pkg/debs" "$stage/npm"
nm=$pkg/app/node_modules
log() { echo "[pack] $*" >&2; }

log "node $(node --version) and the project's sources"
cp "$(node -p 'process.execPath')" "$pkg/node"
cp package.json tsconfig.json "$pkg/app/"
cp -r src "$pkg/app/src"
mkdir -p "$pkg/app/scripts" "$pkg/app/data"
cp scripts/gpu-check.ts "$pkg/app/scripts/"
cp data/manifest.tsv "$pkg/app/data/"

log "data files (verified through the data layer)"
node --import tsx scripts/gpu-check.ts --list-data | while IFS=$'\t' read -r rel file; do
  mkdir -p "$pkg/mirror/$(dirname "$rel")"
  cp "$file" "$pkg/mirror/$rel"
done

# A whole package, as installed.
whole() { mkdir -p "$nm/$(dirname "$1")"; cp -r "node_modules/$1" "$nm/$1"; }
# package.json + the file `main` names (+ extra files), for packages that ship many builds.
main_only() {
  local p=$1; shift
  local main; main=$(node -p "require('./node_modules/$p/package.json').main")
  mkdir -p "$nm/$p/$(dirname "$main")"
  cp "node_modules/$p/package.json" "$nm/$p/"
  cp "node_modules/$p/$main" "$nm/$p/$main"
  for f in "$@"; do cp "node_modules/$p/$f" "$nm/$p/$f"; done
}

log "SmolLM2-135M metadata (from the verified GGUF; its sha256 goes with it)"
node --import tsx scripts/gpu-check.ts --write-meta "$pkg/meta"

log "node_modules: tsx + esbuild, tfjs, small dependencies"
whole @huggingface/tokenizers # SmolLM2's tokenizer (--model smollm2-135m)
whole tsx
mkdir -p "$nm/esbuild" && cp -r node_modules/esbuild/{package.json,lib} "$nm/esbuild/" # its bin/ copies the binary below
whole @esbuild/linux-x64
for p in tfjs tfjs-core tfjs-backend-cpu tfjs-backend-webgl tfjs-layers tfjs-converter tfjs-data; do main_only "@tensorflow/$p"; done
main_only @tensorflow/tfjs-backend-wasm dist/tfjs-backend-wasm.wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm
for p in long seedrandom node-fetch whatwg-url tr46 webidl-conversions string_decoder safe-buffer; do
  [ -d "node_modules/$p" ] && whole "$p"
done

log "WebGPU packages ($WEBGPU, $TFJS_WEBGPU) from the npm registry"
(cd "$stage/npm" && npm pack --silent "$WEBGPU" "$TFJS_WEBGPU" >/dev/null)
mkdir -p "$nm/webgpu" "$nm/@tensorflow/tfjs-backend-webgpu"
tar -xzf "$stage"/npm/webgpu-*.tgz -C "$nm/webgpu" --strip-components=1 package/package.json package/index.js package/dist/linux-x64
tar -xzf "$stage"/npm/tensorflow-tfjs-backend-webgpu-*.tgz -C "$nm/@tensorflow/tfjs-backend-webgpu" --strip-components=1 \
  package/package.json package/dist/tf-backend-webgpu.node.js

log "Debian packages: ${DEBS[*]}"
(cd "$pkg/debs" && apt-get -o APT::Sandbox::User=root download "${DEBS[@]}" >/dev/null) || {
  echo "pack-gpu-check: apt-get download failed (run apt-get update first?)" >&2; exit 1; }

cat >"$pkg/run.sh" <<'EOF'
#!/usr/bin/env bash
# The GPU check on a machine without Node or network:
#   tar -xJf gpu-check.tar.xz && gpu-check/run.sh [gpu-check options, e.g. --quick, --backend wasm
#   or --model smollm2-135m]
# Writes gpu-check.json and run.log to $OUT (default ./gpu-check-out).
# GPU_CHECK_LIBS: auto (default) | system (dpkg -x the carried .debs into /, as the device README
# does) | private (into this folder, found through LD_LIBRARY_PATH) | none.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpu-check-out}
mkdir -p "$out"
libs=${GPU_CHECK_LIBS:-auto}
if [ "$libs" = auto ]; then
  if ldconfig -p | grep -q 'libvulkan\.so\.1' && ldconfig -p | grep -q 'libGLX\.so\.0'; then libs=none
  elif [ "$(id -u)" = 0 ]; then libs=system
  else libs=private; fi
fi
case $libs in
  system) for f in "$here"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig ;;
  private)
    rm -rf "$here/sysroot"; for f in "$here"/debs/*.deb; do dpkg -x "$f" "$here/sysroot"; done
    export LD_LIBRARY_PATH="$here/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
  none) ;;
  *) echo "run.sh: GPU_CHECK_LIBS must be auto, system, private or none, got '$libs'" >&2; exit 2 ;;
esac
# The NVIDIA driver's Vulkan ICD and EGL vendor files where the lent machines keep them.
nv=/usr/local/nvidia/share
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$nv/vulkan/icd.d/nvidia_icd.json" ]; then
  export VK_DRIVER_FILES=$nv/vulkan/icd.d/nvidia_icd.json
fi
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nv/glvnd/egl_vendor.d/10_nvidia.json" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nv/glvnd/egl_vendor.d/10_nvidia.json
fi
{
  echo "[run.sh] $(uname -srm); libs: $libs; VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
  command -v nvidia-smi >/dev/null && nvidia-smi -L || true
} 2>&1 | tee "$out/run.log" >&2
cache=$(mktemp -d)
export PA_DATA_MIRROR=$here/mirror PA_CACHE_DIR=$cache
cd "$here/app"
set +e -o pipefail
"$here/node" --import tsx scripts/gpu-check.ts --out "$out" --meta "$here/meta" "$@" 2>&1 | tee -a "$out/run.log"
code=${PIPESTATUS[0]}
rm -rf "$cache"
exit "$code"
EOF
chmod +x "$pkg/run.sh"

log "compressing"
rm -f "$out/gpu-check.tar.xz"
tar -C "$stage" -cf - gpu-check | xz -T0 -6 >"$out/gpu-check.tar.xz"
bytes=$(stat -c %s "$out/gpu-check.tar.xz")
rm -rf "$stage"
log "$out/gpu-check.tar.xz: $((bytes / 1048576)) MB ($bytes bytes)"
if [ "$bytes" -ge $((LIMIT_MB * 1048576)) ]; then
  echo "pack-gpu-check: the archive is over $LIMIT_MB MB" >&2
  exit 1
fi
