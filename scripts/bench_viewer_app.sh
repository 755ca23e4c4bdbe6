#!/usr/bin/env bash
# What showing the picture costs: CPU of `agentcast-viewer` in an 800x600 window on a
# virtual X display (Xvfb) against the headless `agentcast view`, each watching a Release
# `agentcast send` of the 1280x720 30 fps test pattern and tone for SECONDS, twice each.
# Usage: ./scripts/bench_viewer_app.sh [SECONDS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
seconds=${1:-10}
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast agentcast-viewer >/dev/null
bin=$PWD/build/release/app
work=$(mktemp -d)
export XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
Xvfb -displayfd 3 -screen 0 1600x900x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
export DISPLAY=:$(cat "$work/display")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() {
  local kind=$1
  rm -f "$work/code"
  "$bin/agentcast" send --listen 127.0.0.1:0 --video test --audio tone --size 1280x720 --fps 30 \
    --duration "$((seconds + 6))" --identity "$work/identity.pem" --call-code-file "$work/code" \
    >/dev/null 2>&1 &
  local sender=$!
  for _ in $(seq 100); do [ -s "$work/code" ] && break; sleep 0.05; done
  if [ "$kind" = app ]; then
    QT_QPA_PLATFORM=xcb "$bin/agentcast-viewer" "$(cat "$work/code")" --audio-out none \
      --duration "$((seconds + 4))" --stats-json "$work/view.json" -geometry 800x600+0+0 \
      2>/dev/null &
  else
    "$bin/agentcast" view "$(cat "$work/code")" --headless --audio-out none \
      --duration "$((seconds + 4))" --stats-json "$work/view.json" 2>/dev/null &
  fi
  local viewer=$!
  sleep 3  # connected and playing: measure the steady state only
  local before after start end
  before=$(ticks "$viewer"); start=$(date +%s.%N)
  sleep "$seconds"
  after=$(ticks "$viewer"); end=$(date +%s.%N)
  wait "$viewer" || true
  wait "$sender" || true
  python3 - "$kind" "$before" "$after" "$start" "$end" "$(getconf CLK_TCK)" "$work/view.json" <<'PY'
import json, sys
kind, before, after, start, end, hz, path = sys.argv[1:]
cpu = 100 * (float(after) - float(before)) / float(hz) / (float(end) - float(start))
stats = json.load(open(path))
painted = stats.get("ui", {}).get("frames_painted", "-")
print(f"viewer={kind} cpu_percent={cpu:.1f} frames_decoded={stats['frames_decoded']} "
      f"frames_painted={painted} latency_p50_ms={stats['latency_ms']['p50']:.1f}")
PY
}
for kind in headless app headless app; do measure "$kind"; done
