#!/usr/bin/env bash
# Builds the benchmarks (Release) and measures the packet path against raw OpenSSL EVP.
# Ends with one line per unit: unit=NAME packet_path_MBps=X raw_MBps=Y ratio=Z
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/release --target packet_path_bench
exec ./build/release/tests/bench/packet_path_bench "$@"
