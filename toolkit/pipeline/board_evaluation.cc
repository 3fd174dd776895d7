#include "toolkit/pipeline/board_evaluation.h"

#include "toolkit/deploy/qemu_runner.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/host/temp_dir.h"
#include "toolkit/host/tensor_io.h"
#include "toolkit/pipeline/centroid_detection.h"
#include "toolkit/pipeline/train_run.h"

namespace tinyforge::pipeline {

BoardEvaluation evaluate_on_board(const std::filesystem::path& path, const data::Dataset& set,
                                  const std::string& board, int timeout_seconds,
                                  const train::RegressionLoss& regression) {
  const host::ModelFile file(path);
  const Model& model = file.model();
  if (model.num_inputs() != 1 || model.num_outputs() != 1)
    throw host::Error(path.string() + ": expected one input and one output");
  if (set.empty()) throw host::Error(path.string() + ": no samples to evaluate on " + board);
  TensorView in = model.tensor(model.input_tensor(0));
  if (in.elements() != set.sample_size()) {
    throw host::Error(path.string() + ": input has " + std::to_string(in.elements()) +
                      " elements, the dataset's samples " + std::to_string(set.sample_size()));
  }
  const size_t samples = static_cast<size_t>(set.size());
  std::vector<uint8_t> inputs(in.bytes() * samples);
  for (size_t i = 0; i < samples; ++i) {
    in.data = inputs.data() + i * in.bytes();
    host::set_tensor_values(in, set.sample(static_cast<int64_t>(i)), path.string());
  }
  const host::TempDir temp("tinyforge-eval-");
  const std::filesystem::path input_file = temp.path() / "inputs.bin";
  host::write_file(input_file, inputs.data(), inputs.size());
  deploy::BoardRun run = deploy::run_model_on_board(board, path, {input_file}, timeout_seconds,
                                                    static_cast<uint32_t>(samples));

  TensorView out = model.tensor(model.output_tensor(0));
  const int64_t classes = out.elements();
  std::vector<float> scores;
  scores.reserve(samples * classes);
  for (size_t i = 0; i < samples; ++i) {
    out.data = run.outputs[0].data() + i * out.bytes();
    for (int64_t k = 0; k < classes; ++k)
      scores.push_back(static_cast<float>(host::tensor_value(out, k)));
  }
  BoardEvaluation result;
  result.evaluation = set.is_detection()
                          ? detection_evaluation(std::move(scores), out, set.size())
                          : evaluate_scores(std::move(scores), classes, set, regression);
  result.arena_bytes = run.arena_bytes;
  result.instructions = std::move(run.instructions_per_sample);
  result.raw_outputs = std::move(run.outputs[0]);
  return result;
}

}  // namespace tinyforge::pipeline
