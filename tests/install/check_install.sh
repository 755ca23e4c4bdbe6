#!/usr/bin/env bash
# `cmake --install` into a fresh prefix, then use what was installed as a user would: the
# apps find their agents under PREFIX/lib/agentcast/agents with no --agent-dir, and the
# desktop files and icons are where a desktop looks for them.
#
#   check_install.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

fail() { echo "check_install: $*" >&2; exit 1; }
for f in bin/agentcast bin/agentcast-sender bin/agentcast-viewer \
         lib/agentcast/agents/agentcast-agent-full.so \
         lib/agentcast/agents/agentcast-agent-receive-only.so \
         share/applications/agentcast-sender.desktop share/applications/agentcast-viewer.desktop \
         share/icons/hicolor/256x256/apps/agentcast-sender.png \
         share/icons/hicolor/256x256/apps/agentcast-viewer.png \
         share/icons/hicolor/scalable/apps/agentcast-viewer.svg; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not put $f in place"
done
if command -v desktop-file-validate >/dev/null; then
  for d in "$prefix"/share/applications/*.desktop; do
    desktop-file-validate --no-hints "$d" || fail "$d is not a valid desktop file"
  done
fi

# A call between the installed sender app (offscreen) and the installed command line viewer.
export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
export XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
"$prefix/bin/agentcast-sender" --start --video test --audio tone --size 320x180 --fps 15 \
  --duration 6 --call-code-file "$work/code" --stats-json "$work/sender.json" \
  >"$work/sender.out" 2>"$work/sender.err" &
sender=$!
for _ in $(seq 200); do [ -s "$work/code" ] && break; sleep 0.05; done
[ -s "$work/code" ] || { cat "$work/sender.err" >&2; fail "the installed sender app did not start"; }
"$prefix/bin/agentcast" view "$(cat "$work/code")" --headless --audio-out none --duration 3 \
  --stats-json "$work/viewer.json" 2>"$work/viewer.err" ||
  { cat "$work/viewer.err" >&2; fail "the installed viewer could not watch the installed sender"; }
wait "$sender" || { cat "$work/sender.err" >&2; fail "the installed sender app failed"; }
python3 - "$work/viewer.json" <<'PY' || fail "the viewer decoded nothing"
import json, sys
stats = json.load(open(sys.argv[1]))
print(f"installed call: {stats['frames_decoded']} frames decoded, agent {stats['agent']['kind']}")
sys.exit(0 if stats["frames_decoded"] > 0 and stats["decrypt_failures"] == 0 else 1)
PY
echo "check_install: the apps, agents, desktop files and icons are in place and work"
