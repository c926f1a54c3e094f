# cmake -P script: configure, build and run the consumer in one mode.
#   MODE      subdir | installed
#   PARTS     optional parts the consumer links as well (tls,deflate,json), may be empty
#   WITH_JSON installed mode: whether the installed wsx has wsx::json (ON unless
#             this build lacks nlohmann/json); tls and deflate are always in
#   STRICT    ON: also build and run consumer_strict (-Wall -Wextra -Wshadow -Wconversion -Werror)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
set(gen -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
set(PARTS_ARG "${PARTS}")
if(NOT STRICT)
  set(STRICT OFF)
endif()
string(REPLACE "," ";" PARTS "${PARTS}")
if(MODE STREQUAL "subdir")
  run(${CMAKE_COMMAND} ${gen} -S "${CONSUMER}" -B "${WORK}/build" -DWSX_MODE=subdir -DWSX_SOURCE=${SOURCE}
      "-DWSX_CONSUMER_PARTS=${PARTS_ARG}" -DWSX_CONSUMER_STRICT=${STRICT})
else()
  # Install wsx exactly as a package manager would: tests and examples off.
  # tls, deflate and (when this build has it) json are installed, so that a
  # consumer asking for fewer proves the config pulls in only what it asked for.
  if(NOT DEFINED WITH_JSON OR WITH_JSON STREQUAL "")
    set(WITH_JSON ON)
  endif()
  run(${CMAKE_COMMAND} ${gen} -S "${SOURCE}" -B "${WORK}/wsx-build" -DWSX_BUILD_TESTS=OFF
      -DWSX_BUILD_EXAMPLES=OFF -DWSX_BUILD_BENCH=OFF -DWSX_INSTALL=ON -DWSX_WITH_TLS=ON -DWSX_WITH_DEFLATE=ON
      -DWSX_WITH_JSON=${WITH_JSON} -DCMAKE_INSTALL_PREFIX=${WORK}/prefix)
  run(${CMAKE_COMMAND} --install "${WORK}/wsx-build")
  foreach(f include/wsx/wsx.hpp include/wsx/version.hpp share/wsx/wsxConfig.cmake share/wsx/wsxConfigVersion.cmake)
    if(NOT EXISTS "${WORK}/prefix/${f}")
      message(FATAL_ERROR "install did not produce ${f}")
    endif()
  endforeach()
  run(${CMAKE_COMMAND} ${gen} -S "${CONSUMER}" -B "${WORK}/build" -DWSX_MODE=installed
      -DCMAKE_PREFIX_PATH=${WORK}/prefix "-DWSX_CONSUMER_PARTS=${PARTS_ARG}" -DWSX_CONSUMER_STRICT=${STRICT})
endif()
run(${CMAKE_COMMAND} --build "${WORK}/build")
run("${WORK}/build/consumer")
# Each optional part reports itself: a consumer that silently skipped one fails here.
foreach(part IN LISTS PARTS)
  if(NOT run_output MATCHES "(^|\n)${part}: ")
    message(FATAL_ERROR "the consumer did not exercise '${part}':\n${run_output}")
  endif()
endforeach()
if(STRICT)
  run("${WORK}/build/consumer_strict")
  if(NOT run_output MATCHES "(^|\n)strict: port ")
    message(FATAL_ERROR "consumer_strict did not run:\n${run_output}")
  endif()
endif()
message(STATUS "consumer (${MODE} ${PARTS} strict=${STRICT}) built and ran:\n${run_output}")
