// Why a model package was refused, or why the update agent could not do what it was asked.
#ifndef TINYFORGE_UPDATE_UPDATE_STATUS_H_
#define TINYFORGE_UPDATE_UPDATE_STATUS_H_

#include <stdint.h>

namespace tinyforge::update {

enum class UpdateStatus : uint8_t {
  kOk = 0,
  kBadMagic,           // not a tinyforge model package
  kUnsupportedFormat,  // a package format version this device does not read
  kMalformedHeader,    // reserved fields set, board id not text, sizes out of range
  kTruncated,          // fewer bytes than the header announces
  kTooLong,            // more bytes than the header announces
  kTooLarge,           // the package does not fit in a model slot
  kBadSignature,       // not signed by the device's key, or altered after signing
  kHashMismatch,       // the payload differs from the SHA-256 in the header
  kWrongBoard,         // built for another board
  kDowngrade,          // security counter below the device's
  kReplay,             // security counter equal to the device's: the package already installed
  kMalformedModel,     // signed, but the runtime's verifier refuses the model
  kArenaTooSmall,      // the model needs more arena than the device has
  kSelfTestFailed,     // the self-test output differs from the package's expected output
  kFlashError,         // an erase or write failed (e.g. power lost)
  kNotReceiving,       // receive/finish without begin
  kTrialPending,       // the running model is on trial: confirm it (or roll back) first
  kNoModel,            // no slot holds a valid model
};

// A short phrase for logs and the host's `verify`, e.g. "security counter below the device's".
const char* update_status_reason(UpdateStatus status);
// The enumerator's name without the k, e.g. "Downgrade".
const char* update_status_name(UpdateStatus status);

}  // namespace tinyforge::update

#endif  // TINYFORGE_UPDATE_UPDATE_STATUS_H_
