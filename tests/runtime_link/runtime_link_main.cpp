// A program linked against the runtime model library alone, as vigil-edge will be: it reads a bundle and
// decides a window. Built so that a test can list what such a program's link line pulls in
// (runtime_dependencies_test.sh): neither libtorch, nor libonnx's checker, nor the dataset readers.
#include <cstdio>
#include <optional>

#include "model/assessment.hpp"
#include "model/bundle.hpp"
#include "model/features.hpp"

int main(int argc, char** argv) {
  if (argc > 1) {
    auto bundle = vigil::model::read_bundle(argv[1], vigil::model::ModelKind::anomaly, 1);
    if (!bundle) std::fprintf(stderr, "%s\n", bundle.error().message.c_str());
  }
  const auto decision = vigil::model::decide_window(std::nullopt, std::nullopt);
  std::printf("%s\n", std::string(vigil::model::to_string(decision.verdict)).c_str());
  return 0;
}
