# Generates the C++ accessors for schema/tflite.fbs with flatc (Debian flatbuffers-compiler).
find_program(FLATC flatc REQUIRED)
set(TINYFORGE_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
set(TINYFORGE_SCHEMA ${CMAKE_CURRENT_LIST_DIR}/../schema/tflite.fbs)
add_custom_command(
  OUTPUT ${TINYFORGE_GENERATED_DIR}/tflite_generated.h
  COMMAND ${FLATC} --cpp --scoped-enums -o ${TINYFORGE_GENERATED_DIR} ${TINYFORGE_SCHEMA}
  DEPENDS ${TINYFORGE_SCHEMA}
  COMMENT "flatc: generating tflite_generated.h")
add_custom_target(tinyforge_schema_gen DEPENDS ${TINYFORGE_GENERATED_DIR}/tflite_generated.h)
add_library(tinyforge_schema INTERFACE)
add_dependencies(tinyforge_schema tinyforge_schema_gen)
# SYSTEM: generated and FlatBuffers headers are not held to the runtime's -Werror.
target_include_directories(tinyforge_schema SYSTEM INTERFACE ${TINYFORGE_GENERATED_DIR})

# The FlatBuffers headers, reachable without exposing the rest of /usr/include (a cross compiler
# must not see the host's libc headers).
find_path(TINYFORGE_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h PATHS /usr/include /usr/local/include
          NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(TINYFORGE_FLATBUFFERS_ONLY ${CMAKE_BINARY_DIR}/flatbuffers_include)
file(MAKE_DIRECTORY ${TINYFORGE_FLATBUFFERS_ONLY})
file(CREATE_LINK ${TINYFORGE_FLATBUFFERS_INCLUDE}/flatbuffers ${TINYFORGE_FLATBUFFERS_ONLY}/flatbuffers SYMBOLIC)
target_include_directories(tinyforge_schema SYSTEM INTERFACE ${TINYFORGE_FLATBUFFERS_ONLY})
