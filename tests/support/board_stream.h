// The examples' last step: the stream application run again as firmware on mps2-an386 must take
// the host's decisions.
#ifndef TINYFORGE_TESTS_SUPPORT_BOARD_STREAM_H_
#define TINYFORGE_TESTS_SUPPORT_BOARD_STREAM_H_

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"

namespace tinyforge::testing {

// Runs `tinyforge STREAM_ARGS --board mps2-an386` (STREAM_ARGS: a `stream ... --json` command line
// the host ran, giving `host`), expects the same events and inferences, and returns the board's
// JSON (null if the run failed).
inline nlohmann::json expect_board_events_match_host(const std::string& stream_args,
                                                     const nlohmann::json& host) {
  const CliResult board = run_cli(stream_args + " --board mps2-an386");
  EXPECT_EQ(board.exit_code, 0) << board.out;
  if (board.exit_code != 0) return nullptr;
  const nlohmann::json b = board.last_json();
  EXPECT_EQ(b["events"], host["events"]);
  EXPECT_EQ(b["inferences"], host["inferences"]);
  return b;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_SUPPORT_BOARD_STREAM_H_
