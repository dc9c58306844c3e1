// The PLC client's own checks; reading and writing a real PLC stand-in (pymodbus), its errors and its
// reconnection are in tests/integration/modbus_test.cpp.
#include "edge/plc_client.hpp"

#include <gtest/gtest.h>

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

TEST(PlcClient, DisabledPlcIsRefused) {
  auto c = PlcClient::create(PlcConfig{});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(c.error().message, "[plc] is not enabled");
}

TEST(PlcClient, NothingWiredReadsNothingWithoutConnecting) {
  PlcConfig config;
  config.enabled = true;
  config.port = 1;  // nothing listens there; no request may be made
  auto c = PlcClient::create(config);
  ASSERT_TRUE(c) << c.error().message;
  auto v = c->read_process_values();
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->speed_rpm.has_value());
  EXPECT_FALSE(v->bearing_temperature_c.has_value());
  auto i = c->read_interlock();
  ASSERT_TRUE(i) << i.error().message;
  EXPECT_EQ(*i, Interlock::not_wired);
  EXPECT_FALSE(c->connected());
}

TEST(PlcClient, WriteOutsideTheRegisterSpaceIsRefused) {
  PlcConfig config;
  config.enabled = true;
  config.port = 1;
  auto c = PlcClient::create(config);
  ASSERT_TRUE(c);
  auto w = c->write_register(65536, 1);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(w.error().message,
            "PLC 127.0.0.1:1 unit 1: writing 1 to holding register 65536: address out of range");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
