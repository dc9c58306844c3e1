// Model bundle: the one file that carries a trained model to the edge — a manifest (what the model is,
// what it was trained on, how good it is) plus named ONNX graphs and JSON blobs (scaler, calibration,
// thresholds), packed as a POSIX ustar archive so `tar tf model.vigil` lists it. Format:
// docs/formats/bundle.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace vigil::model {

inline constexpr std::string_view k_bundle_format = "vigil-bundle";
inline constexpr std::int64_t k_bundle_format_version = 1;
inline constexpr std::size_t k_bundle_max_bytes = 256 * 1024;  // whole file, archive padding included
inline constexpr std::string_view k_bundle_manifest_name = "manifest.json";

enum class ModelKind { anomaly, classifier, rul };
std::string_view to_string(ModelKind kind);
Result<ModelKind> parse_model_kind(std::string_view name);

// One file of the bundle, e.g. {"classifier.onnx", <ONNX bytes>} or {"scaler.json", <JSON text>}.
// Names are 1–99 characters of [A-Za-z0-9._-], do not start with '.', and are unique; no directories.
struct BundleMember {
  std::string name;
  std::string bytes;
};

struct Bundle {
  ModelKind kind = ModelKind::anomaly;
  std::uint32_t feature_schema_version = 0;  // version of the feature vector the graphs expect
  std::string created_at;                    // ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ"; empty → now, at write
  nlohmann::json training = nlohmann::json::object();  // training-data summary: sources, counts, splits
  nlohmann::json metrics = nlohmann::json::object();   // evaluation results: accuracy, AUC, score …
  nlohmann::json model_info =
      nlohmann::json::object();       // kind-specific: which member is the graph, classes …
  std::vector<BundleMember> members;  // manifest.json excluded (it is generated)

  // The member called `name`, or nullptr.
  const BundleMember* find(std::string_view name) const;
  // The member called `name` parsed as JSON; not_found / parse errors name the member.
  Result<nlohmann::json> json_member(std::string_view name) const;
};

// The manifest that serialize_bundle() writes first in the archive: format, format_version, kind,
// feature_schema_version, created_at, producer, training, metrics, model_info and, for every member,
// {name, size, sha256} (lower-case hex SHA-256, FIPS 180-4).
Result<nlohmann::ordered_json> bundle_manifest(const Bundle& bundle);

// The bundle as archive bytes. Fails on an invalid member name, a duplicate, non-object
// training/metrics/model_info, a malformed created_at, or a result larger than k_bundle_max_bytes.
Result<std::string> serialize_bundle(const Bundle& bundle);

// Writes the bundle atomically: a temporary file in the same folder, fsync, rename over `path`.
// On failure `path` is untouched (an existing bundle stays as it was).
Status write_bundle(const std::filesystem::path& path, const Bundle& bundle);

// Reads archive bytes (untrusted) into a Bundle: size limit, ustar header checksums, the manifest first
// and well-formed, every member listed with the right size and SHA-256 and nothing else in the archive,
// the end-of-archive marker present. `name` (usually the file name) prefixes every error.
Result<Bundle> parse_bundle(std::string_view bytes, std::string_view name);

// Reads and parses the file, then refuses it unless it is a bundle of `expected_kind` built for a feature
// schema version from `oldest_feature_schema_version` (default: the expected one) to
// `expected_feature_schema_version`; the refusal names both.
Result<Bundle> read_bundle(const std::filesystem::path& path, ModelKind expected_kind,
                           std::uint32_t expected_feature_schema_version,
                           std::optional<std::uint32_t> oldest_feature_schema_version = std::nullopt);

}  // namespace vigil::model
