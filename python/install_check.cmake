# ctest python_install: `cmake --install` the build into PREFIX, then run SCRIPT with the installed
# packages first on the path (and the build tree nowhere on it; -P keeps the script's own folder,
# which holds the source package, off sys.path).
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${result}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${PREFIX}/${PACKAGE_DIR} PYTHONDONTWRITEBYTECODE=1
                        ${PYTHON} -P ${SCRIPT} ${PREFIX}/${PACKAGE_DIR}
                WORKING_DIRECTORY ${PREFIX}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the installed caffe2 package failed: ${result}")
endif()
