// tinyforge tune's parts: the search space (tune: block, defaults, sampling, mutation), trial
// project files, budgets and sizes, the Pareto front and successive halving's rungs. The search
// itself (executors, budgets checked by deploying) is tests/tune/tune_search_test.sh.
#include <gtest/gtest.h>

#include <set>

#include "toolkit/host/error.h"
#include "toolkit/pipeline/project.h"
#include "toolkit/tune/budget.h"
#include "toolkit/tune/pareto.h"
#include "toolkit/tune/search.h"
#include "toolkit/tune/search_space.h"
#include "toolkit/tune/trial_project.h"

namespace tinyforge::tune {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const host::Error& e) {
    return e.what();
  }
  return "";
}

TEST(TuneSearchSpace, DefaultsPerTaskAndOverrides) {
  EXPECT_EQ(default_search_space("fashion_mnist").families,
            (std::vector<std::string>{"cnn", "ds_cnn"}));
  EXPECT_EQ(default_search_space("wav_folder").families.front(), "ds_cnn");
  EXPECT_EQ(default_search_space("csv_windows").families, std::vector<std::string>{"mlp"});
  const SearchSpace s = parse_search_space(
      YAML::Load("{families: [mlp], width: [0.5, 2], depth: 3, features: {channels: [20, 40]}}"),
      "fashion_mnist", "p.yaml");
  EXPECT_EQ(s.families, std::vector<std::string>{"mlp"});
  EXPECT_EQ(s.widths, (std::vector<double>{0.5, 2}));
  EXPECT_EQ(s.depths, std::vector<int>{3});
  EXPECT_EQ(s.kernels, default_search_space("fashion_mnist").kernels);
  EXPECT_EQ(s.features.at("channels"), (std::vector<double>{20, 40}));
  EXPECT_EQ(s.size(), 1u * 2 * 1 * 2 * 3 * 2);
}

TEST(TuneSearchSpace, ErrorsNameTheFileAndKey) {
  const auto parse = [](const char* yaml) {
    return [yaml] { parse_search_space(YAML::Load(yaml), "fashion_mnist", "p.yaml"); };
  };
  EXPECT_NE(error_of(parse("{widths: [1]}")).find("p.yaml: tune.widths: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(parse("{width: [0, 1]}"))
                .find("p.yaml: tune.width: expected a list of "
                      "positive numbers, got 0"),
            std::string::npos);
  EXPECT_NE(error_of(parse("{families: [resnet]}")).find("tune.families"), std::string::npos);
  EXPECT_NE(error_of(parse("{depth: [two]}")).find("tune.depth"), std::string::npos);
  EXPECT_NE(error_of(parse("{head: [gap]}")).find("p.yaml: tune.head: expected dense or pool"),
            std::string::npos);
}

TEST(TuneSearchSpace, CnnHeadChoosesFlattenOrAveragePooling) {
  Candidate c;
  c.family = "cnn";
  c.width = 1.5;
  c.depth = 3;
  c.head = "pool";
  EXPECT_EQ(c.key(), "cnn-w1.5-d3-k3-pool-lr0.001");
  const auto types = [](const YAML::Node& layers) {
    std::vector<std::string> t;
    for (const auto& l : layers) t.push_back(l["type"].as<std::string>());
    return t;
  };
  std::vector<std::string> pooled = types(c.layers(10));
  EXPECT_EQ(std::vector<std::string>(pooled.end() - 2, pooled.end()),
            (std::vector<std::string>{"global_average_pool", "dense"}));
  c.head = "dense";
  EXPECT_EQ(c.key(), "cnn-w1.5-d3-k3-lr0.001");  // keys of searches before heads existed
  std::vector<std::string> dense = types(c.layers(10));
  EXPECT_EQ(std::vector<std::string>(dense.end() - 3, dense.end()),
            (std::vector<std::string>{"flatten", "dense", "dense"}));
  // The head is cnn's choice alone: a ds_cnn counts once however many heads there are.
  const SearchSpace s = parse_search_space(
      YAML::Load("{families: [cnn, ds_cnn], width: [1], depth: [1], kernel: [3], "
                 "head: [dense, pool], learning_rate: [0.001]}"),
      "fashion_mnist", "p.yaml");
  EXPECT_EQ(s.size(), 3u);
}

TEST(TuneSearchSpace, SamplingIsSeededAndMutationMovesOneStep) {
  const SearchSpace s = default_search_space("fashion_mnist");
  data::Rng a(7), b(7), c(8);
  std::vector<std::string> first, second, other;
  for (int i = 0; i < 20; ++i) {
    first.push_back(s.sample(a).key());
    second.push_back(s.sample(b).key());
    other.push_back(s.sample(c).key());
  }
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
  data::Rng rng(3);
  for (int i = 0; i < 50; ++i) {
    const Candidate parent = s.sample(rng);
    const Candidate child = s.mutate(parent, rng);
    int changed = (child.family != parent.family) + (child.width != parent.width) +
                  (child.depth != parent.depth) + (child.kernel != parent.kernel) +
                  (child.head != parent.head) + (child.resolution != parent.resolution) +
                  (child.learning_rate != parent.learning_rate);
    EXPECT_EQ(changed, 1) << parent.key() << " -> " << child.key();
    const auto& w = s.widths;
    const auto pi = std::find(w.begin(), w.end(), parent.width) - w.begin();
    const auto ci = std::find(w.begin(), w.end(), child.width) - w.begin();
    EXPECT_LE(std::abs(pi - ci), 1);  // neighbouring widths only
  }
}

TEST(TuneTrialProject, CandidateBecomesAProjectThatBuilds) {
  const YAML::Node project = YAML::Load(R"(
name: demo
data: {format: fashion_mnist, path: data}
model: {zoo: cnn}
training: {epochs: 3, optimizer: {name: adam, learning_rate: 0.1}}
tune: {families: [ds_cnn]}
)");
  for (const char* family : {"cnn", "ds_cnn", "mlp"}) {
    Candidate c;
    c.family = family;
    c.width = 0.5;
    c.depth = 2;
    c.kernel = 5;
    c.learning_rate = 0.004;
    const std::string text = trial_project_text(project, "/base/dir", c, 7, "/runs/t");
    const pipeline::Project p = pipeline::parse_project(text, "trial.yaml", "/elsewhere");
    EXPECT_EQ(p.data.path, "/base/dir/data") << text;  // relative paths stay the user's
    EXPECT_EQ(p.output_dir, "/runs/t");
    EXPECT_EQ(text.find("\ntune:"), std::string::npos) << text;
    EXPECT_NE(text.find("learning_rate: 0.004"), std::string::npos) << text;
    const graph::Graph g = pipeline::build_model(p.model, {28, 28, 1}, 7, 1);
    const graph::Shape out = g.value(g.outputs().at(0)).shape;
    EXPECT_EQ(out.back(), 7) << family;
  }
}

TEST(TuneSearchSpace, ResolutionIsAnImageChoice) {
  const SearchSpace s = parse_search_space(YAML::Load("{resolution: [20, 28], families: [cnn]}"),
                                           "fashion_mnist", "p.yaml");
  EXPECT_EQ(s.resolutions, (std::vector<int>{20, 28}));
  EXPECT_EQ(s.size(), default_search_space("fashion_mnist").widths.size() *
                          default_search_space("fashion_mnist").depths.size() *
                          default_search_space("fashion_mnist").kernels.size() * 2 *
                          default_search_space("fashion_mnist").learning_rates.size() * 2);
  data::Rng rng(5);
  std::set<int> drawn;
  for (int i = 0; i < 40; ++i) drawn.insert(s.sample(rng).resolution);
  EXPECT_EQ(drawn, (std::set<int>{20, 28}));
  // Without the key the data's own size is kept and the key names no resolution.
  data::Rng other(5);
  EXPECT_EQ(default_search_space("fashion_mnist").sample(other).resolution, 0);
  EXPECT_NE(error_of([] {
              parse_search_space(YAML::Load("{resolution: [32]}"), "wav_folder", "kws.yaml");
            }).find("kws.yaml: tune.resolution: only image data has a resolution"),
            std::string::npos);
}

TEST(TuneTrialProject, ResolutionResamplesTheImages) {
  const YAML::Node project =
      YAML::Load("data: {format: fashion_mnist, image: {channels: 1}}\nmodel: {zoo: cnn}\n");
  Candidate c;
  c.family = "cnn";
  c.depth = 2;
  c.head = "pool";
  c.resolution = 20;
  EXPECT_EQ(c.key(), "cnn-w1-d2-k3-pool-r20-lr0.001");
  const std::string text = trial_project_text(project, "/base", c, 10, "/runs/t");
  const pipeline::Project p = pipeline::parse_project(text, "trial.yaml", "/elsewhere");
  EXPECT_EQ(p.data.image.width, 20) << text;
  EXPECT_EQ(p.data.image.height, 20) << text;
  EXPECT_TRUE(p.data.image.resize) << text;
  EXPECT_EQ(p.data.image.channels, 1) << text;  // the project's other image settings stay
}

TEST(TuneTrialProject, ProjectFilesMayCarryATuneBlock) {
  EXPECT_NO_THROW(pipeline::parse_project(
      "data: {format: fashion_mnist}\nmodel: {zoo: cnn}\ntune: {width: [1]}\n", "p.yaml", "/"));
}

TEST(TuneBudget, SizesAndReasons) {
  EXPECT_EQ(parse_size("64KB", "--max-arena"), 65536u);
  EXPECT_EQ(parse_size("1MB", "--max-flash"), 1048576u);
  EXPECT_EQ(parse_size("1000", "--max-flash"), 1000u);
  EXPECT_EQ(parse_size("32 KiB", "--max-flash"), 32768u);
  EXPECT_NE(error_of([] { parse_size("64XB", "--max-arena"); }).find("--max-arena: expected"),
            std::string::npos);
  EXPECT_THROW(parse_size("KB", "--max-arena"), host::Error);

  Budgets b;
  b.arena_bytes = 1000;
  b.flash_bytes = 5000;
  b.latency_ms = 10;
  b.clock_mhz = 80;
  Figures f;
  f.arena_bytes = 1000;
  f.flash_bytes = 5000;
  EXPECT_EQ(over_budget(f, b), "");  // at the budget is within it
  f.instructions = 800000;           // 10 ms at 80 MHz
  EXPECT_EQ(over_budget(f, b), "");
  f.arena_bytes = 1001;
  f.instructions = 800080;
  const std::string why = over_budget(f, b);
  EXPECT_NE(why.find("arena 1001 > 1000 bytes"), std::string::npos) << why;
  EXPECT_NE(why.find("latency"), std::string::npos) << why;
  EXPECT_EQ(why.find("flash"), std::string::npos) << why;
  b.model_bytes = 100;
  f.model_bytes = 101;
  EXPECT_NE(over_budget(f, b).find("model 101 > 100 bytes"), std::string::npos);
  EXPECT_DOUBLE_EQ(*f.latency_ms(80), 10.001);
  const Figures back = Figures::from_json(f.to_json(80));
  EXPECT_EQ(back.arena_bytes, f.arena_bytes);
  EXPECT_EQ(back.instructions, f.instructions);
}

TEST(TuneSearch, ParetoFrontKeepsTheUndominated) {
  const std::vector<ParetoPoint> p = {
      {90, 1000, 5000, 10},  // best accuracy
      {80, 500, 5000, 10},   // smallest arena
      {79, 600, 6000, 11},   // dominated by the second
      {85, 2000, 4000, 20},  // smallest flash
      {90, 1000, 5000, 10},  // equal to the first: kept
  };
  EXPECT_EQ(pareto_front(p), (std::vector<size_t>{0, 1, 3, 4}));
}

TEST(TuneSearch, SuccessiveHalvingRungs) {
  EXPECT_EQ(rung_epochs(20), (std::vector<int>{5, 10, 20}));
  EXPECT_EQ(rung_epochs(2), (std::vector<int>{1, 2}));
  EXPECT_EQ(rung_epochs(3), (std::vector<int>{1, 3}));
  EXPECT_EQ(rung_epochs(1), std::vector<int>{1});
}

}  // namespace
}  // namespace tinyforge::tune
