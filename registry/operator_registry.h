// The operator registry and the registration macros Caffe2 code uses. Like Caffe2's, each macro ends
// its declaration itself, so it may be written with or without a trailing `;`.
#pragma once

#include <memory>
#include <string>

#include "proto/caffe2.pb.h"
#include "registry/registry.h"

namespace caffe2 {

// Known here by declaration only: the registry sits below the framework that defines them.
class OperatorBase;
class Workspace;

using OperatorRegistry =
    Registry<std::string, std::unique_ptr<OperatorBase>, const OperatorDef&, Workspace*>;
// The one registry of CPU operators in the process: built-in operators, a program's own and those of
// operator libraries loaded at run time all register here.
OperatorRegistry* CPUOperatorRegistry();

template <class OperatorClass>
std::unique_ptr<OperatorBase> DefaultOperatorCreator(const OperatorDef& def, Workspace* ws) {
  return std::make_unique<OperatorClass>(def, ws);
}

}  // namespace caffe2

#define REGISTER_CPU_OPERATOR_CREATOR(key, ...)                                              \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::OperatorBase>,         \
                              const ::caffe2::OperatorDef&, ::caffe2::Workspace*>           \
      CAFFE_ANONYMOUS_VARIABLE(g_cpu_operator_)(::caffe2::CPUOperatorRegistry(), #key, __VA_ARGS__, \
                                                CAFFE2_MASK_WHERE);
#define REGISTER_CPU_OPERATOR(name, ...) \
  REGISTER_CPU_OPERATOR_CREATOR(name, &::caffe2::DefaultOperatorCreator<__VA_ARGS__>)
#define REGISTER_CPU_OPERATOR_STR(str_name, ...)                                             \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::OperatorBase>,         \
                              const ::caffe2::OperatorDef&, ::caffe2::Workspace*>           \
      CAFFE_ANONYMOUS_VARIABLE(g_cpu_operator_)(::caffe2::CPUOperatorRegistry(), str_name,  \
                                                &::caffe2::DefaultOperatorCreator<__VA_ARGS__>, \
                                                CAFFE2_MASK_WHERE);
#define REGISTER_CPU_GRADIENT_OPERATOR(name, ...) REGISTER_CPU_OPERATOR(name, __VA_ARGS__)
// Caffe2's engine variants: registered as "<name>_ENGINE_<engine>", which CreateOperator picks for a
// def whose `engine` names it (and falls back to <name> otherwise).
#define REGISTER_CPU_OPERATOR_WITH_ENGINE(name, engine, ...) \
  REGISTER_CPU_OPERATOR_STR(#name "_ENGINE_" #engine, __VA_ARGS__)
