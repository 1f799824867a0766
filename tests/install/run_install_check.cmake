# Driver for the install_consumer test (cmake -P). Inputs: BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR,
# CXX_COMPILER, CXX_FLAGS, BUILD_TYPE (may be empty), GENERATOR. Every step must succeed; the first failure fails the test
# with the step's output.
foreach(var BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_install_check.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
# Start clean so a stale prefix cannot hide a missing file.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install check: ${name} failed (${result})\n${out}\n${err}")
  endif()
  message(STATUS "install check: ${name} ok")
endfunction()

set(config_args)
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})
foreach(required
    include/caffe2_mask/caffe2_mask/caffe2_mask.h
    include/caffe2_mask/caffe2_mask/io/serialization.h
    include/caffe2_mask/registry/operator_registry.h
    include/caffe2_mask/proto/caffe2.pb.h
    include/caffe2_mask/caffe2/core/operator.h
    include/caffe2_mask/caffe2/proto/caffe2_pb.h
    include/caffe2_mask/c10/util/StringUtil.h
    lib/cmake/caffe2_mask/caffe2_maskOperatorLibrary.cmake)
  if(NOT EXISTS ${prefix}/${required})
    message(FATAL_ERROR "install check: ${prefix}/${required} was not installed")
  endif()
endforeach()

# Only public headers are installed: no internal/ folder, no kernel or operator sources' headers.
foreach(private include/caffe2_mask/caffe2_mask/io/internal include/caffe2_mask/ops)
  if(EXISTS ${prefix}/${private})
    message(FATAL_ERROR "install check: ${prefix}/${private} was installed, but it is not public")
  endif()
endforeach()

step("configure the consumer"
  ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
step("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

foreach(program caffe2_mask_consumer caffe2_mask_runtime_consumer)
  find_program(consumer_${program} ${program} PATHS ${consumer_build} ${consumer_build}/${BUILD_TYPE} NO_DEFAULT_PATH)
  if(NOT consumer_${program})
    message(FATAL_ERROR "install check: ${program} was not built in ${consumer_build}")
  endif()
  execute_process(COMMAND ${consumer_${program}} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install check: ${program} failed (${result})\n${out}\n${err}")
  endif()
endforeach()

# The example operator library (examples/custom_operator), built out of tree the same way, and its
# Caffe2-style test run.
if(DEFINED EXAMPLE_SOURCE_DIR AND NOT "${EXAMPLE_SOURCE_DIR}" STREQUAL "")
  set(example_build ${WORK_DIR}/example-build)
  step("configure the example"
    ${CMAKE_COMMAND} -S ${EXAMPLE_SOURCE_DIR} -B ${example_build} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
  step("build the example" ${CMAKE_COMMAND} --build ${example_build} ${config_args})
  find_program(example_test masked_softmax_op_test PATHS ${example_build} ${example_build}/${BUILD_TYPE} NO_DEFAULT_PATH)
  if(NOT example_test)
    message(FATAL_ERROR "install check: the example test was not built in ${example_build}")
  endif()
  step("run the example test" ${example_test})

  # The installed runner loads the example's library and runs it beside a built-in operator, forward
  # and backward.
  find_file(example_library libmasked_softmax_ops.so PATHS ${example_build} ${example_build}/${BUILD_TYPE}
            NO_DEFAULT_PATH)
  if(NOT example_library)
    message(FATAL_ERROR "install check: the example library was not built in ${example_build}")
  endif()
  set(files "")
  foreach(input scores key_mask keep_rows)
    list(APPEND files ${EXAMPLE_SOURCE_DIR}/${input}.pbtxt)
  endforeach()
  string(REPLACE ";" "," files "${files}")
  execute_process(
    COMMAND ${prefix}/bin/caffe2_mask_run --ops_library=${example_library} --net ${EXAMPLE_SOURCE_DIR}/net.pbtxt
            --input scores,key_mask,keep_rows --input_file ${files} --output kept,scores_grad --gradient_for kept
            --iter 0
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install check: the runner with the example library failed (${result})\n${out}\n${err}")
  endif()
  # Row 0 keeps keys 0 and 1 (equal scores), row 2 masks every key; the kept rows are [2, 4].
  foreach(expected "kept: float [2, 4]" "[[0.5, 0.5, 0, 0]," "[0, 0, 0, 0]]" "scores_grad: float [3, 4]")
    string(FIND "${out}" "${expected}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "install check: the runner's output lacks '${expected}':\n${out}")
    endif()
  endforeach()
  message(STATUS "install check: runner with --ops_library (forward and backward) ok")
endif()
