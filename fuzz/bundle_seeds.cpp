// Writes small valid model bundles into the folder given as argv[1], as seeds for fuzz_bundle.
#include <cstdio>
#include <filesystem>
#include <string>

#include "model/bundle.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  using vigil::model::Bundle;
  Bundle small;
  small.kind = vigil::model::ModelKind::anomaly;
  small.feature_schema_version = 1;
  small.created_at = "2026-01-01T00:00:00Z";
  small.training = {{"sample_rate_hz", 12000}, {"window_len", 4096}};
  small.model_info = {{"false_alarm_rate", 0.001}};
  small.members = {{"scaler.json", R"({"type":"scaler","version":1,"centre":[0,1],"scale":[1,2]})"}};
  Bundle two = small;
  two.kind = vigil::model::ModelKind::classifier;
  two.members.push_back({"labels.json", R"({"type":"class_labels","version":1,"labels":["a","b"]})"});
  int written = 0;
  for (const auto& [name, bundle] : {std::pair{"small.vigil", small}, std::pair{"two.vigil", two}}) {
    if (auto ok = vigil::model::write_bundle(std::filesystem::path(argv[1]) / name, bundle); !ok) {
      std::fprintf(stderr, "bundle_seeds: %s\n", ok.error().message.c_str());
      return 1;
    }
    ++written;
  }
  return written == 2 ? 0 : 1;
}
