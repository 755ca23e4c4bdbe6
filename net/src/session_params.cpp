#include "agentcast/net/session_params.h"

namespace agentcast::net {

SessionParams SessionParams::generate(bool insecure_reference_units) {
  SessionParams params;
  params.session_id = crypto::random_session_id();
  params.initial_seed = crypto::Secret::random(crypto::kSeedSize);
  params.units = crypto::UnitSet::standard(insecure_reference_units);
  return params;
}

}  // namespace agentcast::net
