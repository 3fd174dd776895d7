#include "toolkit/train/ops/registry.h"

#include <string>

#include "toolkit/host/error.h"

namespace tinyforge::train {

const OpKernel& op_kernel(graph::OpType type) {
  if (const OpKernel* k = basic_op_kernel(type)) return *k;
  if (const OpKernel* k = compute_op_kernel(type)) return *k;
  if (type == graph::OpType::kFakeQuant) return fake_quant_kernel();
  throw host::Error(std::string("training: no kernel for op ") + graph::op_type_name(type));
}

}  // namespace tinyforge::train
