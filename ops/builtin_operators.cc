// Calling every built-in family's anchor makes the linker keep each family's object file, and with
// it the family's static registrations, even when the library is linked statically. A new family
// adds its CAFFE2_MASK_OPERATOR_FAMILY(name) and one line here.
#define CAFFE2_MASK_BUILTIN_FAMILIES(X) \
  X(boolean_mask)                        \
  X(sequence_mask)                       \
  X(fill)                                \
  X(sum)

namespace caffe2::builtin {

#define CAFFE2_MASK_DECLARE_FAMILY(family) void LinkOperatorFamily_##family();
CAFFE2_MASK_BUILTIN_FAMILIES(CAFFE2_MASK_DECLARE_FAMILY)
#undef CAFFE2_MASK_DECLARE_FAMILY

void LinkBuiltinOperators() {
#define CAFFE2_MASK_CALL_FAMILY(family) LinkOperatorFamily_##family();
  CAFFE2_MASK_BUILTIN_FAMILIES(CAFFE2_MASK_CALL_FAMILY)
#undef CAFFE2_MASK_CALL_FAMILY
}

}  // namespace caffe2::builtin
