#include "tinyforge/tensor.h"

namespace tinyforge {

const char* dtype_name(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kFloat16:
      return "float16";
    case DataType::kInt32:
      return "int32";
    case DataType::kUInt8:
      return "uint8";
    case DataType::kInt64:
      return "int64";
    case DataType::kString:
      return "string";
    case DataType::kBool:
      return "bool";
    case DataType::kInt16:
      return "int16";
    case DataType::kInt8:
      return "int8";
    case DataType::kUInt64:
      return "uint64";
    case DataType::kUInt32:
      return "uint32";
    case DataType::kUInt16:
      return "uint16";
    case DataType::kNone:
      return "none";
  }
  return "unknown";
}

size_t dtype_size(DataType type) {
  switch (type) {
    case DataType::kFloat32:
    case DataType::kInt32:
    case DataType::kUInt32:
      return 4;
    case DataType::kInt64:
    case DataType::kUInt64:
      return 8;
    case DataType::kInt16:
    case DataType::kUInt16:
    case DataType::kFloat16:
      return 2;
    case DataType::kUInt8:
    case DataType::kInt8:
    case DataType::kBool:
      return 1;
    default:
      return 0;
  }
}

bool same_shape(const TensorView& a, const TensorView& b) {
  if (a.rank != b.rank) return false;
  for (int i = 0; i < a.rank; ++i) {
    if (a.dims[i] != b.dims[i]) return false;
  }
  return true;
}

}  // namespace tinyforge
