// Tensor files of DESIGN.md's command-line contract: raw little-endian bytes, one file per tensor.
#ifndef TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_
#define TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "tinyforge/tensor.h"

namespace tinyforge::host {

// Reads `path` into `tensor`; throws Error if the size is not exactly the tensor's bytes.
void load_tensor_file(const std::filesystem::path& path, const TensorView& tensor,
                      const std::string& what);
// Values as text: "[1, 2, 3]" (float32 with 6 significant digits), at most `limit` values.
std::string tensor_values_text(const TensorView& tensor, size_t limit = 64);
// The dequantized (or float) value of element i.
double tensor_value(const TensorView& tensor, size_t i);
// Stores real values into the tensor as a device's input would be: float32 copied; int8, uint8
// and int16 quantized with the tensor's scale and zero point (rounding half away from zero,
// clamped). `label` names the model in the error for any other dtype.
void set_tensor_values(const TensorView& tensor, std::span<const float> values,
                       const std::string& label);

}  // namespace tinyforge::host

#endif  // TINYFORGE_TOOLKIT_HOST_TENSOR_IO_H_
