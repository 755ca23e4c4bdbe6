# Runs a libFuzzer binary for a bounded time over a fresh copy of its corpora (cmake -P),
# for the fuzz_*_short tests of tests/fuzz/CMakeLists.txt:
#
#   cmake -DFUZZER=BINARY -DWORK_DIR=DIR -DCORPORA=DIR1|DIR2 [-DARGS=ARG1|ARG2] -P run_fuzzer.cmake
#
# Fails if a corpus directory is missing or empty, or if the fuzzer fails (a crash, an
# invariant violated, a leak, a timeout); crash inputs are left in WORK_DIR/artifacts/.
# The fuzzer adds what it finds to WORK_DIR/corpus, never to the corpora themselves.

foreach(var FUZZER WORK_DIR CORPORA)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" corpora "${CORPORA}")
string(REPLACE "|" ";" args "${ARGS}")

foreach(dir IN LISTS corpora)
  file(GLOB inputs "${dir}/*")
  if(NOT inputs)
    message(FATAL_ERROR "fuzz corpus directory ${dir} is missing or empty")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
foreach(dir IN LISTS corpora)
  file(COPY "${dir}/" DESTINATION "${WORK_DIR}/corpus")
endforeach()

execute_process(
  COMMAND "${FUZZER}" ${args} "-artifact_prefix=${WORK_DIR}/artifacts/" "${WORK_DIR}/corpus"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  get_filename_component(name "${FUZZER}" NAME)
  message(FATAL_ERROR "${name} failed (${status}); crash inputs are in ${WORK_DIR}/artifacts")
endif()
