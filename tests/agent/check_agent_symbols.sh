#!/usr/bin/env bash
# The apps hold no media cipher code: every unit implementation, selection control and
# sending/receiving section lives only in the agent plugins, so each media byte is sealed
# and opened inside a loaded, verified agent. And the plugins carry no Qt.
# Usage: check_agent_symbols.sh AGENT_DIR APP_BINARY...
set -euo pipefail
agent_dir=$1
shift

fail() { echo "FAIL: $*" >&2; exit 1; }

# What only an agent may define (C++ names, demangled).
cipher_code='(EvpAeadUnit|CamelliaEtmUnit|ReferenceUnit<)|agentcast::(crypto::(EpochKeys|SelectionSchedule|SelectionDrbg|make_unit|detail::)|net::(SendingSection|ReceivingSection)|agent::(MediaAgent|CryptoSession))'
# The AEAD and keystream primitives a unit asks OpenSSL for.
cipher_imports='^(EVP_aes_256_gcm|EVP_chacha20_poly1305|EVP_aes_256_ocb|EVP_camellia_256_ctr|EVP_EncryptUpdate|EVP_DecryptUpdate|EVP_CipherUpdate)$'

for app in "$@"; do
  [[ -x $app ]] || fail "$app is not built"
  if found=$(nm -C --defined-only "$app" | grep -E "$cipher_code" || true) && [[ -n $found ]]; then
    fail "$(basename "$app") contains cipher code of its own:"$'\n'"$found"
  fi
  if found=$(nm -D --undefined-only "$app" | awk '{print $NF}' | sed 's/@.*//' |
             grep -E "$cipher_imports" || true) && [[ -n $found ]]; then
    fail "$(basename "$app") imports cipher primitives: $found"
  fi
  echo "ok: $(basename "$app") has no cipher units, sections or selection control"
done

full=$agent_dir/agentcast-agent-full.so
receive_only=$agent_dir/agentcast-agent-receive-only.so
for plugin in "$full" "$receive_only"; do
  [[ -f $plugin ]] || fail "$plugin is not built"
  exported=$(nm -D --defined-only "$plugin" | awk '{print $NF}')
  [[ $exported == agentcast_agent_entry ]] || fail "$(basename "$plugin") exports more than its entry point: $exported"
  needed=$(readelf -d "$plugin" | grep NEEDED)
  grep -q 'libcrypto.so' <<<"$needed" || fail "$(basename "$plugin") does not link libcrypto"
  if grep -Eq 'libQt|libssl' <<<"$needed"; then fail "$(basename "$plugin") links Qt or libssl"; fi
  symbols=$(nm -C "$plugin")  # whole, so that grep -q cannot cut nm short under pipefail
  grep -q 'agentcast::net::ReceivingSection::open' <<<"$symbols" ||
    fail "$(basename "$plugin") has no receiving section"
  grep -q 'EvpAeadUnit' <<<"$symbols" || fail "$(basename "$plugin") has no AEAD unit"
done
grep -q 'agentcast::net::SendingSection::seal' <<<"$(nm -C "$full")" ||
  fail "the full agent has no sending section"
if grep -q 'agentcast::net::SendingSection' <<<"$(nm -C "$receive_only")"; then
  fail "the receive-only agent has a sending section compiled in"
fi
echo "ok: both agents export only agentcast_agent_entry, link libcrypto and no Qt; only the full one can send"
