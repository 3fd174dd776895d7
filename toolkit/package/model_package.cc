#include "toolkit/package/model_package.h"

#include <cstring>
#include <regex>

#include "tinyforge/update/self_test.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/export/c_array.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::host {
namespace {

using update::PackageHeader;
using update::UpdateStatus;

void parse_version(const std::string& text, PackageHeader& h) {
  static const std::regex kPattern(R"((\d{1,5})\.(\d{1,5})\.(\d{1,5}))");
  std::smatch m;
  const auto part = [&](int i) { return std::stoul(m[i].str()); };
  if (!std::regex_match(text, m, kPattern) || part(1) > 65535 || part(2) > 65535 ||
      part(3) > 65535) {
    throw Error("--version: expected MAJOR.MINOR.PATCH, each 0..65535 (e.g. 1.4.0), got '" + text +
                "'");
  }
  h.version_major = uint16_t(part(1));
  h.version_minor = uint16_t(part(2));
  h.version_patch = uint16_t(part(3));
}

void hex_to_digest(uint8_t out[32], const std::string& hex) {
  for (size_t i = 0; i < 32; ++i) out[i] = uint8_t(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
}

std::string digest_hex(const uint8_t digest[32]) {
  static const char* const kDigits = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < 32; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

// What travels inside: who made the package and from what, plus the model's own metadata and the
// user's training metadata (dataset hash, test metrics), so a fleet operator can tell what a
// device runs.
std::string metadata_text(const ModelFile& file, const std::vector<uint8_t>& model,
                          const PackageOptions& options) {
  nlohmann::json j;
  j["tool"] = "tinyforge";
  j["tool_version"] = TINYFORGE_VERSION;
  j["model_file"] = options.model.filename().string();
  j["model_sha256"] = sha256_hex(model.data(), model.size());
  if (const auto text = tflite::find_metadata_json(*file.model().flatbuffer(), file.bytes().data(),
                                                   file.bytes().size(), file.label())) {
    try {
      j["model_metadata"] = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception&) {
      j["model_metadata"] = *text;
    }
  }
  if (options.metadata) {
    const auto bytes = read_file(*options.metadata);
    try {
      j["training"] = nlohmann::json::parse(bytes.begin(), bytes.end());
    } catch (const nlohmann::json::exception& e) {
      throw Error(options.metadata->string() + ": expected a JSON object (" + e.what() + ")");
    }
    if (!j["training"].is_object())
      throw Error(options.metadata->string() + ": expected a JSON object");
  }
  return j.dump();
}

VerifyResult refuse(VerifyResult result, UpdateStatus status, const std::string& detail = "") {
  result.valid = false;
  result.status = status;
  result.reason = update::update_status_reason(status);
  if (!detail.empty()) result.reason += ": " + detail;
  return result;
}

}  // namespace

std::string version_text(const PackageHeader& h) {
  return std::to_string(h.version_major) + "." + std::to_string(h.version_minor) + "." +
         std::to_string(h.version_patch);
}

nlohmann::json header_json(const PackageHeader& h) {
  return {{"version", version_text(h)},
          {"counter", h.security_counter},
          {"board", h.board},
          {"model_bytes", h.model_bytes},
          {"arena_bytes", h.arena_bytes},
          {"self_test", h.has_self_test()},
          {"payload_sha256", digest_hex(h.payload_sha256)}};
}

std::vector<uint8_t> make_package(const std::vector<uint8_t>& model, const std::string& model_label,
                                  const PackageOptions& options, const Ed25519Seed& key,
                                  PackageSummary* summary) {
  PackageHeader h;
  parse_version(options.version, h);
  h.security_counter = options.counter;
  const deploy::BoardInfo board = deploy::board_info(options.board);  // throws for unknown boards
  if (options.board.size() > update::kBoardIdBytes) {
    throw Error("--board: at most 32 characters, got '" + options.board + "'");
  }
  std::memcpy(h.board, options.board.data(), options.board.size());
  const ModelFile file(model.data(), model.size(), model_label);
  h.model_bytes = uint32_t(model.size());
  h.arena_bytes = uint32_t(device_arena(file.model(), board.kernels, options.board).bytes);
  std::vector<uint8_t> self_test;
  if (options.self_test_input) {
    self_test = read_file(*options.self_test_input);
    if (self_test.empty())
      throw Error(options.self_test_input->string() + ": empty self-test input");
    const ArenaUsage usage = plan_arena(file.model());
    AlignedBytes arena(usage.total_bytes);
    const UpdateStatus status =
        update::run_self_test(file.model(), arena.data(), arena.size(), self_test.data(),
                              self_test.size(), h.self_test_output_sha256);
    if (status != UpdateStatus::kOk) {
      throw Error(options.self_test_input->string() + ": the self-test cannot run (" +
                  update::update_status_reason(status) +
                  "); expected the raw bytes of every model input, in order");
    }
    h.flags |= update::kPackageFlagSelfTest;
    h.self_test_input_bytes = uint32_t(self_test.size());
  }
  const std::string metadata = metadata_text(file, model, options);
  h.metadata_bytes = uint32_t(metadata.size());
  std::vector<uint8_t> package(h.package_bytes());
  std::copy(model.begin(), model.end(), package.begin() + h.model_offset());
  std::copy(self_test.begin(), self_test.end(), package.begin() + h.self_test_input_offset());
  std::copy(metadata.begin(), metadata.end(), package.begin() + h.metadata_offset());
  hex_to_digest(h.payload_sha256,
                sha256_hex(package.data() + update::kPackageHeaderBytes, h.payload_bytes()));
  update::write_package_header(h, package.data());
  const Ed25519Signature signature = ed25519_sign(key, package.data(), h.signature_offset());
  std::copy(signature.begin(), signature.end(), package.begin() + h.signature_offset());
  if (summary != nullptr) {
    summary->header = h;
    summary->version = version_text(h);
    summary->payload_sha256 = digest_hex(h.payload_sha256);
    summary->package_bytes = package.size();
    summary->overhead_bytes = package.size() - model.size();
  }
  return package;
}

PackageSummary create_package(const PackageOptions& options) {
  const Ed25519Seed key = read_ed25519_private_pem(options.private_key);
  PackageSummary summary;
  const std::vector<uint8_t> package =
      make_package(read_file(options.model), options.model.string(), options, key, &summary);
  write_file(options.output, package.data(), package.size());
  summary.output = options.output;
  return summary;
}

VerifyResult verify_package_bytes(const std::vector<uint8_t>& package,
                                  const Ed25519PublicKey& key) {
  VerifyResult result;
  if (package.size() < update::kPackageHeaderBytes) {
    return refuse(result, UpdateStatus::kTruncated,
                  std::to_string(package.size()) + " bytes, shorter than the header");
  }
  PackageHeader h;
  const UpdateStatus parsed = update::parse_package_header(package.data(), &h);
  if (parsed != UpdateStatus::kOk) return refuse(result, parsed);
  result.header = h;
  if (package.size() < h.package_bytes()) {
    return refuse(
        result, UpdateStatus::kTruncated,
        std::to_string(package.size()) + " of " + std::to_string(h.package_bytes()) + " bytes");
  }
  if (package.size() > h.package_bytes()) {
    return refuse(result, UpdateStatus::kTooLong,
                  std::to_string(package.size()) + " bytes, header says " +
                      std::to_string(h.package_bytes()));
  }
  Ed25519Signature signature;
  std::memcpy(signature.data(), package.data() + h.signature_offset(), signature.size());
  if (!ed25519_openssl_verify(key, signature, package.data(), h.signature_offset())) {
    return refuse(result, UpdateStatus::kBadSignature);
  }
  const std::string payload_hash =
      sha256_hex(package.data() + update::kPackageHeaderBytes, h.payload_bytes());
  if (payload_hash != digest_hex(h.payload_sha256)) {
    return refuse(result, UpdateStatus::kHashMismatch);
  }
  const char* metadata = reinterpret_cast<const char*>(package.data() + h.metadata_offset());
  result.metadata = nlohmann::json::parse(metadata, metadata + h.metadata_bytes, nullptr, false);
  try {
    const ModelFile file(package.data() + h.model_offset(), h.model_bytes, "the package's model");
    if (h.has_self_test()) {
      AlignedBytes arena(plan_arena(file.model()).total_bytes);
      uint8_t digest[32];
      const UpdateStatus status = update::run_self_test(file.model(), arena.data(), arena.size(),
                                                        package.data() + h.self_test_input_offset(),
                                                        h.self_test_input_bytes, digest);
      if (status != UpdateStatus::kOk) return refuse(result, status);
      if (std::memcmp(digest, h.self_test_output_sha256, 32) != 0) {
        return refuse(result, UpdateStatus::kSelfTestFailed);
      }
    }
  } catch (const Error& e) {
    return refuse(result, UpdateStatus::kMalformedModel, e.what());
  }
  result.valid = true;
  result.reason = "ok";
  return result;
}

VerifyResult verify_package(const std::filesystem::path& package,
                            const std::filesystem::path& public_key) {
  const Ed25519PublicKey key = read_ed25519_public_pem(public_key);
  VerifyResult result = verify_package_bytes(read_file(package), key);
  if (!result.valid) result.reason = package.string() + ": " + result.reason;
  return result;
}

}  // namespace tinyforge::host
