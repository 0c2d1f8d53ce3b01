# Compiles SOURCE and passes only if the compilation fails with EXPECTED in
# its output: a wrong policy must be reported by our own sentence.
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${INCLUDES} ${SOURCE}
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
string(FIND "${out}${err}" "${EXPECTED}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed without the expected message '${EXPECTED}':\n${err}")
endif()
message(STATUS "${SOURCE}: rejected with '${EXPECTED}'")
