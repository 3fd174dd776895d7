#include "toolkit/tune/trial_script.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include "toolkit/deploy/shell.h"

namespace tinyforge::tune {
namespace {

std::optional<nlohmann::json> last_json_line(const std::filesystem::path& file) {
  std::istringstream lines(deploy::read_text(file));
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  try {
    return nlohmann::json::parse(last);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

TrialJob write_trial_script(const std::filesystem::path& trial_dir, const std::string& name,
                            int rung, int epochs, const ScriptSettings& settings) {
  using deploy::shell_quote;
  const std::string r = "rung" + std::to_string(rung);
  const std::string tf = shell_quote(settings.tinyforge.string());
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# tinyforge tune: trial " << name << ", " << r << " (" << epochs << " epochs)\n"
    << "cd " << shell_quote(trial_dir.string()) << " || exit 1\n"
    << "rm -f " << r << ".status\n"
    << "export OMP_NUM_THREADS=" << settings.threads << "\n"
    << "trial() {\n";
  if (rung > 0) {
    // The previous rung's checkpoint continues to this rung's epochs (successive halving).
    const std::string previous = "rung" + std::to_string(rung - 1);
    s << "  rm -rf " << r << " && cp -r " << previous << " " << r << " && rm -f " << r
      << "/model_int8.tflite || return 1\n"
      << "  " << tf << " train project.yaml --epochs " << epochs << " --out " << r
      << " --resume --json > " << r << ".train.json || return 1\n";
  } else {
    s << "  " << tf << " train project.yaml --epochs " << epochs << " --out " << r
      << " --overwrite --json > " << r << ".train.json || return 1\n";
  }
  s << "  " << tf << " convert " << r << "/model.tfm --int8 -o " << r
    << "/model_int8.tflite --json > " << r << ".convert.json || return 1\n"
    << "  " << tf << " run " << r << "/model_int8.tflite --board " << shell_quote(settings.board)
    << " --random 1 --json > " << r << ".run.json || return 1\n"
    << "}\n"
    << "trial\n"
    << "echo $? > " << r << ".status.tmp && mv " << r << ".status.tmp " << r << ".status\n";
  const std::filesystem::path script = trial_dir / (r + ".sh");
  std::ofstream(script) << s.str();
  return {name + "-" + r, script, trial_dir / (r + ".status"), trial_dir / (r + ".log")};
}

RungResult read_rung_result(const std::filesystem::path& trial_dir, int rung) {
  const std::string r = "rung" + std::to_string(rung);
  RungResult result;
  result.model = trial_dir / r / "model_int8.tflite";
  const TrialJob job{"", "", trial_dir / (r + ".status"), ""};
  if (job_status(job) != 0) {
    result.error = "the trial failed; see " + (trial_dir / (r + ".log")).string();
    return result;
  }
  const auto train = last_json_line(trial_dir / (r + ".train.json"));
  const auto convert = last_json_line(trial_dir / (r + ".convert.json"));
  const auto run = last_json_line(trial_dir / (r + ".run.json"));
  if (!train || !convert || !run || !convert->contains("output_accuracy_pct")) {
    result.error = "the trial's results in " + trial_dir.string() + " are incomplete";
    return result;
  }
  result.finished = true;
  result.accuracy_pct = convert->value("output_accuracy_pct", 0.0);
  result.float_accuracy_pct = convert->value("float_accuracy_pct", 0.0);
  for (const auto& s : train->value("seconds_per_epoch", nlohmann::json::array()))
    result.train_seconds += s.get<double>();
  if (run->contains("instructions")) result.instructions = (*run)["instructions"].get<uint64_t>();
  return result;
}

}  // namespace tinyforge::tune
