# After project(): runtime, HAL, linker scripts and the firmware targets.

# -O2 for everything (TFLite Micro's kernels use -O2 too), sections for --gc-sections.
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")
set(TINYFORGE_STACK_SIZE "0x8000" CACHE STRING "Main stack bytes")
set(TINYFORGE_KERNELS "" CACHE STRING "Operators to register (e.g. FULLY_CONNECTED;CONV_2D); empty: all")

get_filename_component(TINYFORGE_ROOT ${TINYFORGE_FIRMWARE_DIR}/.. ABSOLUTE)
set(PROJECT_SOURCE_DIR ${TINYFORGE_ROOT})
include(${TINYFORGE_ROOT}/cmake/schema.cmake)
add_subdirectory(${TINYFORGE_ROOT}/runtime ${CMAKE_BINARY_DIR}/runtime)
# Code from `tinyforge export aot` (docs/aot.md): kernels reached only through eval(), with their
# operands from the generated tables; nothing of prepare(), the interpreter or the verifier links.
option(TINYFORGE_AOT "Build for a model compiled ahead of time" OFF)
if(TINYFORGE_AOT)
  target_compile_definitions(tinyforge_runtime PUBLIC TINYFORGE_AOT=1)
endif()

# Linker scripts from the one template: with and without the runner's pool.
if(BOARD_POOL_REGION STREQUAL "POOL")
  set(pool_memory "POOL (rw) : ORIGIN = ${BOARD_POOL_ORIGIN}, LENGTH = ${BOARD_POOL_SIZE}")
else()
  set(pool_memory "")
endif()
set(POOL_MEMORY_LINE "")
set(POOL_SECTION "")
configure_file(${TINYFORGE_FIRMWARE_DIR}/link.ld.in ${CMAKE_BINARY_DIR}/app.ld @ONLY)
set(POOL_MEMORY_LINE "${pool_memory}")
set(POOL_SECTION ".pool (NOLOAD) : ALIGN(16)
  {
    __tf_pool_start = .;
    . = ORIGIN(${BOARD_POOL_REGION}) + LENGTH(${BOARD_POOL_REGION});
    __tf_pool_end = .;
  } > ${BOARD_POOL_REGION}")
configure_file(${TINYFORGE_FIRMWARE_DIR}/link.ld.in ${CMAKE_BINARY_DIR}/runner.ld @ONLY)

add_library(tinyforge_hal STATIC ${TINYFORGE_FIRMWARE_DIR}/startup.c ${TINYFORGE_FIRMWARE_DIR}/hal/hal.c)
target_include_directories(tinyforge_hal PUBLIC ${TINYFORGE_FIRMWARE_DIR})
target_compile_definitions(tinyforge_hal PRIVATE TINYFORGE_LED_ADDRESS=${BOARD_LED_ADDRESS})
target_compile_options(tinyforge_hal PRIVATE -Wall -Wextra -Werror)

function(tinyforge_firmware name linker_script)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf")
  target_link_libraries(${name} PRIVATE tinyforge_runtime tinyforge_hal)
  target_compile_features(${name} PRIVATE cxx_std_17)
  target_link_options(${name} PRIVATE -T${linker_script} -nostartfiles --specs=nano.specs
                      --specs=nosys.specs -Wl,--gc-sections -Wl,-Map=${CMAKE_BINARY_DIR}/${name}.map
                      -Wl,--print-memory-usage)
  set_target_properties(${name} PROPERTIES LINK_DEPENDS ${linker_script})
endfunction()

# The stream application layer (firmware/app): with TINYFORGE_STREAM_APP, deploy's app_config.cc
# and models are linked with the pipeline core, the main loop and the QEMU HAL.
include(${TINYFORGE_FIRMWARE_DIR}/app/sources.cmake)
if(TINYFORGE_APP_SOURCES)
  if(TINYFORGE_STREAM_APP)
    set_property(SOURCE ${TINYFORGE_APP_CORE_SOURCES} ${TINYFORGE_APP_DEVICE_SOURCES} APPEND
                 PROPERTY COMPILE_OPTIONS -Werror)
    list(APPEND TINYFORGE_APP_SOURCES ${TINYFORGE_APP_CORE_SOURCES} ${TINYFORGE_APP_DEVICE_SOURCES})
  endif()
  tinyforge_firmware(tinyforge_app ${CMAKE_BINARY_DIR}/app.ld ${TINYFORGE_APP_SOURCES})
else()
  tinyforge_firmware(tinyforge_runner ${CMAKE_BINARY_DIR}/runner.ld ${TINYFORGE_FIRMWARE_DIR}/apps/runner.cc)
  tinyforge_firmware(insn_loop ${CMAKE_BINARY_DIR}/runner.ld ${TINYFORGE_FIRMWARE_DIR}/apps/insn_loop.c)
  # The model update agent over a RAM flash simulator (tests/unit/update_qemu_test.cc).
  tinyforge_firmware(update_agent ${CMAKE_BINARY_DIR}/app.ld ${TINYFORGE_FIRMWARE_DIR}/apps/update_agent.cc)
  target_include_directories(update_agent PRIVATE ${TINYFORGE_ROOT})
  target_compile_options(update_agent PRIVATE -Wall -Wextra -Werror)
endif()
