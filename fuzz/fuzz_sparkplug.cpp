// libFuzzer target: Sparkplug B from the broker. The first byte picks the parser: 0 the protobuf payload
// decoder, 1 the primary host's STATE JSON, 2 the Uplink/Ack value, 3 the topic parser, 4 the evidence
// spectrum; the rest is the input. Whatever parses must survive a round trip through the matching encoder
// unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "proto/sparkplug.hpp"
#include "proto/sparkplug_spectrum.hpp"

namespace sp = vigil::proto::sparkplug;

namespace {

void check_payload(std::span<const std::uint8_t> bytes) {
  auto p = sp::decode(bytes);
  if (!p) return;
  for (const sp::Metric& m : p->metrics) {
    if (m.name.empty() && !m.alias) std::abort();
    if (m.is_null != std::holds_alternative<std::monostate>(m.value)) std::abort();
    if (m.datatype == sp::DataType::unknown) continue;
    // A typed metric re-encodes in a birth and decodes to the same value.
    sp::Payload one;
    one.metrics = {m};
    auto wire = sp::encode(one, sp::MessageType::dbirth);
    if (!wire) std::abort();
    auto back = sp::decode(*wire);
    if (!back || back->metrics.size() != 1) std::abort();
    const auto& v = back->metrics[0].value;
    // NaN payloads compare unequal to themselves; compare their bits through the encoder instead.
    if (v != m.value && *sp::encode(*back, sp::MessageType::dbirth) != *wire) std::abort();
  }
}

void check_state(std::string_view text) {
  auto s = sp::parse_host_state(text);
  if (!s) return;
  auto again = sp::parse_host_state(sp::format_host_state(*s));
  if (!again || again->online != s->online || again->timestamp_ms != s->timestamp_ms) std::abort();
}

void check_ack(std::span<const std::uint8_t> bytes) {
  auto ranges = sp::decode_ack(bytes);
  if (!ranges) return;
  auto wire = sp::encode_ack(*ranges);
  if (!wire || !std::equal(wire->begin(), wire->end(), bytes.begin(), bytes.end())) std::abort();
}

void check_topic(std::string_view text) {
  auto t = sp::parse_topic(text);
  if (!t) return;
  auto again = sp::format_topic(*t);
  if (!again || *again != text) std::abort();
}

void check_spectrum(std::span<const std::uint8_t> bytes) {
  auto s = sp::decode_spectrum(bytes);
  if (!s) return;
  // Decoded amplitudes are code * scale: encoding them again must give a spectrum that decodes.
  auto wire = sp::encode_spectrum(*s);
  if (!wire || !sp::decode_spectrum(*wire)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  switch (data[0] % 5) {
    case 0:
      check_payload(rest);
      break;
    case 1:
      check_state(text);
      break;
    case 2:
      check_ack(rest);
      break;
    case 3:
      check_topic(text);
      break;
    default:
      check_spectrum(rest);
      break;
  }
  return 0;
}
