// `tinyforge eval` without --json: the evaluation result (run_evaluation's JSON) as a few lines a
// person reads: what was evaluated, then the classification table (accuracy, loss, macro F1,
// per-class precision/recall/F1, confusion matrix), then the arena and device figures.
#ifndef TINYFORGE_TOOLKIT_PIPELINE_EVALUATION_TEXT_H_
#define TINYFORGE_TOOLKIT_PIPELINE_EVALUATION_TEXT_H_

#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::pipeline {

std::string evaluation_text(const nlohmann::json& result);

}  // namespace tinyforge::pipeline

#endif  // TINYFORGE_TOOLKIT_PIPELINE_EVALUATION_TEXT_H_
