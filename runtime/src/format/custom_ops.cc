#include "format/custom_ops.h"

#include <string.h>

namespace tinyforge {
namespace {

// Indexed by code - kFirstCustomOpCode; the names TFLite's converters write.
constexpr const char* kNames[] = {
    "SignalWindow",
    "SignalFftAutoScale",
    "SignalRfft",
    "SignalEnergy",
    "SignalFilterBank",
    "SignalFilterBankSquareRoot",
    "SignalFilterBankSpectralSubtraction",
    "SignalPCAN",
    "SignalFilterBankLog",
    "SignalStacker",
    "SignalFramer",
    "SignalDelay",
    "TinyforgeMotionFilter",
    "TinyforgeMotionFeatures",
};
constexpr int32_t kCount = static_cast<int32_t>(sizeof(kNames) / sizeof(kNames[0]));
static_assert(kFirstCustomOpCode + kCount == custom_op_code(CustomOp::kEnd),
              "every CustomOp has a name");

}  // namespace

int32_t custom_op_code_of(const char* name, uint32_t length) {
  for (int32_t i = 0; i < kCount; ++i) {
    if (strlen(kNames[i]) == length && memcmp(kNames[i], name, length) == 0)
      return kFirstCustomOpCode + i;
  }
  return -1;
}

const char* custom_op_name(int32_t code) {
  const int32_t index = code - kFirstCustomOpCode;
  return index >= 0 && index < kCount ? kNames[index] : nullptr;
}

}  // namespace tinyforge
