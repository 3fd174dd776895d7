// The custom operators this runtime knows, by the name a .tflite file gives them
// (OperatorCode.custom_code). Each gets an operator code of its own above the builtin ones, so the
// registry, the planner, messages and the firmware's kernel selection treat it like a builtin.
// The order is part of the codes' meaning: append, never reorder.
#ifndef TINYFORGE_FORMAT_CUSTOM_OPS_H_
#define TINYFORGE_FORMAT_CUSTOM_OPS_H_

#include <stdint.h>

#include "tinyforge/model.h"

namespace tinyforge {

enum class CustomOp : int32_t {
  // TFLite Micro's signal library (the audio frontend as a graph).
  kSignalWindow = kFirstCustomOpCode,
  kSignalFftAutoScale,
  kSignalRfft,
  kSignalEnergy,
  kSignalFilterBank,
  kSignalFilterBankSquareRoot,
  kSignalFilterBankSpectralSubtraction,
  kSignalPCAN,
  kSignalFilterBankLog,
  kSignalStacker,
  kSignalFramer,
  kSignalDelay,
  // tinyforge's motion frontend (signal/motion_features.h).
  kTinyforgeMotionFilter,
  kTinyforgeMotionFeatures,
  kEnd,
};

constexpr int32_t custom_op_code(CustomOp op) { return static_cast<int32_t>(op); }

// The operator code of custom operator `name` (not null-terminated, `length` bytes), or -1.
int32_t custom_op_code_of(const char* name, uint32_t length);
// The name of a custom operator code, or nullptr when `code` is none.
const char* custom_op_name(int32_t code);

}  // namespace tinyforge

#endif  // TINYFORGE_FORMAT_CUSTOM_OPS_H_
