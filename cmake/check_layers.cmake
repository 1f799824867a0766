# The layering check (cmake -P, run by CTest as `layering`): every project include must point down.
#
# Layers, bottom up; a file may include headers of its own layer and of the layers below it:
#   proto      proto/            (caffe2.proto; its generated header is proto/caffe2.pb.h)
#   base       caffe2_mask/base/
#   core       caffe2_mask/core/
#   registry   registry/
#   framework  caffe2_mask/framework/
#   io         caffe2_mask/io/   (plus caffe2_mask/caffe2_mask.h, the umbrella of the runtime)
#   ops        ops/              (the built-in operators, on top of the runtime)
#   compat     caffe2/, c10/, ATen/  (Caffe2's header paths: on the runtime, beside ops, never including it)
# The kernels, ops/kernels/, are pure: they include only each other, and only ops/ includes them.
# Headers under an internal/ folder belong to the folder above it and are included only from there.
# Everything else (tools/, tests/, python/, examples/) sits on top and is not checked.
#
# Input: SOURCE_DIR. Prints every violation as "file: #include "x" (layer a may not include layer b)".
if(NOT DEFINED SOURCE_DIR)
  message(FATAL_ERROR "check_layers.cmake: SOURCE_DIR is not set")
endif()

set(layer_names proto base core registry framework io ops)

# The layer of a path relative to SOURCE_DIR, or "" when it is not in a checked layer.
function(layer_of path out)
  if(path MATCHES "^ops/kernels/")
    set(layer kernels)
  elseif(path MATCHES "^proto/")
    set(layer proto)
  elseif(path MATCHES "^caffe2_mask/(base|core|framework|io)/")
    set(layer ${CMAKE_MATCH_1})
  elseif(path STREQUAL "caffe2_mask/caffe2_mask.h")
    set(layer io)
  elseif(path MATCHES "^(caffe2|c10|ATen)/")
    set(layer compat)
  elseif(path MATCHES "^registry/")
    set(layer registry)
  elseif(path MATCHES "^ops/")
    set(layer ops)
  else()
    set(layer "")
  endif()
  set(${out} ${layer} PARENT_SCOPE)
endfunction()

function(rank_of layer out)
  if(layer STREQUAL "compat")
    set(layer io)  # the compatibility layer stands on the whole runtime
  endif()
  list(FIND layer_names ${layer} rank)
  set(${out} ${rank} PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR}
  ${SOURCE_DIR}/caffe2_mask/*.h ${SOURCE_DIR}/caffe2_mask/*.cc
  ${SOURCE_DIR}/registry/*.h ${SOURCE_DIR}/registry/*.cc
  ${SOURCE_DIR}/ops/*.h ${SOURCE_DIR}/ops/*.cc
  ${SOURCE_DIR}/caffe2/*.h ${SOURCE_DIR}/caffe2/*.cc ${SOURCE_DIR}/c10/*.h ${SOURCE_DIR}/ATen/*.h)

set(violations "")
set(checked 0)
foreach(file ${files})
  layer_of(${file} from)
  if(from STREQUAL "")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS ${SOURCE_DIR}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" target "${line}")
    layer_of(${target} to)
    set(problem "")
    if(to STREQUAL "")
      # Not a layer path: only a file next to it (no folder) is acceptable, and the project has none.
      set(problem "not a path into a layer")
    elseif(from STREQUAL "kernels" OR to STREQUAL "kernels")
      if(NOT from STREQUAL to AND NOT from STREQUAL "ops")
        set(problem "only ops/ and the kernels themselves may include ops/kernels/, and the kernels include nothing else")
      endif()
    elseif((from STREQUAL "compat" AND to STREQUAL "ops") OR (from STREQUAL "ops" AND to STREQUAL "compat"))
      set(problem "the Caffe2 compatibility layer and the built-in operators are independent of each other")
    else()
      rank_of(${from} from_rank)
      rank_of(${to} to_rank)
      if(to_rank GREATER from_rank)
        set(problem "layer ${from} may not include layer ${to}")
      endif()
    endif()
    if(problem STREQUAL "" AND target MATCHES "^(.*)/internal/")
      string(LENGTH "${CMAKE_MATCH_1}/" owner_length)
      string(SUBSTRING "${file}" 0 ${owner_length} file_prefix)
      if(NOT file_prefix STREQUAL "${CMAKE_MATCH_1}/")
        set(problem "${CMAKE_MATCH_1}/internal/ is private to ${CMAKE_MATCH_1}/")
      endif()
    endif()
    if(NOT problem STREQUAL "")
      string(APPEND violations "  ${file}: #include \"${target}\" (${problem})\n")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "layering: no file found under ${SOURCE_DIR}; is SOURCE_DIR right?")
endif()
if(NOT violations STREQUAL "")
  message(FATAL_ERROR "layering: includes that point up or sideways (README \"Layers\"):\n${violations}")
endif()
message(STATUS "layering: ${checked} files, every include points down")
