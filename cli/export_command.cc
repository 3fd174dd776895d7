// `tinyforge export c-array MODEL.tflite -o model_data.h [--source] [--name N] [--section S]
// [--progmem] [--json]` and `tinyforge export arduino MODEL.tflite -o DIR [--name N] [--zip]
// [--json]`, and `tinyforge export aot MODEL.tflite -o DIR [--board B] [--name N] [--json]`
#include <iostream>

#include "cli/command.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/export/aot_code.h"
#include "toolkit/export/arduino_library.h"
#include "toolkit/export/c_array.h"
#include "toolkit/inspect/arena_figures.h"

namespace tinyforge::cli {
namespace {

struct CArrayCommand {
  std::string model;
  std::string output;
  host::CArrayOptions options;
  bool json = false;
};

nlohmann::json export_c_array(CArrayCommand c) {
  if (!c.options.board.empty())
    c.options.device_kernels = deploy::board_info(c.options.board).kernels;
  const host::CArrayResult r = host::export_c_array(c.model, c.output, c.options);
  std::vector<std::string> files;
  for (const auto& f : r.files) files.push_back(f.string());
  if (!c.json) {
    std::cout << "wrote";
    for (const auto& f : files) std::cout << " " << f;
    std::cout << ": " << r.identifier << "[" << r.bytes << "], sha256 " << r.sha256 << "\n";
  }
  nlohmann::json result = {
      {"output", files}, {"identifier", r.identifier}, {"bytes", r.bytes}, {"sha256", r.sha256}};
  if (r.device_arena_bytes > 0) {
    host::add_device_arena_json(result,
                                {c.options.board, c.options.device_kernels, r.device_arena_bytes});
  }
  return result;
}

struct ArduinoCommand {
  std::string model;
  std::string output;
  host::ArduinoOptions options;
  bool json = false;
};

nlohmann::json export_arduino(const ArduinoCommand& c) {
  const host::ArduinoLibrary r = host::export_arduino_library(c.model, c.output, c.options);
  if (!c.json) {
    std::cout << "wrote Arduino library '" << r.name << "' to " << r.dir.string() << " ("
              << r.source_files << " source files, model " << r.model_bytes << " bytes, arena "
              << r.arena_bytes << " bytes)\n";
    if (!r.zip.empty()) std::cout << "wrote " << r.zip.string() << "\n";
    std::cout << "example: " << (r.dir / "examples" / r.example / (r.example + ".ino")).string()
              << "\n";
  }
  nlohmann::json result = {{"output", r.dir.string()},     {"name", r.name},
                           {"example", r.example},         {"ops", r.ops},
                           {"dtypes", r.dtypes},           {"source_files", r.source_files},
                           {"model_bytes", r.model_bytes}, {"arena_bytes", r.arena_bytes}};
  if (!r.zip.empty()) result["zip"] = r.zip.string();
  return result;
}

void add_arduino_command(CLI::App& export_cmd, int& exit_code) {
  auto* arduino = export_cmd.add_subcommand(
      "arduino",
      "Write the model and the runtime sources its operators and dtypes need as an Arduino "
      "library (library.properties, src/ with the TinyforgeModel class, an example sketch); "
      "docs/arduino.md");
  auto c = std::make_shared<ArduinoCommand>();
  arduino->add_option("model", c->model, "The .tflite file")->required();
  arduino
      ->add_option("-o,--output", c->output,
                   "The library directory to write (replaced if an earlier export)")
      ->required();
  arduino->add_option("--name", c->options.name,
                      "The library's name (default: the output directory's name)");
  arduino->add_flag("--zip", c->options.zip,
                    "Also write DIR.zip, for the Arduino IDE's \"Add .ZIP Library\"");
  arduino->add_flag("--json", c->json, "Print one JSON object as the last line");
  arduino->callback([c, &exit_code]() {
    exit_code = run_command(c->json, [&]() { return export_arduino(*c); });
  });
}

struct AotCommand {
  std::string model;
  std::string output;
  std::string board;
  host::AotOptions options;
  bool json = false;
};

nlohmann::json export_aot(AotCommand c) {
  if (!c.board.empty()) c.options.kernels = deploy::board_info(c.board).kernels;
  host::AotCode code;
  const auto files = host::export_aot(c.model, c.output, c.options, &code);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.string());
  if (!c.json) {
    std::cout << "wrote " << names[0] << " and " << names[1] << ": " << code.ops.size()
              << " operator kind(s), arena " << code.arena_bytes << " bytes for the "
              << host::kernel_set_name(c.options.kernels) << " kernels\n";
  }
  return {{"output", names},
          {"name", c.options.name},
          {"arena_bytes", code.arena_bytes},
          {"kernels", host::kernel_set_name(c.options.kernels)},
          {"ops", std::vector<std::string>(code.ops.begin(), code.ops.end())}};
}

void add_aot_command(CLI::App& export_cmd, int& exit_code) {
  auto* aot = export_cmd.add_subcommand(
      "aot",
      "Compile the model ahead of time into C++ (DIR/NAME.h, DIR/NAME.cc): the operators as "
      "straight-line kernel calls with the planned arena offsets and precomputed parameters, "
      "constant data as typed arrays; no interpreter on the device (docs/aot.md)");
  auto c = std::make_shared<AotCommand>();
  aot->add_option("model", c->model, "The .tflite file")->required();
  aot->add_option("-o,--output", c->output, "The directory to write the code into")->required();
  aot->add_option("--board", c->board,
                  "Generate for this board's kernels (mps2-an386, mps2-an500, mps3-an547); "
                  "default: the reference kernels");
  aot->add_option("--name", c->options.name,
                  "File stem and C++ namespace of the code (default: model_aot)");
  aot->add_flag("--json", c->json, "Print one JSON object as the last line");
  aot->callback(
      [c, &exit_code]() { exit_code = run_command(c->json, [&]() { return export_aot(*c); }); });
}

}  // namespace

void add_export_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("export", "Export a model for other toolchains");
  cmd->require_subcommand(1);
  auto* c_array = cmd->add_subcommand(
      "c-array",
      "Write a .tflite file as a 16-byte aligned const byte array in a C/C++ header, with what a "
      "device program needs beside it: the arena size, the input quantization and normalization "
      "and the class names (from the model's tinyforge metadata)");
  auto c = std::make_shared<CArrayCommand>();
  c_array->add_option("model", c->model, "The .tflite file")->required();
  c_array->add_option("-o,--output", c->output, "The header to write (e.g. model_data.h)")
      ->required();
  c_array->add_flag("--source", c->options.source,
                    "Write a declaring header and a defining .cc beside it");
  c_array->add_option("--name", c->options.name,
                      "The array's identifier (default: derived from the file name)");
  c_array->add_option("--section", c->options.section, "Place the array in this linker section");
  c_array->add_flag("--progmem", c->options.progmem, "Mark the array PROGMEM (AVR-style flash)");
  c_array->add_option("--board", c->options.board,
                      "Plan the arena constant (ID_arena_bytes) for this board's kernels "
                      "(mps2-an386, mps2-an500, mps3-an547); default: the reference kernels");
  c_array->add_flag("--json", c->json, "Print one JSON object as the last line");
  c_array->callback([c, &exit_code]() {
    exit_code = run_command(c->json, [&]() { return export_c_array(*c); });
  });
  add_arduino_command(*cmd, exit_code);
  add_aot_command(*cmd, exit_code);
}

}  // namespace tinyforge::cli
