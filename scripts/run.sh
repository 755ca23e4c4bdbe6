#!/usr/bin/env bash
# Builds AgentCast (Release) and runs its main job. For now that is the crypto demo: two
# agents' sending and receiving sections talking through a lossy, reordering channel.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast
exec ./build/release/app/agentcast demo "$@"
