#include "cli/arguments.h"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::cli {
namespace {

// The commands the user reached: the program, then each subcommand given.
std::vector<const CLI::App*> command_chain(const CLI::App& app) {
  std::vector<const CLI::App*> chain{&app};
  for (;;) {
    const std::vector<CLI::App*> subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.front());
  }
}

std::string command_path(const std::vector<const CLI::App*>& chain) {
  std::string path = "tinyforge";
  for (size_t i = 1; i < chain.size(); ++i) path += " " + chain[i]->get_name();
  return path;
}

// The arguments after the last command name of the chain.
std::vector<std::string> arguments_of(const std::vector<const CLI::App*>& chain, int argc,
                                      char** argv) {
  int start = 1;
  for (size_t depth = 1; depth < chain.size(); ++depth) {
    while (start < argc && argv[start] != chain[depth]->get_name()) ++start;
    ++start;
  }
  return std::vector<std::string>(argv + std::min(start, argc), argv + argc);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean --epochs?)" for a near miss among the command's long options.
std::string suggestion(const CLI::App& command, const std::string& unknown) {
  const std::string bare = unknown.substr(unknown.find_first_not_of('-'));
  std::string best;
  size_t best_distance = 3;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      const size_t d =
          name.rfind(bare, 0) == 0 || bare.rfind(name, 0) == 0 ? 1 : edit_distance(bare, name);
      if (d < best_distance) best_distance = d, best = "--" + name;
    }
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

std::string subcommand_names(const CLI::App& command) {
  std::string names;
  for (const CLI::App* sub : command.get_subcommands({}))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

// "a whole number" for CLI11's type names.
std::string type_words(const std::string& type) {
  if (type.rfind("INT", 0) == 0) return "a whole number";
  if (type.rfind("UINT", 0) == 0) return "a whole number >= 0";
  if (type.rfind("FLOAT", 0) == 0) return "a number";
  return type.empty() ? "a value" : type;
}

// The value given right after `flag` (or after "flag="), if any.
std::string value_after(const std::vector<std::string>& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(flag + "=", 0) == 0) return args[i].substr(flag.size() + 1);
  }
  return "";
}

std::string usage_message(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const std::vector<const CLI::App*> chain = command_chain(app);
  const CLI::App& command = *chain.back();
  const std::vector<std::string> args = arguments_of(chain, argc, argv);
  const std::string help = "; see `" + command_path(chain) + " --help`";
  const std::string where = chain.size() > 1 ? command_path(chain).substr(10) + ": " : "";
  // Not e.get_name(): some CLI11 errors carry the command's name there instead of the kind.
  const bool required = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr;
  if (required && command.get_require_subcommand_min() > 0 && command.get_subcommands().empty()) {
    const std::string given = args.empty() || args[0].rfind('-', 0) == 0 ? "" : args[0];
    return where + (given.empty() ? "give a command" : "unknown command '" + given + "'") +
           " (the commands: " + subcommand_names(command) + ")" + help;
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    for (const std::string& arg : args) {
      if (arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) continue;
      const std::string flag = arg.substr(0, arg.find('='));
      if (command.get_option_no_throw(flag) == nullptr)
        return where + "unknown option " + flag + suggestion(command, flag) + help;
    }
    return where + e.what() + help;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    for (const CLI::Option* option : command.get_options()) {
      for (const std::string& name : option->get_lnames()) {
        if (std::string(e.what()).find("--" + name) == std::string::npos) continue;
        return where + "--" + name + " takes " + type_words(option->get_type_name()) + ", got '" +
               value_after(args, "--" + name) + "'" + help;
      }
    }
  }
  if (required) {
    for (const CLI::Option* option : command.get_options()) {
      if (!option->nonpositional() &&
          std::string(e.what()) == option->get_name() + " is required") {
        return where + "the " + option->get_name() + " argument is required (" +
               option->get_description() + ")" + help;
      }
    }
  }
  return where + e.what() + help;
}

}  // namespace

CLI::Validator whole_number_at_least(long long minimum) {
  return CLI::Validator(
      [minimum](std::string& text) -> std::string {
        long long value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (error != std::errc() || stop != end)
          return "expected a whole number >= " + std::to_string(minimum) + ", got '" + text + "'";
        if (value < minimum)
          return "expected a whole number >= " + std::to_string(minimum) + ", got " + text;
        return "";
      },
      "INT>=" + std::to_string(minimum));
}

int parse_and_run(CLI::App& app, int argc, char** argv, const int& exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string message = usage_message(app, e, argc, argv);
    const bool json = std::find(argv + 1, argv + argc, std::string("--json")) != argv + argc;
    if (json) std::cout << nlohmann::json{{"error", message}}.dump() << std::endl;
    std::cerr << "tinyforge: " << message << std::endl;
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace tinyforge::cli
