#include "agentcast/call/thread_name.h"

#include <pthread.h>

#include <cstring>

namespace agentcast::app {

void name_this_thread(const char* name) noexcept {
  char shortened[16] = {};
  std::strncpy(shortened, name, sizeof shortened - 1);
  pthread_setname_np(pthread_self(), shortened);
}

}  // namespace agentcast::app
