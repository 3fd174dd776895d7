# The stream application core, compiled into the firmware and into the host toolkit from the same
# files (host and device take identical decisions). Float arithmetic without contraction, so the
# rounding of each conversion is the same on every core.
set(TINYFORGE_APP_CORE_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/stream_pipeline.cc
    ${CMAKE_CURRENT_LIST_DIR}/value_convert.cc
    ${CMAKE_CURRENT_LIST_DIR}/event_line.cc)
set_source_files_properties(${TINYFORGE_APP_CORE_SOURCES} PROPERTIES COMPILE_OPTIONS
                            "-ffp-contract=off;-Wall;-Wextra")
# What only the firmware adds: the main loop and the QEMU (semihosting) HAL.
set(TINYFORGE_APP_DEVICE_SOURCES ${CMAKE_CURRENT_LIST_DIR}/app_main.cc
                                 ${CMAKE_CURRENT_LIST_DIR}/hal_semihosting.cc)
