// tinyforge report: every number placed in the page matches the JSON (or log.csv) it came from,
// sections without a source say so, and headless Chromium (Debian's chromium) opens the file:
// every section present, no console message (so no error and no request the page's
// Content-Security-Policy blocked), the static SVG plots without JavaScript, and a screenshot.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/shared_data.h"
#include "toolkit/deploy/shell.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/report/html_report.h"

namespace tinyforge {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path hello_world() {
  return testing::shared_dir() / "conformance/models/hello_world_int8.tflite";
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

json eval_json(const std::vector<std::vector<int>>& matrix, double accuracy) {
  json j = {{"accuracy_pct", accuracy},
            {"evaluated_split", "test"},
            {"evaluated_samples", 20},
            {"class_names", {"no", "yes"}},
            {"confusion_matrix", matrix},
            {"precision", {0.8125, 0.75}},
            {"recall", {0.9, 0.6666666666666666}},
            {"f1", {0.8421052631578947, 0.7058823529411765}},
            {"roc_auc", {0.91, 0.87}},
            {"support", {10, 10}},
            {"macro_f1", 0.7739938080495357},
            {"macro_roc_auc", 0.89}};
  return j;
}

// As eval writes it now, with the curves (older results have only the AUCs).
json eval_json_with_curves(const std::vector<std::vector<int>>& matrix, double accuracy) {
  json j = eval_json(matrix, accuracy);
  j["roc_curves"] = {{{"fpr", {0.0, 0.1, 0.4, 1.0}}, {"tpr", {0.0, 0.8, 0.9, 1.0}}},
                     {{"fpr", {0.0, 0.2, 1.0}}, {"tpr", {0.0, 0.7, 1.0}}}};
  return j;
}

// A run directory as train, eval, convert --error-report, deploy and run --profile leave it.
void write_run(const fs::path& dir) {
  write(
      dir / "train/log.csv",
      "epoch,learning_rate,train_loss,train_accuracy_pct,val_loss,val_accuracy_pct,seconds\n"
      "1,0.001,0.9,55.5,1.1,50,1.5\n2,0.0005,0.5,75.25,0.7,70,1.4\n3,0.00025,0.25,90,0.6,80,1.3\n");
  // Saved as the commands print them: progress lines, then the object.
  write(dir / "float.json",
        "progress\n" + eval_json_with_curves({{9, 1}, {2, 8}}, 85).dump() + "\n");
  write(dir / "int8_host.json", eval_json({{8, 2}, {3, 7}}, 75).dump());
  write(dir / "int8_layer_errors.json", json{{"samples", 100},
                                             {"layers",
                                              {{{"name", "dense"},
                                                {"op", "Dense"},
                                                {"sqnr_db", 41.5},
                                                {"rmse", 0.002},
                                                {"max_abs_error", 0.01},
                                                {"scale", 0.05}},
                                               {{"name", "logits"},
                                                {"op", "Dense"},
                                                {"sqnr_db", 37.25},
                                                {"rmse", 0.004},
                                                {"max_abs_error", 0.02},
                                                {"scale", 0.1}}}}}
                                            .dump(2));
  write(dir / "deploy.json", json{{"board", "mps2-an386"},
                                  {"flash_code_bytes", 30000},
                                  {"flash_model_bytes", 2704},
                                  {"flash_budget_bytes", 4194304},
                                  {"ram_arena_bytes", 512},
                                  {"ram_static_bytes", 16},
                                  {"ram_stack_bytes", 32768},
                                  {"ram_budget_bytes", 4194304}}
                                 .dump());
  write(dir / "profile.json",
        json{{"board", "mps2-an386"},
             {"instructions", 1234},
             {"op_instructions",
              {{{"op", 0}, {"name", "FULLY_CONNECTED"}, {"instructions", 400}},
               {{"op", 1}, {"name", "FULLY_CONNECTED"}, {"instructions", 500}},
               {{"op", 2}, {"name", "FULLY_CONNECTED"}, {"instructions", 334}}}}}
            .dump());
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// log.csv as the report reads it: {"rows": [{column: number}]}.
json log_json(const fs::path& csv) {
  std::istringstream in(read(csv));
  std::string line;
  std::vector<std::string> columns;
  json rows = json::array();
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    json row = json::object();
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!cells[i].empty()) row[columns[i]] = std::stod(cells[i]);
    }
    rows.push_back(row);
  }
  return {{"rows", rows}};
}

json source_json(const fs::path& run, const std::string& html, const std::string& name) {
  if (name.size() > 4 && name.substr(name.size() - 4) == ".csv") return log_json(run / name);
  if (fs::exists(run / name)) {
    const std::string text = read(run / name);
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) doc = json::parse(text.substr(text.rfind('\n', text.size() - 2) + 1));
    return doc;
  }
  const std::string open = "<script type=\"application/json\" id=\"" + name + "\">";
  const size_t start = html.find(open);
  EXPECT_NE(start, std::string::npos) << name << " is neither a file nor embedded";
  const size_t end = html.find("</script>", start);
  return json::parse(html.substr(start + open.size(), end - start - open.size()));
}

TEST(Report, EveryNumberMatchesTheJsonItCameFrom) {
  TINYFORGE_REQUIRE_SHARED();
  const host::TempDir temp("tinyforge-report-test-");
  const fs::path run = temp.path() / "run";
  write_run(run);
  const fs::path page = temp.path() / "report.html";
  const auto r = testing::run_cli("report " + run.string() + " --model " + hello_world().string() +
                                  " -o " + page.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Every section has its source but the spectrogram (no --sample).
  ASSERT_EQ(r.last_json()["missing"].size(), 1u) << r.out;
  EXPECT_NE(r.last_json()["missing"][0].get<std::string>().find("--sample"), std::string::npos);
  const std::string html = read(page);
  EXPECT_EQ(r.last_json()["bytes"], html.size());
  for (const auto& id : report::report_sections())
    EXPECT_NE(html.find("<section id=\"" + id + "\">"), std::string::npos) << id;

  std::map<std::string, json> sources;
  std::map<std::string, int> per_source;
  const std::regex attribute("data-src=\"([^\"#]+)#([^\"]*)\" data-value=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attribute);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    if (!sources.count(name)) sources[name] = source_json(run, html, name);
    const json& value = sources[name].at(json::json_pointer((*it)[2].str()));
    EXPECT_DOUBLE_EQ(value.get<double>(), std::stod((*it)[3])) << name << "#" << (*it)[2];
    ++per_source[name];
  }
  // Every cell of both confusion matrices, the curves (3 epochs x 5 columns), the layers, the
  // profile and the inspect figures are sourced.
  EXPECT_GE(per_source["float.json"], 4 + 6 + 2 + 4);
  EXPECT_GE(per_source["int8_host.json"], 4 + 6 + 2 + 4);
  EXPECT_EQ(per_source["train/log.csv"], 15);
  EXPECT_EQ(per_source["int8_layer_errors.json"], 2 * 4 + 2);
  EXPECT_EQ(per_source["profile.json"], 2 * 3);
  EXPECT_EQ(per_source["deploy.json"], 2);
  EXPECT_GE(per_source["inspect"], 5);
  // float.json kept its ROC curves: drawn, each carrying its class's AUC; int8_host.json did not:
  // its AUCs as bars.
  EXPECT_NE(html.find("points=\"64,276 88,84 160,60 304,36 \" data-src=\"float.json#/roc_auc/0\""),
            std::string::npos);
  EXPECT_NE(html.find("class=\"roc\""), std::string::npos);
  EXPECT_NE(html.find("<rect class=\"bar\""), std::string::npos);
  // The confusion matrix cell shows the count it holds.
  EXPECT_NE(html.find("data-src=\"int8_host.json#/confusion_matrix/1/0\" data-value=\"3\">3<"),
            std::string::npos);
}

TEST(Report, NamesWhatASectionLacks) {
  TINYFORGE_REQUIRE_SHARED();
  const host::TempDir temp("tinyforge-report-test-");
  const fs::path page = temp.path() / "report.html";
  const auto r = testing::run_cli("report " + temp.path().string() + " --model " +
                                  hello_world().string() + " -o " + page.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string missing = r.last_json()["missing"].dump();
  for (const char* what : {"log.csv", "eval --json", "--error-report", "--profile"})
    EXPECT_NE(missing.find(what), std::string::npos) << what << " in " << missing;
  const std::string html = read(page);
  for (const auto& id : report::report_sections())
    EXPECT_NE(html.find("<section id=\"" + id + "\">"), std::string::npos) << id;
  EXPECT_EQ(testing::run_cli("report " + (temp.path() / "absent").string() + " -o " + page.string())
                .exit_code,
            1);
}

// --sample draws the feature frames of a clip as the device computes them: TFLM's audio
// preprocessor on its "no" clip gives the golden 49 x 40 frames.
TEST(Report, SpectrogramHoldsTheFramesOfTheSample) {
  TINYFORGE_REQUIRE_SHARED();
  const fs::path data = testing::shared_dir() / "conformance/testdata/micro_speech";
  const host::TempDir temp("tinyforge-report-test-");
  const fs::path page = temp.path() / "report.html";
  const auto r = testing::run_cli(
      "report " + temp.path().string() + " --model " + hello_world().string() + " --features " +
      (data / "audio_preprocessor_int8.tflite").string() + " --stride-ms 20 --sample " +
      (data / "no_1000ms.wav").string() + " -o " + page.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.last_json()["missing"].dump().find("spectrogram"), std::string::npos);
  const std::string html = read(page);
  const json spectrogram = source_json(temp.path(), html, "spectrogram");
  EXPECT_EQ(spectrogram["frames"], 49);
  EXPECT_EQ(spectrogram["channels"], 40);
  const std::string golden = read(data / "no_1000ms_features_int8_49x40.bin");
  ASSERT_EQ(spectrogram["values"].size(), golden.size());
  for (size_t i = 0; i < golden.size(); ++i)
    ASSERT_EQ(spectrogram["values"][i].get<double>(), static_cast<int8_t>(golden[i])) << i;
  size_t bins = 0;
  for (size_t at = html.find("class=\"bin\""); at != std::string::npos;
       at = html.find("class=\"bin\"", at + 1))
    ++bins;
  EXPECT_EQ(bins, 49u * 40u);
}

bool have_chromium() { return deploy::shell("command -v chromium > /dev/null 2>&1") == 0; }

// Runs headless Chromium on the page with a fresh profile; stdout to `dom`, logs to `log`.
int chromium(const fs::path& page, const fs::path& work, const std::string& flags,
             const fs::path& dom, const fs::path& log) {
  return deploy::shell(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-extensions --disable-background-networking "
      "--user-data-dir=" +
      deploy::shell_quote((work / "profile").string()) + " --enable-logging=stderr --v=0 " + flags +
      " " + deploy::shell_quote("file://" + page.string()) + " > " +
      deploy::shell_quote(dom.string()) + " 2> " + deploy::shell_quote(log.string()));
}

TEST(Report, OpensInHeadlessChromiumWithoutErrorsOrRequests) {
  TINYFORGE_REQUIRE_SHARED();
  if (!have_chromium()) {
    if (testing::running_in_ci()) FAIL() << "chromium missing (scripts/setup installs it)";
    GTEST_SKIP() << "chromium missing";
  }
  const host::TempDir temp("tinyforge-report-browser-");
  const fs::path run = temp.path() / "run";
  write_run(run);
  const fs::path page = temp.path() / "report.html";
  ASSERT_EQ(testing::run_cli("report " + run.string() + " --model " + hello_world().string() +
                             " -o " + page.string())
                .exit_code,
            0);
  const std::string html = read(page);
  // Nothing that could reach the network: the only URL is SVG's namespace name.
  const std::regex url("https?://[^\"]*");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it)
    EXPECT_EQ((*it)[0].str(), "http://www.w3.org/2000/svg");

  const fs::path dom = temp.path() / "dom.html";
  const fs::path log = temp.path() / "chromium.log";
  ASSERT_EQ(chromium(page, temp.path(), "--virtual-time-budget=5000 --dump-dom", dom, log), 0)
      << read(log);
  const std::string rendered = read(dom);
  EXPECT_NE(rendered.find("data-js=\"ran\""), std::string::npos) << "the page's script did not run";
  for (const auto& id : report::report_sections())
    EXPECT_NE(rendered.find("<section id=\"" + id + "\">"), std::string::npos) << id;
  // Chromium logs every console message (errors, and requests the page's CSP blocked) as CONSOLE.
  const std::string messages = read(log);
  EXPECT_EQ(messages.find(":CONSOLE"), std::string::npos) << messages;

  // Without JavaScript the plots are there all the same: a copy whose policy forbids scripts
  // (--dump-dom itself needs JavaScript enabled in the browser).
  std::string no_script = html;
  const std::string allowed = "script-src 'unsafe-inline'";
  ASSERT_NE(no_script.find(allowed), std::string::npos);
  no_script.replace(no_script.find(allowed), allowed.size(), "script-src 'none'");
  const fs::path static_page_file = temp.path() / "no_script.html";
  write(static_page_file, no_script);
  const fs::path static_dom = temp.path() / "static.html";
  ASSERT_EQ(chromium(static_page_file, temp.path(), "--virtual-time-budget=5000 --dump-dom",
                     static_dom, log),
            0);
  const std::string static_page = read(static_dom);
  EXPECT_EQ(static_page.find("data-js=\"ran\""), std::string::npos);
  size_t plots = 0;
  for (size_t at = static_page.find("<svg"); at != std::string::npos;
       at = static_page.find("<svg", at + 4))
    ++plots;
  EXPECT_GE(plots, 8u);  // 3 curves, 2 matrices, ROC-AUC, SQNR, memory, profile

  // The screenshot, kept under the test's output directory (the build's tests/test-output).
  const fs::path shots = fs::current_path() / "test-output" / "report";
  fs::create_directories(shots);
  const fs::path shot = shots / "report.png";
  fs::remove(shot);
  ASSERT_EQ(chromium(page, temp.path(),
                     "--window-size=1280,4000 --screenshot=" + deploy::shell_quote(shot.string()),
                     temp.path() / "out.txt", log),
            0)
      << read(log);
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 10000u);
}

}  // namespace
}  // namespace tinyforge
