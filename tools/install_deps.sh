#!/usr/bin/env bash
# Installs the Debian packages caffe2_mask needs to build, test and benchmark, if any is missing.
# Runs apt-get as root (directly, or through sudo when not root). Safe to run again: it does nothing
# when everything is there.
#
#   tools/install_deps.sh           what the build, the tests and the benchmarks need
#   tools/install_deps.sh --peers   also NumPy and PyTorch, the peers tools/benchmarks/compare_peers
#                                   times side by side (python3-torch is large, so it is opt-in)
#   tools/install_deps.sh --distributed
#                                   also Dask's distributed scheduler, for examples/distributed/ (it
#                                   pulls in many packages, so it is opt-in; its test skips without it)
# The flags may be combined.
set -euo pipefail

packages=(
  cmake make g++ pkg-config
  libprotobuf-dev protobuf-compiler
  libgoogle-glog-dev libgflags-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev libomp-dev  # libFuzzer, the sanitizer runtimes and OpenMP for clang (tools/sanitize_and_fuzz.sh)
  libsimde-dev              # runs the AVX-512 kernel path in emulation in the tests, on any CPU
  time                      # /usr/bin/time -v: peak resident memory in tools/benchmarks/peak_rss.sh
  libeigen3-dev             # EigenVectorMap and friends in the Caffe2 compatibility layer (caffe2/utils/eigen_utils.h)
  # The Python front end (python/) and its tests, for Debian's /usr/bin/python3.
  python3-dev pybind11-dev python3-numpy python3-protobuf python3-pytest python3-hypothesis
)
for flag in "$@"; do
  case "$flag" in
    --peers) packages+=(python3-numpy python3-torch) ;;
    --distributed) packages+=(python3-distributed) ;;
    *) echo "usage: tools/install_deps.sh [--peers] [--distributed]" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
