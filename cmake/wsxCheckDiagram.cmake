# cmake -P script: renders a committed mscgen source and fails if the
# committed SVG is not that rendering (someone edited one without the other).
#   MSCGEN, SOURCE (.msc), COMMITTED (.svg), WORK (where to render)
get_filename_component(dir "${WORK}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND "${MSCGEN}" -T svg -o "${WORK}" "${SOURCE}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mscgen failed on ${SOURCE}: ${err}")
endif()
file(READ "${WORK}" rendered)
file(READ "${COMMITTED}" committed)
if(NOT rendered STREQUAL committed)
  message(FATAL_ERROR "${COMMITTED} is not the rendering of ${SOURCE}; regenerate it:\n"
                      "  mscgen -T svg -o docs/lifecycle.svg docs/lifecycle.msc")
endif()
message(STATUS "${COMMITTED} matches ${SOURCE}")
