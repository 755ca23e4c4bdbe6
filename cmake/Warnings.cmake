# agentcast_warnings(target): the project's warning set, fatal when AGENTCAST_WERROR is on.
function(agentcast_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
  if(AGENTCAST_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
