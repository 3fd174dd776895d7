// Tests build their small models with the toolkit's builder (toolkit/tflite/model_builder.h).
#ifndef TINYFORGE_TESTS_SUPPORT_MODEL_BUILDER_H_
#define TINYFORGE_TESTS_SUPPORT_MODEL_BUILDER_H_

#include "toolkit/tflite/model_builder.h"

namespace tinyforge::testing {

using builder::ModelBuilder;
using builder::per_tensor;
using builder::Quant;

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_MODEL_BUILDER_H_
