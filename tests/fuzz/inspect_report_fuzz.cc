// libFuzzer target for `tinyforge inspect` as a whole, not only the loader: load at the level
// inspect accepts (a model the runtime cannot run is still described), then the report every
// path over a model takes (per-operator and per-tensor checks, MACs, tinyforge metadata, the host
// and device arena plans) and both renderings. Built with ASan + UBSan (scripts/fuzz).
#include <stddef.h>
#include <stdint.h>

#include <nlohmann/json.hpp>

#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/model_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinyforge;
  try {
    const host::ModelFile file(data, size, "fuzz", /*allow_unrunnable=*/true);
    for (const KernelSet kernels :
         {KernelSet::kReference, KernelSet::kArmDsp, KernelSet::kArmMve}) {
      const host::ModelReport report = host::make_report(file, kernels);
      // What `inspect --json` prints (invalid UTF-8 names replaced, as the CLI does) and the text.
      host::report_json(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      host::report_text(report);
    }
  } catch (const host::Error&) {
    // A file the verifier refuses, or a plan that fails, is an error message, never a crash.
  }
  return 0;
}
