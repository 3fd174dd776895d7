#include "toolkit/tune/search.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "toolkit/deploy/firmware_project.h"
#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/pipeline/convert.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/tune/device_figures.h"
#include "toolkit/tune/pareto.h"
#include "toolkit/tune/search_space.h"
#include "toolkit/tune/trial_project.h"
#include "toolkit/tune/trial_script.h"

namespace tinyforge::tune {
namespace {

namespace fs = std::filesystem;

void write_json(const fs::path& path, const nlohmann::json& j) {
  const std::string text = j.dump(2) + "\n";
  host::write_file(path, text.data(), text.size());
}

struct Trial {
  Candidate candidate;
  fs::path dir;
  std::string status;  // pruned, invalid, failed, over budget, trained
  std::string reason;
  Figures before;  // the untrained int8 model
  int rung = -1;   // the last rung it finished
  RungResult result;
  Figures after;  // the trained int8 model of that rung
  bool eligible() const { return status == "trained"; }
};

class Search {
 public:
  explicit Search(const TuneOptions& o)
      : o_(o), rng_(o.seed), figures_(o.board, o.out / "device-cache") {
    budgets_ = o.budgets;
    if (budgets_.clock_mhz <= 0) budgets_.clock_mhz = deploy::board_info(o.board).clock_mhz;
    project_yaml_ = YAML::LoadFile(o.project.string());
    base_ = pipeline::load_project(o.project);
    if (o.data) {
      pipeline::Overrides overrides;
      overrides.data_path = o.data;
      pipeline::apply_overrides(base_, overrides);
      project_yaml_["data"]["path"] = base_.data.path;  // absolute: trials keep it as it is
    }
    space_ = parse_search_space(project_yaml_["tune"], data::format_name(base_.data.format),
                                o.project.filename().string());
    epochs_ = o.epochs.value_or(base_.training.trainer.epochs);
    if (epochs_ < 1) throw host::Error("tune: --epochs: expected at least 1");
    rungs_ = rung_epochs(epochs_);
    if (o.executor == "slurm") {
      executor_ = make_slurm_executor(o.slurm);
    } else if (o.executor == "local") {
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      executor_ = make_local_executor(o.parallel > 0 ? o.parallel
                                                     : std::max(1, cores / std::max(1, o.threads)));
    } else {
      throw host::Error("tune: --executor: expected local or slurm, got '" + o.executor + "'");
    }
    script_ = {o.tinyforge, o.board, o.threads};
  }

  nlohmann::json run() {
    const auto start = std::chrono::steady_clock::now();
    fs::create_directories(o_.out / "trials");
    check_settings();
    const int random_count = (o_.trials + 1) / 2;
    run_rung(propose(random_count, false), 0);
    run_rung(propose(o_.trials - random_count, true), 0);
    for (size_t r = 1; r < rungs_.size(); ++r) {
      std::vector<Trial*> ranked = ranked_at(static_cast<int>(r) - 1);
      ranked.resize((ranked.size() + 1) / 2);
      run_rung(ranked, static_cast<int>(r));
    }
    nlohmann::json result = report();
    result["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

 private:
  void say(const std::string& line) const {
    if (o_.progress) std::cerr << "tune: " << line << std::endl;
  }

  // A search continues in its directory only with the settings it started with.
  void check_settings() {
    nlohmann::json s = {{"project", fs::absolute(o_.project).lexically_normal().string()},
                        {"data", base_.data.path},
                        {"board", o_.board},
                        {"trials", o_.trials},
                        {"epochs", epochs_},
                        {"seed", o_.seed},
                        {"max_arena_bytes", nullptr},
                        {"max_flash_bytes", nullptr},
                        {"max_model_bytes", nullptr},
                        {"max_latency_ms", nullptr},
                        {"clock_mhz", budgets_.clock_mhz}};
    if (budgets_.arena_bytes) s["max_arena_bytes"] = *budgets_.arena_bytes;
    if (budgets_.flash_bytes) s["max_flash_bytes"] = *budgets_.flash_bytes;
    if (budgets_.model_bytes) s["max_model_bytes"] = *budgets_.model_bytes;
    if (budgets_.latency_ms) s["max_latency_ms"] = *budgets_.latency_ms;
    const fs::path file = o_.out / "tune.json";
    if (fs::exists(file)) {
      const nlohmann::json before = nlohmann::json::parse(deploy::read_text(file));
      if (before != s) {
        throw host::Error(file.string() + ": this directory holds a search with other settings (" +
                          before.dump() + "); continue it with those, or use another --out");
      }
      say("continuing the search in " + o_.out.string());
    }
    write_json(file, s);
  }

  const data::DatasetSplit& data_for(const pipeline::Project& p) {
    // Feature settings and the image size change the samples (their key is the features and
    // data.image blocks as written); everything else a trial changes leaves the data as it is.
    const YAML::Node written = YAML::LoadFile(p.path.string());
    std::string key;
    if (const YAML::Node data = written["data"]; data && data["image"])
      key = YAML::Dump(data["image"]);
    if (p.features) key += "\n" + YAML::Dump(written["features"]);
    auto it = data_.find(key);
    if (it == data_.end()) it = data_.emplace(key, pipeline::load_project_data(p)).first;
    return it->second;
  }

  int classes() {
    if (classes_ == 0) classes_ = data_for(base_).train.num_classes();
    return classes_;
  }

  // Exact device figures of the candidate's untrained int8 model, remembered in its directory.
  void precheck(Trial& t) {
    const fs::path record = t.dir / "precheck.json";
    if (!fs::exists(record)) {
      nlohmann::json j;
      try {
        const std::string text = trial_project_text(project_yaml_, o_.project.parent_path(),
                                                    t.candidate, classes(), t.dir / "rung0");
        fs::create_directories(t.dir);
        host::write_file(t.dir / "project.yaml", text.data(), text.size());
        const pipeline::Project p = pipeline::load_project(t.dir / "project.yaml");
        const data::DatasetSplit& split = data_for(p);
        const graph::Graph g =
            pipeline::build_model(p.model, split.train.sample_shape(), split.train.num_classes(),
                                  p.training.trainer.seed);
        pipeline::ConvertOptions co;
        co.calibration_samples = 32;
        co.progress = false;
        const std::vector<uint8_t> bytes = pipeline::convert_graph(
            g, split.train, co,
            pipeline::export_metadata(split.train.class_names(), split.normalization));
        const fs::path model = t.dir / "untrained_int8.tflite";
        host::write_file(model, bytes.data(), bytes.size());
        const Figures f = figures_.measure(model, budgets_.latency_ms.has_value());
        j = {{"figures", f.to_json(budgets_.clock_mhz)}, {"over_budget", over_budget(f, budgets_)}};
      } catch (const std::exception& e) {
        j = {{"invalid", e.what()}};
        fs::create_directories(t.dir);
      }
      write_json(record, j);
    }
    const nlohmann::json j = nlohmann::json::parse(deploy::read_text(record));
    if (j.contains("invalid")) {
      t.status = "invalid";
      t.reason = j["invalid"].get<std::string>();
      return;
    }
    t.before = Figures::from_json(j["figures"]);
    t.reason = j["over_budget"].get<std::string>();
    t.status = t.reason.empty() ? "queued" : "pruned";
  }

  // Up to `count` new candidates within budget: drawn at random, or (`evolve`) mutations of the
  // winners of two-way tournaments among the best so far.
  std::vector<Trial*> propose(int count, bool evolve) {
    std::vector<Trial*> batch;
    const std::vector<Trial*> parents = ranked_at(0);
    for (int attempts = 0; static_cast<int>(batch.size()) < count && attempts < 200 * count;
         ++attempts) {
      Candidate c;
      if (evolve && !parents.empty()) {
        const size_t pool = std::max<size_t>(1, (parents.size() + 1) / 2);
        const size_t a = data::uniform_below(rng_, pool), b = data::uniform_below(rng_, pool);
        c = space_.mutate(parents[std::min(a, b)]->candidate, rng_);
      } else {
        c = space_.sample(rng_);
      }
      if (!seen_.insert(c.key()).second) continue;
      Trial& t = trials_.emplace_back();
      t.candidate = c;
      t.dir = o_.out / "trials" / c.key();
      precheck(t);
      say(c.key() + ": " + (t.status == "queued" ? "within budget" : t.status + ": " + t.reason));
      if (t.status == "queued") batch.push_back(&t);
      if (seen_.size() >= space_.size()) break;
    }
    return batch;
  }

  void run_rung(const std::vector<Trial*>& batch, int rung) {
    if (batch.empty()) return;
    std::vector<TrialJob> jobs;
    for (Trial* t : batch) {
      if (read_rung_result(t->dir, rung).finished) continue;  // done before the search stopped
      jobs.push_back(write_trial_script(t->dir, t->candidate.key(), rung, rungs_[rung], script_));
    }
    say("rung " + std::to_string(rung) + " (" + std::to_string(rungs_[rung]) + " epochs): " +
        std::to_string(jobs.size()) + (jobs.size() == 1 ? " trial" : " trials") + " on " +
        executor_->name() + " (" + std::to_string(batch.size() - jobs.size()) + " done before)");
    executor_->run(jobs);
    for (Trial* t : batch) {
      const RungResult r = read_rung_result(t->dir, rung);
      if (!r.finished) {
        t->status = "failed";
        t->reason = r.error;
        continue;
      }
      t->rung = rung;
      t->result = r;
      t->after = figures_.measure(r.model, false);
      t->after.instructions = r.instructions;
      t->reason = over_budget(t->after, budgets_);
      t->status = t->reason.empty() ? "trained" : "over budget";
      std::ostringstream line;
      line << t->candidate.key() << ": int8 " << r.accuracy_pct << " % after " << rungs_[rung]
           << " epochs" << (t->reason.empty() ? "" : " (over budget: " + t->reason + ")");
      say(line.str());
    }
  }

  // Trials that finished rung `rung` within budget, best first (ties by name, so the order is the
  // same on every run).
  std::vector<Trial*> ranked_at(int rung) {
    std::vector<Trial*> r;
    for (Trial& t : trials_)
      if (t.eligible() && t.rung == rung) r.push_back(&t);
    std::sort(r.begin(), r.end(), [](const Trial* a, const Trial* b) {
      if (a->result.accuracy_pct != b->result.accuracy_pct)
        return a->result.accuracy_pct > b->result.accuracy_pct;
      return a->candidate.key() < b->candidate.key();
    });
    return r;
  }

  nlohmann::json row(const Trial& t) const {
    const Figures& f = t.rung >= 0 ? t.after : t.before;
    nlohmann::json j = {
        {"trial", t.candidate.key()},   {"status", t.status},
        {"reason", t.reason},           {"candidate", t.candidate.to_json()},
        {"dir", t.dir.string()},        {"epochs", t.rung >= 0 ? rungs_[t.rung] : 0},
        {"test_accuracy_pct", nullptr}, {"float_accuracy_pct", nullptr},
        {"train_seconds", nullptr},     {"model", nullptr}};
    j.update(f.to_json(budgets_.clock_mhz));
    if (t.rung >= 0) {
      j["test_accuracy_pct"] = t.result.accuracy_pct;
      j["float_accuracy_pct"] = t.result.float_accuracy_pct;
      j["train_seconds"] = t.result.train_seconds;
      j["model"] = t.result.model.string();
    }
    return j;
  }

  // The best trial: the longest-trained within budget, then the most accurate.
  const Trial* best() const {
    const Trial* best = nullptr;
    for (const Trial& t : trials_) {
      if (!t.eligible()) continue;
      if (best == nullptr || t.rung > best->rung ||
          (t.rung == best->rung && t.result.accuracy_pct > best->result.accuracy_pct))
        best = &t;
    }
    return best;
  }

  // The best model with its project and checkpoint in OUT/best, deployed to prove it fits.
  nlohmann::json keep_best(const Trial& t) const {
    const fs::path dir = o_.out / "best";
    fs::create_directories(dir);
    const fs::path run = t.dir / ("rung" + std::to_string(t.rung));
    fs::copy_file(t.result.model, dir / "model_int8.tflite", fs::copy_options::overwrite_existing);
    fs::copy_file(run / "model.tfm", dir / "model.tfm", fs::copy_options::overwrite_existing);
    fs::copy_file(t.dir / "project.yaml", dir / "project.yaml",
                  fs::copy_options::overwrite_existing);
    deploy::DeployOptions options;
    options.progress = false;
    const deploy::DeployReport r =
        deploy::deploy_model(dir / "model_int8.tflite", o_.board, dir / "firmware", options);
    const uint64_t flash = r.flash_code_bytes + r.flash_model_bytes;
    const bool within = (!budgets_.arena_bytes || r.ram_arena_bytes <= *budgets_.arena_bytes) &&
                        (!budgets_.flash_bytes || flash <= *budgets_.flash_bytes) &&
                        (!budgets_.model_bytes || r.flash_model_bytes <= *budgets_.model_bytes) &&
                        r.fits;
    return {{"elf", r.elf.string()},
            {"flash_code_bytes", r.flash_code_bytes},
            {"flash_model_bytes", r.flash_model_bytes},
            {"flash_bytes", flash},
            {"ram_arena_bytes", r.ram_arena_bytes},
            {"fits", r.fits},
            {"within_budget", within}};
  }

  nlohmann::json report() const {
    nlohmann::json rows = nlohmann::json::array();
    std::vector<ParetoPoint> points;
    std::vector<size_t> point_rows;
    double train_seconds = 0;
    for (const Trial& t : trials_) {
      rows.push_back(row(t));
      if (t.rung >= 0) train_seconds += t.result.train_seconds;
      if (!t.eligible()) continue;
      points.push_back({t.result.accuracy_pct, t.after.arena_bytes, t.after.flash_bytes,
                        t.after.latency_ms(budgets_.clock_mhz).value_or(0)});
      point_rows.push_back(rows.size() - 1);
    }
    nlohmann::json pareto = nlohmann::json::array();
    for (size_t i : pareto_front(points)) pareto.push_back(rows[point_rows[i]]);
    nlohmann::json result = {{"board", o_.board},
                             {"executor", executor_->name()},
                             {"seed", o_.seed},
                             {"rung_epochs", rungs_},
                             {"clock_mhz", budgets_.clock_mhz},
                             {"trials", rows},
                             {"pareto", pareto},
                             {"train_seconds", train_seconds},
                             {"best_model", nullptr},
                             {"test_accuracy_pct", nullptr}};
    const Trial* b = best();
    if (b == nullptr) {
      result["error"] = "no trial produced a model within the budgets (see trials)";
      return result;
    }
    result["best_model"] = (o_.out / "best" / "model_int8.tflite").string();
    result["best_project"] = (o_.out / "best" / "project.yaml").string();
    result["best_trial"] = b->candidate.key();
    result["test_accuracy_pct"] = b->result.accuracy_pct;
    result["float_accuracy_pct"] = b->result.float_accuracy_pct;
    const nlohmann::json f = b->after.to_json(budgets_.clock_mhz);
    for (const char* k : {"arena_bytes", "flash_bytes", "model_bytes", "latency_ms", "instructions",
                          "macs", "params"})
      result[k] = f[k];
    result["deployed"] = keep_best(*b);
    return result;
  }

  TuneOptions o_;
  data::Rng rng_;
  DeviceFigures figures_;
  Budgets budgets_;
  YAML::Node project_yaml_;
  pipeline::Project base_;
  SearchSpace space_;
  int epochs_ = 0;
  std::vector<int> rungs_;
  std::unique_ptr<Executor> executor_;
  ScriptSettings script_;
  std::deque<Trial> trials_;
  std::set<std::string> seen_;
  std::map<std::string, data::DatasetSplit> data_;
  int classes_ = 0;
};

std::string cell(const nlohmann::json& v, int precision = 2) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(precision) << v.get<double>();
    return s.str();
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::vector<int> rung_epochs(int epochs) {
  std::vector<int> rungs{epochs};
  while (rungs.size() < 3 && rungs.front() / 2 >= 1) rungs.insert(rungs.begin(), rungs.front() / 2);
  return rungs;
}

nlohmann::json run_tune(const TuneOptions& options) { return Search(options).run(); }

std::string tune_table(const nlohmann::json& result) {
  std::ostringstream s;
  s << std::left << std::setw(44) << "trial" << std::right << std::setw(8) << "epochs"
    << std::setw(9) << "int8 %" << std::setw(9) << "arena" << std::setw(9) << "flash"
    << std::setw(10) << "ms" << std::setw(11) << "MACs"
    << "  status\n";
  for (const auto& r : result["trials"]) {
    s << std::left << std::setw(44) << r["trial"].get<std::string>() << std::right << std::setw(8)
      << cell(r["epochs"]) << std::setw(9) << cell(r["test_accuracy_pct"]) << std::setw(9)
      << cell(r["arena_bytes"]) << std::setw(9) << cell(r["flash_bytes"]) << std::setw(10)
      << cell(r["latency_ms"], 3) << std::setw(11) << cell(r["macs"]) << "  "
      << r["status"].get<std::string>()
      << (r["reason"].get<std::string>().empty() ? "" : ": " + r["reason"].get<std::string>())
      << "\n";
  }
  s << "\nPareto front (int8 accuracy against arena, flash and latency):\n";
  for (const auto& r : result["pareto"]) {
    s << "  " << r["trial"].get<std::string>() << ": " << cell(r["test_accuracy_pct"])
      << " %, arena " << cell(r["arena_bytes"]) << ", flash " << cell(r["flash_bytes"]) << ", "
      << cell(r["latency_ms"], 3) << " ms\n";
  }
  if (!result["best_model"].is_null()) {
    s << "\nbest: " << result["best_trial"].get<std::string>() << ", int8 "
      << cell(result["test_accuracy_pct"]) << " % -> " << result["best_model"].get<std::string>()
      << " (project " << result["best_project"].get<std::string>() << "; deployed: flash "
      << cell(result["deployed"]["flash_bytes"]) << ", arena "
      << cell(result["deployed"]["ram_arena_bytes"]) << ")\n";
  }
  return s.str();
}

}  // namespace tinyforge::tune
