// Model bundles: round trip, the archive read by GNU tar (an independent reader), and every way a bundle
// file can be wrong — truncated, bit-flipped, tampered, oversized, the wrong kind or feature schema.
#include "model/bundle.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "model/mlp.hpp"
#include "model/onnx_inference.hpp"
#include "model/train/onnx_export.hpp"
#include "support/random_mlp.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;

using test::random_mlp;

// A realistic classifier bundle: 30 → 64 → 32 → 4 network, feature scaler, decision thresholds.
Bundle classifier_bundle(const MlpSpec& spec) {
  Bundle b;
  b.kind = ModelKind::classifier;
  b.feature_schema_version = 3;
  b.created_at = "2025-03-14T09:26:53Z";
  b.training = {{"dataset", "cwru"}, {"recordings", 36}, {"windows", 14400}, {"split", "leave-one-load-out"}};
  b.metrics = {{"accuracy", 0.995}, {"macro_f1", 0.991}};
  b.model_info = {{"graph", "classifier.onnx"}, {"classes", {"normal", "inner_race", "outer_race", "ball"}}};
  auto onnx = train::export_onnx(spec);
  EXPECT_TRUE(onnx) << onnx.error().message;
  b.members.push_back({"classifier.onnx", *onnx});
  nlohmann::json scaler = {{"mean", std::vector<double>(30, 0.123456789)},
                           {"std", std::vector<double>(30, 1.23456789)}};
  b.members.push_back({"scaler.json", scaler.dump()});
  b.members.push_back({"thresholds.json", nlohmann::json{{"abstain_below", 0.6}}.dump()});
  return b;
}

// Offset of the tar header of archive member `index` (0 = manifest), found from the ustar magic
// "ustar\0" at byte 257 of every header — independent of the reader under test.
std::size_t header_offset(const std::string& archive, int index) {
  std::size_t at = 0;
  for (int seen = -1; seen < index; ++seen) {
    at = archive.find(std::string_view("ustar\0", 6), seen < 0 ? 0 : at + 512 + 257);
    if (at == std::string::npos) return at;
    at -= 257;
  }
  return at;
}

class BundleFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil_bundle_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_bytes(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  static std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Output of a shell command (for GNU tar as the independent reader), or nullopt when it fails.
  static std::optional<std::string> shell(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string out;
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    return ::pclose(pipe) == 0 ? std::optional(out) : std::nullopt;
  }

  fs::path dir_;
  MlpSpec spec_ = random_mlp({30, 64, 32, 4}, {Activation::relu, Activation::relu, Activation::softmax}, 7);
};

TEST_F(BundleFile, RoundTripKeepsManifestFieldsAndMemberBytes) {
  const Bundle original = classifier_bundle(spec_);
  const fs::path path = dir_ / "model.vigil";
  ASSERT_TRUE(write_bundle(path, original));
  auto read = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->kind, ModelKind::classifier);
  EXPECT_EQ(read->feature_schema_version, 3u);
  EXPECT_EQ(read->created_at, "2025-03-14T09:26:53Z");
  EXPECT_EQ(read->training, original.training);
  EXPECT_EQ(read->metrics, original.metrics);
  EXPECT_EQ(read->model_info, original.model_info);
  ASSERT_EQ(read->members.size(), original.members.size());
  for (std::size_t i = 0; i < original.members.size(); ++i) {
    EXPECT_EQ(read->members[i].name, original.members[i].name);
    EXPECT_EQ(read->members[i].bytes, original.members[i].bytes);
  }
  auto scaler = read->json_member("scaler.json");
  ASSERT_TRUE(scaler) << scaler.error().message;
  EXPECT_DOUBLE_EQ((*scaler)["std"][29].get<double>(), 1.23456789);
  EXPECT_FALSE(read->json_member("missing.json"));
  EXPECT_FALSE(read->json_member("classifier.onnx"));  // binary, not JSON
  // No temporary file is left next to the bundle.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(BundleFile, GraphFromTheBundleServesTheSameNetwork) {
  const fs::path path = dir_ / "model.vigil";
  ASSERT_TRUE(write_bundle(path, classifier_bundle(spec_)));
  auto read = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_TRUE(read) << read.error().message;
  const BundleMember* graph = read->find(read->model_info["graph"].get<std::string>());
  ASSERT_NE(graph, nullptr);
  auto model = OnnxModel::create(graph->bytes, "model.vigil:classifier.onnx");
  ASSERT_TRUE(model) << model.error().message;
  std::vector<float> x(30);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
  std::vector<float> y(4);
  ASSERT_TRUE(model->run(x, y));
  const std::vector<float> expected = reference_forward(spec_, x);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-5) << i;
}

TEST_F(BundleFile, RealisticClassifierBundleFitsTheSizeLimit) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes) << bytes.error().message;
  std::printf(
      "[ bundle   ] 30-64-32-4 classifier (%zu parameters) + manifest + scaler + thresholds: %zu bytes "
      "(limit %zu)\n",
      spec_.parameter_count(), bytes->size(), k_bundle_max_bytes);
  EXPECT_LE(bytes->size(), k_bundle_max_bytes);
  EXPECT_EQ(bytes->size() % 512, 0u);  // whole ustar blocks
}

TEST_F(BundleFile, ManifestListsEveryMemberWithSizeAndSha256) {
  Bundle b;
  b.kind = ModelKind::anomaly;
  b.created_at = "2025-01-01T00:00:00Z";
  b.members.push_back({"abc.txt", "abc"});
  auto manifest = bundle_manifest(b);
  ASSERT_TRUE(manifest) << manifest.error().message;
  EXPECT_EQ((*manifest)["format"], "vigil-bundle");
  EXPECT_EQ((*manifest)["format_version"], 1);
  EXPECT_EQ((*manifest)["kind"], "anomaly");
  ASSERT_EQ((*manifest)["members"].size(), 1u);
  EXPECT_EQ((*manifest)["members"][0]["name"], "abc.txt");
  EXPECT_EQ((*manifest)["members"][0]["size"], 3);
  // FIPS 180-2, Appendix B.1: SHA-256("abc").
  EXPECT_EQ((*manifest)["members"][0]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(BundleFile, EmptyCreatedAtIsStampedWithTheCurrentUtcTime) {
  Bundle b;
  b.kind = ModelKind::rul;
  auto bytes = serialize_bundle(b);
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto read = parse_bundle(*bytes, "now.vigil");
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->created_at.size(), 20u);
  EXPECT_EQ(read->created_at.back(), 'Z');
  EXPECT_GE(read->created_at.substr(0, 4), "2024");
}

TEST_F(BundleFile, GnuTarListsTheManifestFirstAndExtractsIt) {
  const fs::path path = dir_ / "model.vigil";
  const Bundle b = classifier_bundle(spec_);
  ASSERT_TRUE(write_bundle(path, b));
  const auto listing = shell("tar tf '" + path.string() + "' 2>&1");
  if (!listing) GTEST_SKIP() << "GNU tar not available";
  EXPECT_EQ(*listing, "manifest.json\nclassifier.onnx\nscaler.json\nthresholds.json\n");
  const auto manifest_text = shell("tar xOf '" + path.string() + "' manifest.json");
  ASSERT_TRUE(manifest_text);
  const nlohmann::json manifest = nlohmann::json::parse(*manifest_text);
  EXPECT_EQ(manifest["feature_schema_version"], 3);
  EXPECT_EQ(manifest["members"][0]["size"], b.members[0].bytes.size());
  const auto scaler = shell("tar xOf '" + path.string() + "' scaler.json");
  ASSERT_TRUE(scaler);
  EXPECT_EQ(*scaler, b.members[1].bytes);
}

TEST_F(BundleFile, RefusesTruncationAtEveryInterestingPoint) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  const std::size_t n = bytes->size();
  for (const std::size_t keep :
       {std::size_t{0}, std::size_t{100}, std::size_t{511}, std::size_t{512}, std::size_t{1024},
        std::size_t{1500}, n / 2, n / 2 + 512 - (n / 2) % 512, n - 1536, n - 1024, n - 512, n - 1}) {
    const fs::path path = write_bytes("cut.vigil", bytes->substr(0, keep));
    auto r = read_bundle(path, ModelKind::classifier, 3);
    ASSERT_FALSE(r) << "kept " << keep << " of " << n;
    EXPECT_EQ(r.error().code, ErrorCode::parse) << r.error().message;
    EXPECT_NE(r.error().message.find("cut.vigil"), std::string::npos) << r.error().message;
  }
  // The last two blocks are the end-of-archive marker: without them the archive is incomplete.
  auto r = parse_bundle(bytes->substr(0, n - 1024), "cut.vigil");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST_F(BundleFile, RefusesAFlippedByteInAMemberAsAHashMismatch) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  const std::size_t onnx_header = header_offset(*bytes, 1);
  ASSERT_NE(onnx_header, std::string::npos);
  ASSERT_EQ(bytes->substr(onnx_header, 16), std::string("classifier.onnx\0", 16));
  std::string damaged = *bytes;
  damaged[onnx_header + 512 + 1000] ^= 0x10;
  const fs::path path = write_bytes("flip.vigil", damaged);
  auto r = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("flip.vigil"), std::string::npos);
  EXPECT_NE(r.error().message.find("classifier.onnx"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("SHA-256"), std::string::npos) << r.error().message;
}

TEST_F(BundleFile, RefusesAFlippedByteInATarHeaderAsAChecksumError) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  std::string damaged = *bytes;
  damaged[3] ^= 0x01;  // inside the manifest's header name field
  auto r = parse_bundle(damaged, "hdr.vigil");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("checksum"), std::string::npos) << r.error().message;
}

TEST_F(BundleFile, RefusesAnEditedManifestSchemaVersion) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  // Same-length edit inside the manifest data: the tar structure stays valid, only the meaning changes.
  const std::string field = "\"feature_schema_version\": 3";
  const std::size_t at = bytes->find(field);
  ASSERT_NE(at, std::string::npos);
  std::string edited = *bytes;
  edited[at + field.size() - 1] = '4';
  const fs::path path = write_bytes("edited.vigil", edited);
  auto r = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_NE(r.error().message.find("edited.vigil"), std::string::npos);
  EXPECT_NE(r.error().message.find("feature schema version 4"), std::string::npos) << r.error().message;
  EXPECT_TRUE(read_bundle(path, ModelKind::classifier, 4));  // what the file now claims
  // A range of readable versions: 4 is inside [2, 5], outside [2, 3]; the refusal names the range.
  EXPECT_TRUE(read_bundle(path, ModelKind::classifier, 5, 2));
  r = read_bundle(path, ModelKind::classifier, 3, 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("feature schema version 4, this build reads versions 2 to 3: retrain it"),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE(read_bundle(path, ModelKind::classifier, 6, 5));
}

TEST_F(BundleFile, RefusesTheWrongKind) {
  const fs::path path = dir_ / "model.vigil";
  ASSERT_TRUE(write_bundle(path, classifier_bundle(spec_)));
  auto r = read_bundle(path, ModelKind::anomaly, 3);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is a bundle of kind classifier, expected kind anomaly"),
            std::string::npos)
      << r.error().message;
}

TEST_F(BundleFile, RefusesANewerFormatVersionAndForeignFormats) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  std::string newer = *bytes;
  const std::size_t at = newer.find("\"format_version\": 1");
  ASSERT_NE(at, std::string::npos);
  newer[at + 18] = '2';
  auto r = parse_bundle(newer, "newer.vigil");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_NE(r.error().message.find("format_version 2"), std::string::npos) << r.error().message;

  std::string foreign = *bytes;
  const std::size_t f = foreign.find("vigil-bundle");
  foreign[f] = 'V';
  r = parse_bundle(foreign, "foreign.vigil");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("format"), std::string::npos) << r.error().message;
}

TEST_F(BundleFile, RefusesAFileLargerThan256KiB) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  std::string big = *bytes;
  big.resize(k_bundle_max_bytes + 1, '\0');  // zero padding after the end-of-archive marker
  const fs::path path = write_bytes("big.vigil", big);
  auto r = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::out_of_range);
  EXPECT_NE(r.error().message.find("big.vigil"), std::string::npos);
  EXPECT_NE(r.error().message.find("262144"), std::string::npos) << r.error().message;
  // Exactly at the limit is still a bundle.
  big.resize(k_bundle_max_bytes);
  EXPECT_TRUE(parse_bundle(big, "limit.vigil"));
}

TEST_F(BundleFile, RefusesToWriteABundleOverTheLimitAndKeepsTheOldFile) {
  const fs::path path = dir_ / "model.vigil";
  ASSERT_TRUE(write_bundle(path, classifier_bundle(spec_)));
  const std::string before = read_bytes(path);
  Bundle huge = classifier_bundle(spec_);
  huge.members.push_back({"padding.bin", std::string(k_bundle_max_bytes, 'x')});
  auto w = write_bundle(path, huge);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::out_of_range);
  EXPECT_NE(w.error().message.find("model.vigil"), std::string::npos) << w.error().message;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(BundleFile, WriteIntoAMissingFolderFailsWithAnIoError) {
  auto w = write_bundle(dir_ / "no" / "such" / "model.vigil", classifier_bundle(spec_));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::io);
}

TEST_F(BundleFile, ReadOfAMissingFileIsNotFound) {
  auto r = read_bundle(dir_ / "absent.vigil", ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().message.find("absent.vigil"), std::string::npos);
}

TEST_F(BundleFile, RefusesAMemberTheManifestDoesNotList) {
  const fs::path path = dir_ / "model.vigil";
  ASSERT_TRUE(write_bundle(path, classifier_bundle(spec_)));
  const fs::path extra = dir_ / "extra.json";
  std::ofstream(extra) << "{}";
  // GNU tar appends a member in place of the end-of-archive marker: a tampered bundle.
  if (!shell("cd '" + dir_.string() + "' && tar rf model.vigil extra.json 2>&1"))
    GTEST_SKIP() << "GNU tar not available";
  auto r = read_bundle(path, ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'extra.json' is not listed"), std::string::npos) << r.error().message;
}

TEST_F(BundleFile, RefusesAManifestThatListsAMissingMember) {
  auto bytes = serialize_bundle(classifier_bundle(spec_));
  ASSERT_TRUE(bytes);
  // Keep the manifest only and close the archive properly: the listed members are gone.
  const std::size_t second_header = header_offset(*bytes, 1);
  ASSERT_EQ(bytes->substr(second_header, 16), std::string("classifier.onnx\0", 16));
  std::string only_manifest = bytes->substr(0, second_header) + std::string(1024, '\0');
  auto r = parse_bundle(only_manifest, "lonely.vigil");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("lists 'classifier.onnx' but the archive does not contain it"),
            std::string::npos)
      << r.error().message;
}

TEST_F(BundleFile, RefusesArchivesWhoseFirstMemberIsNotTheManifest) {
  const fs::path scratch = dir_ / "scaler.json";
  std::ofstream(scratch) << "{}";
  if (!shell("cd '" + dir_.string() + "' && tar cf plain.tar scaler.json 2>&1"))
    GTEST_SKIP() << "GNU tar not available";
  auto r = read_bundle(dir_ / "plain.tar", ModelKind::classifier, 3);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("first archive member must be manifest.json"), std::string::npos)
      << r.error().message;
}

TEST_F(BundleFile, RefusesGarbageWithoutCrashing) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const std::size_t size : {std::size_t{1}, std::size_t{512}, std::size_t{1024}, std::size_t{4096}}) {
    std::string junk(size, '\0');
    for (char& c : junk) c = static_cast<char>(byte(rng));
    EXPECT_FALSE(parse_bundle(junk, "junk.vigil"));
  }
  EXPECT_FALSE(parse_bundle(std::string(2048, '\0'), "zeros.vigil"));  // empty archive: no manifest
}

TEST_F(BundleFile, RefusesBadMemberNamesAndValuesOnWrite) {
  for (const std::string& name : std::vector<std::string>{"", ".hidden", "dir/file.json", "manifest.json",
                                                          "space name", std::string(100, 'a')}) {
    Bundle b;
    b.members.push_back({name, "{}"});
    auto r = serialize_bundle(b);
    ASSERT_FALSE(r) << "'" << name << "'";
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
  Bundle twice;
  twice.members = {{"a.json", "{}"}, {"a.json", "[]"}};
  EXPECT_FALSE(serialize_bundle(twice));
  Bundle bad_time;
  bad_time.created_at = "2024-02-30T00:00:00Z";  // no such day
  EXPECT_FALSE(serialize_bundle(bad_time));
  bad_time.created_at = "2024-02-03 00:00:00";
  EXPECT_FALSE(serialize_bundle(bad_time));
  Bundle bad_metrics;
  bad_metrics.metrics = nlohmann::json::array({1, 2});
  EXPECT_FALSE(serialize_bundle(bad_metrics));
}

TEST(ModelKind, NamesRoundTripAndUnknownNamesAreRefused) {
  for (ModelKind k : {ModelKind::anomaly, ModelKind::classifier, ModelKind::rul})
    EXPECT_EQ(parse_model_kind(to_string(k)), k);
  EXPECT_FALSE(parse_model_kind("regression"));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
