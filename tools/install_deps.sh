#!/usr/bin/env bash
# Installs the Debian packages caffe2_mask needs to build, test and benchmark, if any is missing.
# Runs apt-get as root (directly, or through sudo when not root). Safe to run again: it does nothing
# when everything is there.
set -euo pipefail

packages=(
  cmake make g++ pkg-config
  libprotobuf-dev protobuf-compiler
  libgoogle-glog-dev libgflags-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev libomp-dev  # libFuzzer, the sanitizer runtimes and OpenMP for clang (tools/sanitize_and_fuzz.sh)
  libsimde-dev              # runs the AVX-512 kernel path in emulation in the tests, on any CPU
)

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
