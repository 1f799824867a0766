#include "registry/operator_registry.h"

namespace caffe2 {

OperatorRegistry* CPUOperatorRegistry() {
  // Leaked on purpose: registrations from other translation units may run after a static registry
  // would have been destroyed.
  static auto* registry = new OperatorRegistry();
  return registry;
}

}  // namespace caffe2
