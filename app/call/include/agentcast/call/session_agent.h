#pragma once
// The agent the media pipelines and the seed distribution seal and open with: a session of
// a loaded, verified agent plugin (the app holds no cipher code of its own).

#include "agentcast/agent/agent_session.h"

namespace agentcast::app {

using SessionAgent = agent::AgentSession;

}  // namespace agentcast::app
