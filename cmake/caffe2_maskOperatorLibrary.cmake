# caffe2_mask_add_operator_library(<name> SOURCES <source>... [LINK_LIBRARIES <library>...])
#
# Builds a user's Caffe2-style operators (REGISTER_CPU_OPERATOR, OPERATOR_SCHEMA, REGISTER_GRADIENT,
# written against the caffe2/... headers) into the shared library <name>, linked against the
# runtime and the Caffe2 compatibility layer (caffe2_mask::caffe2) but not the built-in operators,
# which the host program brings. Load it with caffe2::LoadOperatorLibrary(path) (or link it: its
# registrations run when it is loaded either way).
function(caffe2_mask_add_operator_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LINK_LIBRARIES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "caffe2_mask_add_operator_library(${name}): no SOURCES given")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "caffe2_mask_add_operator_library(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET caffe2_mask::caffe2)
    message(FATAL_ERROR "caffe2_mask_add_operator_library(${name}) needs caffe2_mask::caffe2, the Caffe2 "
                        "compatibility layer, which needs gflags, glog and Eigen3 to be found")
  endif()
  add_library(${name} SHARED ${arg_SOURCES})
  target_link_libraries(${name} PUBLIC caffe2_mask::caffe2 ${arg_LINK_LIBRARIES})
  target_compile_features(${name} PUBLIC cxx_std_17)
  # Registration objects are static globals nobody references: keep the library's symbols visible
  # and its static initializers in, whatever the caller's visibility defaults are.
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET default VISIBILITY_INLINES_HIDDEN OFF)
endfunction()
