# Sanitizers apply to the whole tree so that library code is instrumented too.
if(AGENTCAST_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(AGENTCAST_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "AGENTCAST_FUZZ needs clang (libFuzzer); configure with CXX=clang++")
endif()
