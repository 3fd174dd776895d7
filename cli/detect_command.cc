#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "toolkit/pipeline/detect_run.h"

namespace tinyforge::cli {

void add_detect_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "detect",
      "Find and count objects: run a centroid or box detector (.tflite from train/convert of a voc "
      "or yolo project, int8 or float) on images, print each object's class, score and centre (and "
      "box), and draw them onto a PNG");
  struct Options {
    pipeline::DetectRequest request;
    std::string output;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("model", options->request.model, "The detector (.tflite)")->required();
  cmd->add_option("images", options->request.images, "Images (PNG, JPEG or BMP)")->required();
  cmd->add_option("-o,--output", options->output,
                  "PNG with the objects drawn (several images: OUT_<image>.png each)");
  cmd->add_option("--threshold", options->request.threshold,
                  "Probability a cell must reach to be an object (default 0.5)");
  cmd->add_option("--iou", options->request.iou,
                  "Box detectors: drop a box overlapping a higher-scoring one of its class by more "
                  "than this IoU (default 0.5)");
  cmd->add_flag("--json", options->json, "Print one JSON object (DESIGN.md keys) as the last line");
  cmd->callback([options, &exit_code]() {
    exit_code = run_command(options->json, [&]() {
      options->request.output = options->output;
      const nlohmann::json result = pipeline::run_detect(options->request);
      if (!options->json) {
        for (const nlohmann::json& image : result["images"]) {
          std::cout << image["image"].get<std::string>() << ": " << image["objects"].size()
                    << " object(s)";
          if (!image["count"].empty()) std::cout << " " << image["count"].dump();
          std::cout << "\n";
          for (const nlohmann::json& o : image["objects"]) {
            char line[200];
            std::snprintf(line, sizeof line, "  %-12s score %.2f at (%.1f, %.1f)",
                          o["class"].get<std::string>().c_str(), o["score"].get<double>(),
                          o["x"].get<double>(), o["y"].get<double>());
            std::cout << line;
            if (o.contains("box")) {
              const nlohmann::json& b = o["box"];
              std::snprintf(line, sizeof line, " box (%.1f, %.1f)-(%.1f, %.1f)", b[0].get<double>(),
                            b[1].get<double>(), b[2].get<double>(), b[3].get<double>());
              std::cout << line;
            }
            std::cout << "\n";
          }
          if (image.contains("output"))
            std::cout << "  drawn: " << image["output"].get<std::string>() << "\n";
        }
      }
      return result;
    });
  });
}

}  // namespace tinyforge::cli
