// The register server: scaling and clamping worked by hand (docs/modbus.md), update() allocation-free,
// and the server on loopback under misuse: too many clients, a stalled request, a port already taken. The
// PLC client reads it (function 03) as a peer; tests/integration/modbus_test.cpp reads it with mbpoll.
#include "edge/modbus_server.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge/plc_client.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

using Block = std::array<std::uint16_t, k_asset_block_size>;

TEST(EncodeAsset, ScalesEveryFieldAsDocumented) {
  AssetRegisters v;
  v.health_index = 0.4216;  // 421.6 -> 422
  v.level = AlertLevel::warning;
  v.ne107 = Ne107Status::out_of_specification;
  v.rul_h = 96.4;  // -> 96
  v.fault = diag::Verdict::outer_race;
  v.fault_confidence = 0.7305;  // 730.5 -> 731 (half away from zero)
  v.velocity_rms_mm_s = 5.204;  // 520.4 -> 520
  v.iso_zone = diag::IsoZone::C;
  v.windows = 0x1'2345'6789;  // modulo 2^32: 0x2345'6789 -> 0x2345, 0x6789
  EXPECT_EQ(encode_asset(v), (Block{422, 2, 2, 96, 2, 731, 520, 2, 0x2345, 0x6789}));
}

TEST(EncodeAsset, ClampsToTheRegisterRange) {
  AssetRegisters v;
  v.health_index = std::numeric_limits<double>::quiet_NaN();
  v.rul_h = 1e9;               // finite: 65534, never the "unknown" 65535
  v.fault_confidence = 1.7;    // above 1 -> 1000
  v.velocity_rms_mm_s = 1000;  // 100000 -> 65535
  Block b = encode_asset(v);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[3], 65534);
  EXPECT_EQ(b[5], 1000);
  EXPECT_EQ(b[6], 65535);
  v.health_index = -0.2;
  v.rul_h = std::nullopt;
  v.velocity_rms_mm_s = -1;
  b = encode_asset(v);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[3], k_rul_unknown);
  EXPECT_EQ(b[6], 0);
  v.rul_h = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(encode_asset(v)[3], k_rul_unknown);
  v.health_index = 3;
  EXPECT_EQ(encode_asset(v)[0], 1000);
}

TEST(EncodeNode, VersionCountUptimeAndBacklog) {
  // 86400.7 s -> 86400 = 0x0001'5180; backlog 5e9 saturates at 0xFFFF'FFFF.
  EXPECT_EQ(encode_node({.uptime_s = 86400.7, .backlog_records = 5'000'000'000}, 3),
            (std::array<std::uint16_t, k_node_block_size>{1, 3, 0x0001, 0x5180, 0xFFFF, 0xFFFF, 0, 0}));
  EXPECT_EQ(encode_node({.uptime_s = -5, .backlog_records = 7}, 0)[3], 0);
}

ModbusServerConfig any_port() {
  ModbusServerConfig c;
  c.port = 0;
  return c;
}

// A PLC client pointed at the server, reading asset `asset`'s health register (x1000) as the "speed".
PlcClient reader(int port, int asset = 0) {
  PlcConfig c;
  c.enabled = true;
  c.port = port;
  c.speed_register = k_asset_base + asset * k_asset_stride;
  auto client = PlcClient::create(c, std::chrono::milliseconds(500));
  EXPECT_TRUE(client);
  return *std::move(client);
}

int connect_raw(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

TEST(ModbusServer, UpdateIsAllocationFreeAndServed) {
  auto server = ModbusServer::create(any_port(), 3);
  ASSERT_TRUE(server) << server.error().message;
  AssetRegisters v;
  {
    test::AllocationScope scope;
    for (int i = 0; i < 1000; ++i) {
      v.health_index = i / 1000.0;
      v.windows = static_cast<std::uint64_t>(i);
      ASSERT_TRUE((*server)->update(2, v));
      (*server)->update_node({.uptime_s = static_cast<double>(i), .backlog_records = 0});
    }
    EXPECT_EQ(scope.allocations(), 0u);
  }
  PlcClient client = reader((*server)->port(), 2);
  auto read = client.read_process_values();
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read->speed_rpm, 999);
  PlcClient untouched = reader((*server)->port(), 0);
  EXPECT_EQ(*untouched.read_process_values()->speed_rpm, 1000);  // AssetRegisters{}: health 1
}

TEST(ModbusServer, AssetIndexOutOfRangeIsRefused) {
  auto server = ModbusServer::create(any_port(), 2);
  ASSERT_TRUE(server);
  auto u = (*server)->update(2, {});
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::out_of_range);
}

TEST(ModbusServer, WritesAreRefusedWithAnException) {
  auto server = ModbusServer::create(any_port(), 1);
  ASSERT_TRUE(server);
  PlcClient client = reader((*server)->port());
  auto w = client.write_register(k_asset_base, 7);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("Illegal function"), std::string::npos) << w.error().message;
  EXPECT_TRUE(client.connected());  // an exception is an answer
  EXPECT_EQ(*client.read_process_values()->speed_rpm, 1000);
}

TEST(ModbusServer, ReadsBeyondTheMapAreRefused) {
  auto server = ModbusServer::create(any_port(), 1);
  ASSERT_TRUE(server);
  PlcConfig c;
  c.enabled = true;
  c.port = (*server)->port();
  c.speed_register = k_asset_base + k_asset_stride;  // asset 1 of 1
  auto client = PlcClient::create(c);
  ASSERT_TRUE(client);
  auto r = client->read_process_values();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Illegal data address"), std::string::npos) << r.error().message;
}

TEST(ModbusServer, ClientsAreBoundedAndAStalledRequestClosesOnlyItsConnection) {
  auto server = ModbusServer::create(any_port(), 1);
  ASSERT_TRUE(server);
  const int port = (*server)->port();
  std::vector<int> held;
  for (int i = 0; i < ModbusServer::k_max_clients; ++i) held.push_back(connect_raw(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all accepted
  PlcClient client = reader(port);
  auto refused = client.read_process_values();
  EXPECT_FALSE(refused) << "a client beyond the bound was served";

  // One held connection sends a request cut short (read holding registers without its count) and
  // stalls: the server closes it after its byte timeout instead of waiting for the rest.
  const std::uint8_t cut_short[] = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0};
  ASSERT_EQ(::send(held[0], cut_short, sizeof cut_short, 0), static_cast<ssize_t>(sizeof cut_short));
  char byte = 0;
  EXPECT_LE(::recv(held[0], &byte, 1, 0), 0);  // closed (EOF or reset), no reply
  ::close(held[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto served = client.read_process_values();  // reconnects into the freed slot
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ(*served->speed_rpm, 1000);
  for (std::size_t i = 1; i < held.size(); ++i) ::close(held[i]);
}

TEST(ModbusServer, PortInUseOrBadAddressIsAnError) {
  auto first = ModbusServer::create(any_port(), 1);
  ASSERT_TRUE(first);
  ModbusServerConfig taken;
  taken.port = (*first)->port();
  auto second = ModbusServer::create(taken, 1);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(taken.port)), std::string::npos)
      << second.error().message;
  ModbusServerConfig bad;
  bad.bind = "not-an-address";
  bad.port = 0;
  auto refused = ModbusServer::create(bad, 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find("'not-an-address'"), std::string::npos) << refused.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
