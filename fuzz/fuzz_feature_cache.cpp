// libFuzzer target: the RUL feature cache reader (eval/feature_cache.hpp), bytes read back from a file. The
// key is taken from the input when it holds one, so that the fuzzer reaches the arrays. Whatever is accepted
// must be written again and read back to the same life.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eval/feature_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  nlohmann::json key = {{"snapshots", 1}};
  if (j.is_object() && j.contains("key")) key = j["key"];
  auto life = vigil::eval::parse_feature_cache(bytes, key, "fuzz");
  if (!life) return 0;
  auto again = vigil::eval::parse_feature_cache(vigil::eval::feature_cache_bytes(key, *life), key, "fuzz");
  if (!again || again->time_s != life->time_s || again->features != life->features ||
      again->schema != life->schema)
    __builtin_trap();
  return 0;
}
