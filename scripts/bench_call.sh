#!/usr/bin/env bash
# Glass-to-glass latency and CPU of a call on loopback: a Release `agentcast send` of the
# 1280x720 30 fps test pattern and tone, and a headless `agentcast view --latency 0`.
# Latency is capture time to the moment a decoded frame is handed to the display/file.
# Usage: ./scripts/bench_call.sh [SECONDS]   (default 20)
#   SENDER_FLAGS adds flags to the sender's command line; SENDER_FLAGS="--origin-auth off"
#   measures the same call without origin authentication (docs/PROTOCOL.md §13).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
seconds=${1:-20}
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast >/dev/null
bin=$PWD/build/release/app/agentcast
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/time -f "%U %S %e" -o "$work/send.time" "$bin" send --listen 127.0.0.1:0 \
  --video test --size 1280x720 --fps 30 --audio tone --duration "$((seconds + 2))" \
  --identity "$work/identity.pem" --call-code-file "$work/code.txt" \
  --stats-json "$work/send.json" ${SENDER_FLAGS:-} >/dev/null 2>"$work/send.err" &
sender=$!
for _ in $(seq 100); do [ -s "$work/code.txt" ] && break; sleep 0.1; done
[ -s "$work/code.txt" ] || { cat "$work/send.err"; exit 1; }
/usr/bin/time -f "%U %S %e" -o "$work/view.time" "$bin" view "$(cat "$work/code.txt")" \
  --headless --latency 0 --audio-out none --duration "$((seconds + 30))" \
  --stats-json "$work/view.json" 2>"$work/view.err"
wait "$sender"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
view = json.load(open(f"{work}/view.json"))
send = json.load(open(f"{work}/send.json"))
def cpu(name):
    user, system, wall = map(float, open(f"{work}/{name}.time").read().split())
    return 100.0 * (user + system) / wall
lat = view["latency_ms"]
print(f"frames sent={send['video_frames_sent']} decoded={view['frames_decoded']} "
      f"dropped={view['frames_dropped']} time_to_first_frame_ms={view['time_to_first_frame_ms']:.1f}")
print(f"glass_to_glass_ms p50={lat['p50']:.1f} p95={lat['p95']:.1f} p99={lat['p99']:.1f} "
      f"(samples={lat['samples']})")
s, v = cpu("send"), cpu("view")
print(f"cpu_percent_of_one_core sender={s:.1f} viewer={v:.1f} together={s + v:.1f}")
PY
