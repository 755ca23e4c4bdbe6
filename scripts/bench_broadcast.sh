#!/usr/bin/env bash
# What a broadcast costs the sender: a Release `agentcast send --agent receive-only` of the
# 1280x720 30 fps test pattern and a tone to 1, then 8, then 32 headless viewers on
# loopback, each a real `agentcast view` with an agent cache of its own. Each packet is
# sealed once and the same bytes go to every viewer, so the sender's CPU should grow little
# with the audience: the target is 32 viewers costing less than twice one viewer.
#
# The sender's CPU is utime+stime from /proc/PID/stat over a steady window (default 10 s)
# that starts a few seconds after the last viewer joined, as % of one core. Frames are
# counted over the same window from the statistics files, which the processes refresh once
# a second (so each figure is within a second of the window's edges): frames_sent is the
# sender's, min_viewer_frames_decoded the least any viewer decoded. The viewers run under
# `nice` so that on a small machine the sender is not starved by its own audience; with
# many viewers on few cores they fall behind, which min_viewer_frames_decoded shows.
#
# Then the agent bundles' sizes and the time to first frame of a viewer with an empty agent
# cache (the bundle is sent, verified, stored and loaded) and of one with the same cache
# (only verified again and loaded).
#
# Usage: ./scripts/bench_broadcast.sh [WINDOW_SECONDS]   (default 10)
#   VIEWER_COUNTS="1 8 32" and SIZE=1280x720 change the audiences and the picture size (a
#   smaller picture lets a small machine decode for 32 viewers in real time).
#   SENDER_FLAGS adds flags to the sender's command line; SENDER_FLAGS="--origin-auth off"
#   measures the same broadcast without origin authentication (docs/PROTOCOL.md §13).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
window=${1:-10}
counts=${VIEWER_COUNTS:-"1 8 32"}
size=${SIZE:-1280x720}
settle=3         # seconds after the last viewer joined, before the window opens
join_limit=120   # seconds for every viewer to join
stop_limit=30    # seconds for a process to finish after it was told to
wave=6           # viewers that knock at once
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTCAST_BUILD_TESTS=OFF \
  -DAGENTCAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/release --target agentcast >/dev/null
bin=$PWD/build/release/app/agentcast
work=$(mktemp -d)
ticks_per_second=$(getconf CLK_TCK)

# Every process started here (this shell's running jobs, by their ids) ends on any exit.
cleanup() {
  local running=()
  mapfile -t running < <(jobs -pr)
  if [ ${#running[@]} -gt 0 ]; then
    kill -TERM "${running[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(jobs -pr)" ] && break
      sleep 0.1
    done
    mapfile -t running < <(jobs -pr)
    [ ${#running[@]} -eq 0 ] || kill -KILL "${running[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; fails after
# SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
# A sleep that a signal interrupts at once (a trap waits for a foreground command).
pause() {
  sleep "$1" &
  wait $!
}
has_code() { [ -s "$1/code.txt" ]; }
joined() { [ "$(grep -c ' joined: ' "$1/send.err" || true)" -ge "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
fail() {
  echo "bench_broadcast: $*" >&2
  exit 1
}

# start_sender DIR: a broadcast sender whose pid ends up in $sender.
start_sender() {
  local dir=$1
  mkdir -p "$dir"
  "$bin" send --listen 127.0.0.1:0 --video test --size "$size" --fps 30 --audio tone \
    --agent receive-only --max-viewers 40 --duration 3600 --identity "$work/identity.pem" \
    --call-code-file "$dir/code.txt" --stats-json "$dir/send.json" \
    --agent-cache "$dir/sender-agents" ${SENDER_FLAGS:-} >/dev/null 2>"$dir/send.err" &
  sender=$!
  wait_until 30 has_code "$dir" || fail "the sender printed no call code: $(cat "$dir/send.err")"
}

# stop_all SENDER_PID [VIEWER_PID...]: SIGTERM to the sender; each viewer ends on its bye.
stop_all() {
  local pid
  kill -TERM "$1" 2>/dev/null || true
  for pid in "$@"; do
    wait_until "$stop_limit" gone "$pid" || { echo "pid $pid did not finish: killed" >&2
                                              kill -KILL "$pid" 2>/dev/null || true; }
  done
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $size at 30 fps;" \
  "sender flags: ${SENDER_FLAGS:-none}"
for n in $counts; do
  dir=$work/n$n
  start_sender "$dir"
  code=$(cat "$dir/code.txt")
  viewers=()
  join_start=$(date +%s.%N)
  for i in $(seq "$n"); do
    # They all knock at once, and the sender admits one at a time (TLS handshake, agent
    # transfer, agent ready): on a loaded machine the last wait longer than the default
    # ten seconds of --connect-timeout.
    nice -n 10 "$bin" view "$code" --headless --audio-out none --agent receive-only \
      --agent-cache "$dir/cache-$i" --stats-json "$dir/view-$i.json" --duration 3600 \
      --connect-timeout 90 \
      >/dev/null 2>"$dir/view-$i.err" &
    viewers+=($!)
    # In waves: the sender keeps at most 8 unfinished connections from one address (the
    # oldest is dropped beyond that, docs/PROTOCOL.md §11), and all of these come from
    # 127.0.0.1.
    if [ $((i % wave)) -eq 0 ] && [ "$i" -lt "$n" ]; then
      wait_until "$join_limit" joined "$dir" "$i" || true
    fi
  done
  if ! wait_until "$join_limit" joined "$dir" "$n"; then
    grep -h -e '^refused' "$dir/send.err" >&2 || true
    for i in $(seq "$n"); do
      if gone "${viewers[$((i - 1))]}"; then
        echo "viewer $i ended: $(tail -1 "$dir/view-$i.err")" >&2
      fi
    done
    fail "only $(grep -c ' joined: ' "$dir/send.err" || true) of $n viewers joined"
  fi
  join_end=$(date +%s.%N)
  pause "$settle"
  mkdir -p "$dir/start" "$dir/end"
  cp "$dir"/*.json "$dir/start/"
  t0=$(date +%s.%N)
  c0=$(cpu_ticks "$sender")
  pause "$window"
  c1=$(cpu_ticks "$sender")
  t1=$(date +%s.%N)
  cp "$dir"/*.json "$dir/end/"
  stop_all "$sender" "${viewers[@]}"
  python3 - "$dir" "$n" "$c0" "$c1" "$t0" "$t1" "$ticks_per_second" "$join_start" "$join_end" <<'PY'
import json, os, sys
d, n, c0, c1, t0, t1, hz, j0, j1 = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
def load(tag, name):
    return json.load(open(os.path.join(d, tag, name)))
cpu = 100.0 * (c1 - c0) / hz / (t1 - t0)
s0, s1 = load("start", "send.json"), load("end", "send.json")
sent = s1["video_frames_sent"] - s0["video_frames_sent"]
decoded = [load("end", f"view-{i}.json")["frames_decoded"] -
           load("start", f"view-{i}.json")["frames_decoded"] for i in range(1, n + 1)]
final = json.load(open(os.path.join(d, "send.json")))
per_frame = 10.0 * cpu * (t1 - t0) / sent if sent else float("nan")
print(f"viewers={n} sender_cpu_percent={cpu:.1f} window_s={t1 - t0:.1f} frames_sent={sent} "
      f"min_viewer_frames_decoded={min(decoded)} sender_cpu_ms_per_frame={per_frame:.2f} "
      f"keyframe_requests={s1['keyframe_requests'] - s0['keyframe_requests']} "
      f"capture_frames_dropped={s1['frames_dropped_buffer'] - s0['frames_dropped_buffer']} "
      f"send_errors={final['send_errors']} viewers_listed={len(final['viewers'])} "
      f"all_joined_after_s={j1 - j0:.1f}")
with open(os.path.join(os.path.dirname(d), "cpu.txt"), "a") as f:
    f.write(f"{n} {cpu} {per_frame} {sent} {min(decoded)}\n")
PY
  cp "$dir/send.json" "$work/last-send.json"
done

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
runs = {f[0]: list(map(float, f[1:])) for f in (line.split() for line in open(f"{work}/cpu.txt"))}
if "1" in runs and "32" in runs:
    ratio = runs["32"][0] / runs["1"][0]
    verdict = "within" if ratio < 2 else "OVER"
    print(f"ratio_32_to_1={ratio:.2f} ({verdict} the target of 2) "
          f"per_frame_ratio_32_to_1={runs['32'][1] / runs['1'][1]:.2f}")
for n, (cpu, per_frame, sent, least) in runs.items():
    if least < 0.9 * sent:
        print(f"WARNING: with {n} viewers some decoded {least:.0f} of {sent:.0f} frames: this "
              "machine cannot run them all in real time, so the sender's figures there are "
              "not a steady state")
agent = json.load(open(f"{work}/last-send.json"))["agent"]
print(f"bundle_bytes full={agent['bundle_bytes']} "
      f"receive_only={agent['receive_only_bundle_bytes']}")
PY

# Cold and warm agent cache: two viewers one after the other with the same cache.
dir=$work/ttff
start_sender "$dir"
code=$(cat "$dir/code.txt")
for run in cold warm; do
  "$bin" view "$code" --headless --audio-out none --agent receive-only \
    --agent-cache "$dir/cache" --stats-json "$dir/$run.json" --duration 3 \
    >/dev/null 2>"$dir/$run.err" &
  viewer=$!
  wait_until 60 gone "$viewer" || fail "the $run viewer did not finish"
  wait "$viewer" || fail "the $run viewer failed: $(cat "$dir/$run.err")"
done
stop_all "$sender"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
for run in ("cold", "warm"):
    v = json.load(open(f"{d}/{run}.json"))
    a = v["agent"]
    print(f"{run}_cache time_to_first_frame_ms={v['time_to_first_frame_ms']:.1f} "
          f"agent_ready_ms={a['ready_ms']:.1f} from_cache={str(a['from_cache']).lower()} "
          f"frames_decoded={v['frames_decoded']}")
PY
