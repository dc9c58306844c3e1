// libFuzzer target: model bundle reader (untrusted archive bytes from a file or an over-the-air update).
// Whatever parse_bundle accepts must be a bundle it would write again: serialising the result and parsing
// that must give the same kind, schema version and members.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto bundle = vigil::model::parse_bundle(bytes, "fuzz.vigil");
  if (!bundle) return 0;
  if (bundle->members.empty() && bundle->find("manifest.json") != nullptr) __builtin_trap();
  auto again = vigil::model::serialize_bundle(*bundle);
  if (!again) return 0;  // e.g. a created_at that reads but is not canonical: refusing to write is fine
  auto back = vigil::model::parse_bundle(*again, "fuzz-again.vigil");
  if (!back) __builtin_trap();
  if (back->kind != bundle->kind || back->feature_schema_version != bundle->feature_schema_version ||
      back->members.size() != bundle->members.size())
    __builtin_trap();
  for (std::size_t i = 0; i < back->members.size(); ++i) {
    if (back->members[i].name != bundle->members[i].name ||
        back->members[i].bytes != bundle->members[i].bytes)
      __builtin_trap();
  }
  return 0;
}
