#!/usr/bin/env bash
# Builds AgentCast with warnings as errors and runs every test under ctest; then, when
# clang is available, rebuilds with AddressSanitizer + UBSan and runs the suites and the
# fuzz corpus replay there too.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

jobs=$(nproc)
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTCAST_WERROR=ON
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs" --timeout 900

if command -v clang++ >/dev/null 2>&1; then
  CC=clang CXX=clang++ cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAGENTCAST_WERROR=ON -DAGENTCAST_SANITIZE=ON -DAGENTCAST_FUZZ=ON \
    -DAGENTCAST_BUILD_BENCHMARKS=OFF
  cmake --build build/asan -j "$jobs"
  ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 900
else
  echo "test: clang++ not found; skipping the sanitizer and fuzz build"
fi
