// Running the vigil command line as a real process from an integration test: the CLI path comes from the
// build (VIGIL_CLI), each test gets its own scratch folder.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vigil::test {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

// Runs vigil with `args`; out holds stdout and, unless stdout_only, stderr.
inline CliRun run(const std::string& args, bool stdout_only = false) {
  const std::string command = std::string(VIGIL_CLI) + " " + args + (stdout_only ? " 2>/dev/null" : " 2>&1");
  CliRun r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), int(buffer.size()), pipe) != nullptr) r.out += buffer.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

}  // namespace vigil::test
