// libFuzzer target: the hub's Sparkplug host session fed a stream of broker messages. The input is a
// sequence of records: one byte picks the topic (a node or device verb of two nodes, or the host's STATE),
// one byte the clock step, two bytes (little-endian) the payload size, then the payload. Every few records
// the clock ticks. Whatever the stream, the session must not crash, must keep its invariants (held
// messages bounded, a deadline only while something is held) and must only publish what it may: its
// STATE and NCMD Node Control/Rebirth or Uplink/Ack.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <span>
#include <string>

#include "hub/host_session.hpp"

namespace hub = vigil::hub;
namespace sp = vigil::proto::sparkplug;

namespace {

constexpr const char* k_topics[] = {
    "spBv1.0/g/NBIRTH/a",  "spBv1.0/g/NDATA/a",    "spBv1.0/g/NDEATH/a",   "spBv1.0/g/DBIRTH/a/d",
    "spBv1.0/g/DDATA/a/d", "spBv1.0/g/DDEATH/a/d", "spBv1.0/g/DBIRTH/a/e", "spBv1.0/g/DDATA/a/e",
    "spBv1.0/g/NBIRTH/b",  "spBv1.0/g/NDATA/b",    "spBv1.0/g/DDATA/b/d",  "spBv1.0/STATE/hub",
    "spBv1.0/STATE/other", "spBv1.0/g/NCMD/a",     "spBv1.0/g/NBIRTH",     "spBv1.0/g/DBIRTH/b/d"};

void check(const hub::HostActions& actions) {
  for (const auto& m : actions.publish) {
    if (m.topic == "spBv1.0/STATE/hub") continue;
    if (m.topic != "spBv1.0/g/NCMD/a" && m.topic != "spBv1.0/g/NCMD/b") std::abort();
    auto p = sp::decode(m.payload);
    if (!p || p->metrics.size() != 1) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto session = hub::HostSession::create(hub::HostSessionConfig{"hub", 100, 1000, 4});
  if (!session) std::abort();
  std::uint64_t now_ms = 1'700'000'000'000;
  (void)session->will(now_ms);
  check(session->on_subscribed());
  std::span<const std::uint8_t> in(data, size);
  for (unsigned record = 0; in.size() >= 4; ++record) {
    const char* topic = k_topics[in[0] % std::size(k_topics)];
    now_ms += in[1];
    const std::size_t n = std::min<std::size_t>(in[2] | (std::size_t{in[3]} << 8), in.size() - 4);
    auto actions = session->on_message(topic, in.subspan(4, n), now_ms);
    if (actions) check(*actions);
    in = in.subspan(4 + n);
    if (record % 4 == 3) check(session->on_tick(now_ms));
    for (const char* node : {"a", "b"}) {
      const hub::NodeKey key{"g", node};
      if (const auto* info = session->node(key); info != nullptr && info->online) {
        auto acks = session->acknowledge(key, {1, 2, 3, 7}, now_ms);
        if (acks) check(hub::HostActions{*acks, {}, {}});
      }
    }
  }
  check(session->on_tick(now_ms + 1'000'000));
  if (session->next_deadline_ms()) std::abort();  // every timer expired
  check(session->on_connection_lost(now_ms));
  return 0;
}
