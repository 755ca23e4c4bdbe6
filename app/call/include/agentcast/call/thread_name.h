#pragma once
// Every thread of a call has a name (`top -H`, gdb, perf and /proc show it), at most 15
// characters: docs/ARCHITECTURE.md lists them and what each owns.

namespace agentcast::app {

// Names the calling thread; a longer name is cut to 15 characters.
void name_this_thread(const char* name) noexcept;

}  // namespace agentcast::app
