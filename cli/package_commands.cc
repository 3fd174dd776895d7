// `tinyforge keygen`, `tinyforge package` and `tinyforge verify`: signed model packages for safe
// updates in the field (docs/update.md).
#include <iostream>

#include "cli/command.h"
#include "toolkit/package/model_package.h"

namespace tinyforge::cli {
namespace {

struct KeygenCommand {
  std::string directory;
  bool json = false;
};

struct PackageCommand {
  host::PackageOptions options;
  std::string self_test;
  std::string metadata;
  bool json = false;
};

struct VerifyCommand {
  std::string package;
  std::string public_key;
  bool json = false;
};

nlohmann::json keygen(const KeygenCommand& c) {
  const host::KeyPairFiles files = host::write_ed25519_key_pair(c.directory);
  if (!c.json) {
    std::cout << "wrote " << files.private_key.string() << " (keep it secret, mode 0600) and "
              << files.public_key.string() << " (build it into the device)\n";
  }
  return {{"private_key", files.private_key.string()}, {"public_key", files.public_key.string()}};
}

nlohmann::json package(PackageCommand c) {
  if (!c.self_test.empty()) c.options.self_test_input = c.self_test;
  if (!c.metadata.empty()) c.options.metadata = c.metadata;
  const host::PackageSummary s = host::create_package(c.options);
  if (!c.json) {
    std::cout << "wrote " << s.output.string() << ": model " << s.version << ", counter "
              << s.header.security_counter << ", board " << s.header.board << ", "
              << s.package_bytes << " bytes (" << s.overhead_bytes << " beyond the model)"
              << (s.header.has_self_test() ? ", with self-test" : "") << "\n";
  }
  nlohmann::json result = host::header_json(s.header);
  result["output"] = s.output.string();
  result["package_bytes"] = s.package_bytes;
  result["overhead_bytes"] = s.overhead_bytes;
  return result;
}

nlohmann::json verify(const VerifyCommand& c) {
  const host::VerifyResult r = host::verify_package(c.package, c.public_key);
  nlohmann::json result = r.header ? host::header_json(*r.header) : nlohmann::json::object();
  result["valid"] = r.valid;
  result["reason"] = r.reason;
  if (!r.metadata.is_discarded() && !r.metadata.is_null()) result["metadata"] = r.metadata;
  if (!r.valid) {
    result["error"] = r.reason;  // the command fails: exit 1
    return result;
  }
  if (!c.json) {
    std::cout << c.package << ": valid, model " << result["version"].get<std::string>()
              << ", counter " << r.header->security_counter << ", board " << r.header->board
              << "\n";
    if (result.contains("metadata")) std::cout << "metadata: " << result["metadata"].dump() << "\n";
  }
  return result;
}

}  // namespace

void add_package_commands(CLI::App& app, int& exit_code) {
  auto* keygen_cmd = app.add_subcommand(
      "keygen",
      "Make an Ed25519 key pair for signing model packages: KEYDIR/private.pem (mode 0600, keep "
      "it off devices) and KEYDIR/public.pem (built into the firmware); never overwrites keys");
  auto k = std::make_shared<KeygenCommand>();
  keygen_cmd->add_option("-o,--output", k->directory, "KEYDIR, the directory to write the keys to")
      ->required();
  keygen_cmd->add_flag("--json", k->json, "Print one JSON object as the last line");
  keygen_cmd->callback(
      [k, &exit_code]() { exit_code = run_command(k->json, [&]() { return keygen(*k); }); });

  auto* package_cmd = app.add_subcommand(
      "package",
      "Sign a .tflite model into a model package (.tfpkg) for a board: version, security counter "
      "(devices refuse lower counters), arena bytes, training metadata and an optional self-test");
  auto p = std::make_shared<PackageCommand>();
  package_cmd->add_option("model", p->options.model, "The .tflite file")->required();
  package_cmd->add_option("--key", p->options.private_key, "KEYDIR/private.pem from keygen")
      ->required();
  package_cmd->add_option("--version", p->options.version, "The model's version, MAJOR.MINOR.PATCH")
      ->required();
  package_cmd
      ->add_option("--counter", p->options.counter,
                   "Security counter, 0..4294967295: a device accepts only a counter above the "
                   "one of the model it runs")
      ->required();
  package_cmd->add_option("--board", p->options.board, "mps2-an386, mps2-an500 or mps3-an547")
      ->required();
  package_cmd->add_option("--self-test", p->self_test,
                          "Raw bytes of every model input, in order: the device runs them and "
                          "must get the output the host got before switching");
  package_cmd->add_option("--metadata", p->metadata,
                          "A JSON object of training metadata to carry (dataset hash, test "
                          "metrics, e.g. train --json's output)");
  package_cmd->add_option("-o,--output", p->options.output, "The .tfpkg to write")->required();
  package_cmd->add_flag("--json", p->json, "Print one JSON object as the last line");
  package_cmd->callback(
      [p, &exit_code]() { exit_code = run_command(p->json, [&]() { return package(*p); }); });

  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Check a model package as a device would: header, size, Ed25519 signature, payload "
      "SHA-256, the model (the runtime's verifier) and its self-test; exits 1 with the reason "
      "when any fails");
  auto v = std::make_shared<VerifyCommand>();
  verify_cmd->add_option("package", v->package, "The .tfpkg file")->required();
  verify_cmd->add_option("--pub", v->public_key, "KEYDIR/public.pem")->required();
  verify_cmd->add_flag("--json", v->json, "Print one JSON object as the last line");
  verify_cmd->callback(
      [v, &exit_code]() { exit_code = run_command(v->json, [&]() { return verify(*v); }); });
}

}  // namespace tinyforge::cli
