# `cmake --install BUILD --prefix P` installs the runtime for another project to build against
# (docs/install.md): lib/libtinyforge_runtime.a, include/tinyforge/*.h, the CMake package
# (find_package(tinyforge CONFIG) gives tinyforge::runtime) and lib/pkgconfig/tinyforge.pc.
# The library is for the build's target: configure with cmake/arm-none-eabi.cmake and
# -DTINYFORGE_RUNTIME_ONLY=ON for a Cortex-M one.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(tinyforge_runtime PROPERTIES EXPORT_NAME runtime)
add_library(tinyforge::runtime ALIAS tinyforge_runtime)
set(TINYFORGE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tinyforge)

install(TARGETS tinyforge_runtime EXPORT tinyforgeTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/tinyforge
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tinyforgeTargets NAMESPACE tinyforge:: DESTINATION ${TINYFORGE_CMAKE_DIR})

set(config_dir ${CMAKE_BINARY_DIR}/package)
file(WRITE ${config_dir}/tinyforgeConfig.cmake
     "# tinyforge's runtime: find_package(tinyforge CONFIG) gives the target tinyforge::runtime.\n"
     "include(\${CMAKE_CURRENT_LIST_DIR}/tinyforgeTargets.cmake)\n")
write_basic_package_version_file(${config_dir}/tinyforgeConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${config_dir}/tinyforgeConfig.cmake ${config_dir}/tinyforgeConfigVersion.cmake
        DESTINATION ${TINYFORGE_CMAKE_DIR})

# Relative to the .pc file, so the installed tree can move (--prefix chosen at install time).
file(WRITE ${config_dir}/tinyforge.pc
     "prefix=\${pcfiledir}/../..\n"
     "libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}\n"
     "includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n\n"
     "Name: tinyforge\n"
     "Description: tinyforge's microcontroller runtime for TFLite models (no heap)\n"
     "Version: ${PROJECT_VERSION}\n"
     "Libs: -L\${libdir} -ltinyforge_runtime\n"
     "Cflags: -I\${includedir}\n")
install(FILES ${config_dir}/tinyforge.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
