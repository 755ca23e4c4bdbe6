#!/usr/bin/env bash
# Builds AgentCast (Release) and runs its main job: an encrypted call on loopback. The
# sender sends the camera if there is one (else the test pattern) and a tone; a headless
# viewer joins with the call code, and after DURATION seconds (default 10) says where the
# recording, the snapshot and the received audio went.
#
#   ./scripts/run.sh [DURATION]        the call
#   ./scripts/run.sh demo [OPTIONS]    the crypto demo: two agents through a lossy channel
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast
bin=$PWD/build/release/app/agentcast

if [ "${1:-}" = "demo" ]; then
  shift
  exec "$bin" demo "$@"
fi

seconds=${1:-10}
out=$PWD/agentcast-output
mkdir -p "$out"
rm -f "$out/call-code.txt"  # a code left by an earlier run names a port nobody listens on
video=test
[ -e /dev/video0 ] && video=camera:0

"$bin" send --listen 127.0.0.1:0 --video "$video" --audio tone --duration "$seconds" \
  --call-code-file "$out/call-code.txt" --stats-json "$out/sender-stats.json" \
  2>"$out/sender.log" &
sender=$!
trap 'kill $sender 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/call-code.txt" ] && break; sleep 0.1; done
if [ ! -s "$out/call-code.txt" ]; then
  echo "the sender did not start:" >&2
  cat "$out/sender.log" >&2
  exit 1
fi
"$bin" view "$(cat "$out/call-code.txt")" --headless --record "$out/recording.mkv" \
  --snapshot "$out/snapshot.png" --audio-out "wav:$out/audio.wav" \
  --stats-json "$out/viewer-stats.json" --duration "$((seconds + 20))"
wait "$sender" || true
trap - EXIT
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
v = json.load(open(f"{out}/viewer-stats.json"))
print(f"received {v['frames_decoded']} video frames and {v['audio_frames_played']} audio frames; "
      f"{v['decrypt_failures']} decrypt failures; latency p50 {v['latency_ms']['p50']:.1f} ms")
print(f"recording: {out}/recording.mkv\nsnapshot:  {out}/snapshot.png\naudio:     {out}/audio.wav")
print(f"statistics: {out}/viewer-stats.json, {out}/sender-stats.json")
PY
