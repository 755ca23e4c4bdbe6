#!/usr/bin/env bash
# Builds AgentCast (Release) and runs its main job: an encrypted call on loopback. The
# sender sends the camera and microphone when there are some, else the test pattern and a
# tone. With a display, the apps open: agentcast-sender, already sending, and
# agentcast-viewer, already connected with the call code; closing the viewer ends the call.
# Without one (or with --headless), the same call runs through the command line tool and
# after DURATION seconds (default 10) it says where the recording, the snapshot and the
# received audio went.
#
#   ./scripts/run.sh [--headless] [DURATION]   the call
#   ./scripts/run.sh demo [OPTIONS]            the crypto demo: two agents through a lossy channel
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast agentcast-sender agentcast-viewer
bin=$PWD/build/release/app/agentcast

if [ "${1:-}" = "demo" ]; then
  shift
  exec "$bin" demo "$@"
fi

headless=""
if [ "${1:-}" = "--headless" ]; then
  headless=1
  shift
fi
seconds=${1:-10}
out=$PWD/agentcast-output
mkdir -p "$out"
rm -f "$out/call-code.txt"  # a code left by an earlier run names a port nobody listens on
video=test
[ -e /dev/video0 ] && video=camera:0
audio=tone
compgen -G "/dev/snd/pcmC*D*c" >/dev/null && audio=mic  # an ALSA capture device

wait_for_call_code() {
  for _ in $(seq 100); do [ -s "$out/call-code.txt" ] && return 0; sleep 0.1; done
  echo "the sender did not start:" >&2
  cat "$out/sender.log" >&2
  exit 1
}

if [ -z "$headless" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  app_dir=$PWD/build/release/app
  "$app_dir/agentcast-sender" --start --listen 127.0.0.1:0 --video "$video" --audio "$audio" \
    --call-code-file "$out/call-code.txt" --stats-json "$out/sender-stats.json" \
    2>"$out/sender.log" &
  sender=$!
  trap 'kill $sender 2>/dev/null || true' EXIT
  wait_for_call_code
  echo "close the viewer window to end the call"
  "$app_dir/agentcast-viewer" "$(cat "$out/call-code.txt")" --stats-json "$out/viewer-stats.json" \
    2>"$out/viewer.log" || true
  kill "$sender" 2>/dev/null || true
  wait "$sender" 2>/dev/null || true
  trap - EXIT
  echo "statistics: $out/viewer-stats.json, $out/sender-stats.json"
  exit 0
fi
[ -z "$headless" ] && echo "no display: running the same call headless"

"$bin" send --listen 127.0.0.1:0 --video "$video" --audio "$audio" --duration "$seconds" \
  --call-code-file "$out/call-code.txt" --stats-json "$out/sender-stats.json" \
  2>"$out/sender.log" &
sender=$!
trap 'kill $sender 2>/dev/null || true' EXIT
wait_for_call_code
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
