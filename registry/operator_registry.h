// The operator registry and the registration macros Caffe2 code uses.
#pragma once

#include <memory>
#include <string>

#include "caffe2_mask/operator.h"
#include "registry/registry.h"

namespace caffe2 {

using OperatorRegistry =
    Registry<std::string, std::unique_ptr<OperatorBase>, const OperatorDef&, Workspace*>;
OperatorRegistry* CPUOperatorRegistry();

template <class OperatorClass>
std::unique_ptr<OperatorBase> DefaultOperatorCreator(const OperatorDef& def, Workspace* ws) {
  return std::make_unique<OperatorClass>(def, ws);
}

// Built-in operator families define an anchor with this macro, and ops/builtin_operators.cc calls
// every anchor. The registry calls that function, so any program that uses the registry links every
// built-in operator's object file, even from a static library.
#define CAFFE2_MASK_OPERATOR_FAMILY(family) \
  namespace caffe2::builtin {               \
  void LinkOperatorFamily_##family() {}     \
  }

}  // namespace caffe2

#define REGISTER_CPU_OPERATOR_CREATOR(key, ...)                                              \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::OperatorBase>,         \
                              const ::caffe2::OperatorDef&, ::caffe2::Workspace*>           \
      CAFFE_ANONYMOUS_VARIABLE(g_cpu_operator_)(::caffe2::CPUOperatorRegistry(), #key, __VA_ARGS__, \
                                                CAFFE2_MASK_WHERE)
#define REGISTER_CPU_OPERATOR(name, ...) \
  REGISTER_CPU_OPERATOR_CREATOR(name, &::caffe2::DefaultOperatorCreator<__VA_ARGS__>)
#define REGISTER_CPU_OPERATOR_STR(str_name, ...)                                             \
  static ::caffe2::Registerer<std::string, std::unique_ptr<::caffe2::OperatorBase>,         \
                              const ::caffe2::OperatorDef&, ::caffe2::Workspace*>           \
      CAFFE_ANONYMOUS_VARIABLE(g_cpu_operator_)(::caffe2::CPUOperatorRegistry(), str_name,  \
                                                &::caffe2::DefaultOperatorCreator<__VA_ARGS__>, \
                                                CAFFE2_MASK_WHERE)
#define REGISTER_CPU_GRADIENT_OPERATOR(name, ...) REGISTER_CPU_OPERATOR(name, __VA_ARGS__)
