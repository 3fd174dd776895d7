// Which kernels run a model. A build registers the set its core supports; a host planning for a
// device names the device's set, because the fast kernels need other persistent and scratch memory
// than the reference kernels (and make other in-place offers), so the arena differs. The host
// build holds every set in portable C++ (same bytes), so it can also run any of them.
#ifndef TINYFORGE_KERNEL_SET_H_
#define TINYFORGE_KERNEL_SET_H_

#include <stdint.h>

namespace tinyforge {

enum class KernelSet : uint8_t {
  kThisBuild,  // MVE where the core has it, else DSP where it has that, else reference
  kReference,  // portable reference kernels only
  kArmDsp,     // Cortex-M4/M7/M33: DSP-extension kernels, reference for the rest
  kArmMve,     // Cortex-M55: MVE kernels, then DSP, then reference
};

}  // namespace tinyforge

#endif  // TINYFORGE_KERNEL_SET_H_
