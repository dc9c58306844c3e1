// Test records whose content follows from their index alone, so a record read back after a crash or a kill
// is checked byte for byte against the truth.
#pragma once

#include <cstdint>
#include <string>

#include "store/durable_queue.hpp"

namespace vigil::store::test {

// Record i (1-based) of a run: its class, asset and payload follow from i alone, so a record read back
// after a crash is checked byte for byte against the truth. The payload starts with i (8 bytes, LE).
inline RecordClass class_of(int i) {
  return i % 5 == 0 ? RecordClass::alarm : i % 5 == 1 ? RecordClass::decision : RecordClass::telemetry;
}

inline OutboundRecord record(int i) {
  OutboundRecord r;
  r.record_class = class_of(i);
  r.asset = "asset-" + std::to_string(i % 3);
  r.source_time_ms = 1'700'000'000'000 + i;
  r.payload.resize(8 + static_cast<std::size_t>((i * 7919) % 3000));
  for (std::size_t b = 0; b < 8; ++b)
    r.payload[b] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(i) >> (8 * b));
  for (std::size_t j = 8; j < r.payload.size(); ++j)
    r.payload[j] = static_cast<std::uint8_t>(i * 31 + static_cast<int>(j) * 17);
  return r;
}

inline int index_of(const QueuedRecord& q) {
  std::uint64_t i = 0;
  for (std::size_t b = 0; b < 8 && b < q.record.payload.size(); ++b)
    i |= static_cast<std::uint64_t>(q.record.payload[b]) << (8 * b);
  return static_cast<int>(i);
}

}  // namespace vigil::store::test
