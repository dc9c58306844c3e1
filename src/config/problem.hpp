// A problem found in a configuration file, and how a list of them is shown: one line per problem,
// "file:line: key: why", so `--check-config` lists everything wrong at once.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vigil::config {

struct Problem {
  std::string key;  // dotted path, "asset[1].bearing"
  int line = 0;     // 0 when unknown
  std::string why;
};

std::string format_problems(const std::filesystem::path& file, const std::vector<Problem>& problems);

}  // namespace vigil::config
