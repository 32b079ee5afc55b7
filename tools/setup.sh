#!/usr/bin/env bash
# Idempotent setup for aegl-gpu on Debian 12 (run as root): a WebGPU-capable Vulkan driver,
# Fashion-MNIST and Chromium (for the demo page's browser test) from Debian, then a check that
# Dawn finds an adapter. --with-torch also installs Debian's python3-torch, the bench's optional
# PyTorch CPU peer (never needed to train).
set -euo pipefail
with_torch=
for arg in "$@"; do
  case "$arg" in
    --with-torch) with_torch=1 ;;
    *) echo "aegl-gpu setup: unknown option $arg (known: --with-torch)"; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
  echo "aegl-gpu setup: not a Debian system. Install yourself: Node.js >= 20, a Vulkan loader and a"
  echo "WebGPU-capable driver (a GPU driver, or Mesa >= 24 lavapipe), and the Fashion-MNIST IDX files."
  exit 1
fi
[ "$(id -u)" = 0 ] || { echo "aegl-gpu setup: run as root (it installs Debian packages)"; exit 1; }

apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
has_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# A real GPU's Vulkan driver (NVIDIA, AMD, Intel) already registers an ICD: then install no Mesa.
gpu_icd=$(ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | grep -v -E 'lvp|^$' || true)
has_pkg libvulkan1 || apt_install libvulkan1

mesa_major=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | cut -d. -f1 || true)
if [ -z "$gpu_icd" ] && { [ -z "$mesa_major" ] || [ "$mesa_major" -lt 24 ]; }; then
  # Dawn refuses bookworm's Mesa 22 lavapipe; bookworm-backports (Debian's own archive) has Mesa 24+.
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  list=/etc/apt/sources.list.d/aegl-backports.list
  if [ -n "$codename" ] && ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian ${codename}-backports main" > "$list"
    apt_updated=
  fi
  # Also Mesa's EGL/GLES, for Dawn's OpenGL ES adapter (`--adapter opengles`; CI tests its kernels).
  apt_install -t "${codename}-backports" mesa-vulkan-drivers libegl-mesa0 libgl1-mesa-dri libegl1 libgles2
fi

has_pkg dataset-fashion-mnist || apt_install dataset-fashion-mnist
# Debian's Chromium: the demo page's browser test drives it headless (WebGPU on SwiftShader).
has_pkg chromium || apt_install chromium
if [ -n "$with_torch" ]; then has_pkg python3-torch || apt_install python3-torch; fi

[ -d node_modules/webgpu ] || npm ci --no-audit --no-fund
[ -f dist/cli.js ] || npm run build --silent
node bin/aegl-gpu.js info --brief
