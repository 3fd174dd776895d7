#include "tinyforge/update/update_status.h"

namespace tinyforge::update {
namespace {

struct StatusText {
  const char* name;
  const char* reason;
};

// Indexed by the enum's value.
constexpr StatusText kTexts[] = {
    {"Ok", "ok"},
    {"BadMagic", "not a tinyforge model package (bad magic)"},
    {"UnsupportedFormat", "package format version not supported"},
    {"MalformedHeader", "malformed package header"},
    {"Truncated", "package truncated: fewer bytes than its header announces"},
    {"TooLong", "package longer than its header announces"},
    {"TooLarge", "package does not fit in a model slot"},
    {"BadSignature", "signature does not verify with the device's public key"},
    {"HashMismatch", "payload SHA-256 differs from the header's"},
    {"WrongBoard", "package built for another board"},
    {"Downgrade", "security counter below the device's (downgrade)"},
    {"Replay", "security counter equal to the device's (replay of the installed package)"},
    {"MalformedModel", "the model inside fails the runtime's verifier"},
    {"ArenaTooSmall", "the model needs more arena than the device has"},
    {"SelfTestFailed", "self-test output differs from the expected output"},
    {"FlashError", "flash erase or write failed"},
    {"NotReceiving", "no update in progress"},
    {"TrialPending", "the running model is on trial: confirm it or roll back first"},
    {"NoModel", "no valid model in either slot"},
};

const StatusText& text(UpdateStatus status) {
  const unsigned index = static_cast<unsigned>(status);
  return index < sizeof(kTexts) / sizeof(kTexts[0]) ? kTexts[index] : kTexts[0];
}

}  // namespace

const char* update_status_reason(UpdateStatus status) { return text(status).reason; }
const char* update_status_name(UpdateStatus status) { return text(status).name; }

}  // namespace tinyforge::update
