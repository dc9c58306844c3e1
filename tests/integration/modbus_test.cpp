// Modbus TCP against outside peers: a PLC played by pymodbus (tests/support/plc_server.py, a separate
// process that prints every write it receives) for the PLC client and the actuation gate, and the real
// `mbpoll` command reading the register server. Expected register values are worked by hand from
// docs/modbus.md. Skips with a message when python3-pymodbus or mbpoll is not installed.
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge/actuation.hpp"
#include "edge/modbus_server.hpp"
#include "edge/plc_client.hpp"
#include "integration/cli_support.hpp"

namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vigil::test::ChildProcess;
using namespace vigil::edge;

constexpr const char* k_python = "/usr/bin/python3";

// Exit status and output (stdout and stderr) of a shell command.
std::pair<int, std::string> shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), int(buffer.size()), pipe) != nullptr) out += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool have_pymodbus() { return shell(fmt::format("{} -c 'import pymodbus.server'", k_python)).first == 0; }
bool have_mbpoll() { return shell("command -v mbpoll").first == 0; }

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// The PLC stand-in as a child process; killed and reaped on every path (ChildProcess).
class PlcStandIn {
 public:
  // Starts on a free port (another try when the port was taken in between), holding `registers`.
  static std::unique_ptr<PlcStandIn> start(const fs::path& dir, std::map<int, int> registers, int port = 0) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto plc = std::unique_ptr<PlcStandIn>(new PlcStandIn());
      plc->port_ = port != 0 ? port : free_port();
      std::vector<std::string> argv{k_python, VIGIL_PLC_SERVER, std::to_string(plc->port_)};
      for (auto [address, value] : registers) argv.push_back(fmt::format("{}={}", address, value));
      plc->process_ = std::make_unique<ChildProcess>(argv, dir / fmt::format("plc_{}.log", attempt));
      for (int i = 0; i < 200; ++i) {
        if (plc->output().find("listening") != std::string::npos) return plc;
        if (plc->process_->wait(50ms).has_value()) break;  // exited: port taken, or broken
      }
      ADD_FAILURE() << "PLC stand-in did not start: " << plc->output();
    }
    return nullptr;
  }
  void kill() { process_.reset(); }
  int port() const { return port_; }
  std::string output() const { return process_ ? process_->output() : std::string(); }
  // Waits (at most 5 s) until the PLC printed `line`.
  bool saw(const std::string& line) const {
    for (int i = 0; i < 100; ++i) {
      if (output().find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  PlcStandIn() = default;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The PLC's registers: speed 2960 counts at 0.5 rpm per count = 1480 rpm; temperature 652 at 0.1 °C per
// count = 65.2 °C; 65436 is -100 as a signed register = -10.0 °C; interlock at 12; stop at 21.
PlcConfig plc_config(int port) {
  PlcConfig c;
  c.enabled = true;
  c.port = port;
  c.unit_id = 1;
  c.speed_register = 100;
  c.speed_scale = 0.5;
  c.temperature_register = 101;
  c.temperature_scale = 0.1;
  c.interlock_register = 12;
  c.reduce_speed_register = 20;
  c.stop_register = 21;
  return c;
}

class Modbus : public vigil::test::Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    if (!have_pymodbus()) GTEST_SKIP() << "python3-pymodbus is not installed (apt install python3-pymodbus)";
  }
};

TEST_F(Modbus, PlcClientReadsSpeedAndTemperatureScaled) {
  auto plc = PlcStandIn::start(dir_, {{100, 2960}, {101, 652}, {102, 65436}});
  ASSERT_TRUE(plc);
  auto client = PlcClient::create(plc_config(plc->port()));
  ASSERT_TRUE(client) << client.error().message;
  auto v = client->read_process_values();
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_TRUE(v->speed_rpm && v->bearing_temperature_c);
  EXPECT_DOUBLE_EQ(*v->speed_rpm, 1480.0);
  EXPECT_NEAR(*v->bearing_temperature_c, 65.2, 1e-9);
  EXPECT_TRUE(client->connected());

  PlcConfig signed_temperature = plc_config(plc->port());
  signed_temperature.speed_register = -1;
  signed_temperature.temperature_register = 102;
  auto c2 = PlcClient::create(signed_temperature);
  ASSERT_TRUE(c2);
  auto v2 = c2->read_process_values();
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_FALSE(v2->speed_rpm.has_value());
  EXPECT_NEAR(*v2->bearing_temperature_c, -10.0, 1e-9);
}

TEST_F(Modbus, PlcErrorsNameThePlcAndRegisterAndTheClientReconnects) {
  auto plc = PlcStandIn::start(dir_, {{100, 2960}, {101, 652}});
  ASSERT_TRUE(plc);
  const int port = plc->port();

  // A register the PLC does not hold: its exception, the connection kept.
  PlcConfig missing = plc_config(port);
  missing.speed_register = 5000;
  auto bad = PlcClient::create(missing);
  ASSERT_TRUE(bad);
  auto e = bad->read_process_values();
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find(
                fmt::format("PLC 127.0.0.1:{} unit 1: reading holding register 5000 (speed)", port)),
            std::string::npos)
      << e.error().message;
  EXPECT_TRUE(bad->connected());

  auto client = PlcClient::create(plc_config(port));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->read_process_values());
  plc->kill();
  auto down = client->read_process_values();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, vigil::ErrorCode::io);
  EXPECT_NE(down.error().message.find(fmt::format("PLC 127.0.0.1:{} unit 1", port)), std::string::npos);
  EXPECT_FALSE(client->connected());
  auto refused = client->read_interlock();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("connecting before reading holding register 12 (interlock)"),
            std::string::npos)
      << refused.error().message;

  // The PLC is back on the same port: the next call connects again.
  plc = PlcStandIn::start(dir_, {{100, 3000}, {101, 700}}, port);
  ASSERT_TRUE(plc);
  auto back = client->read_process_values();
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_DOUBLE_EQ(*back->speed_rpm, 1500.0);
  EXPECT_NEAR(*back->bearing_temperature_c, 70.0, 1e-9);
}

// The whole actuation path on an alarm: interlock read from the PLC, the gate (live, not a dry run), the
// write; the PLC itself reports the write it received.
// A PLC holding `interlock` at register 12, its client, and a live gate (not a dry run) for one asset.
struct ActuationRig {
  std::unique_ptr<PlcStandIn> plc;
  std::optional<PlcClient> client;
  std::optional<ActuationGate> gate;

  ActuationRig(const fs::path& dir, int interlock) : plc(PlcStandIn::start(dir, {{12, interlock}})) {
    if (!plc) return;
    const PlcConfig config = plc_config(plc->port());
    if (auto c = PlcClient::create(config)) client.emplace(*std::move(c));
    ActuationPolicy policy;
    policy.dry_run = false;
    if (auto g = ActuationGate::create(policy, config, 1)) gate.emplace(*std::move(g));
  }
  bool ready() const { return plc && client && gate; }
};

TEST_F(Modbus, AlarmStopsThroughTheGateWhenTheInterlockIsClosed) {
  ActuationRig rig(dir_, 1);
  ASSERT_TRUE(rig.ready());
  auto interlock = rig.client->read_interlock();
  ASSERT_TRUE(interlock) << interlock.error().message;
  EXPECT_EQ(*interlock, Interlock::closed);
  const ActuationRecord r = rig.gate->decide({.asset = 0,
                                              .asset_id = "pump-7",
                                              .level = AlertLevel::alarm,
                                              .confidence = 0.93,
                                              .at_ns = 0,
                                              .interlock = *interlock});
  ASSERT_TRUE(r.write()) << r.line;
  EXPECT_EQ(r.register_address, 21);
  auto written = rig.client->write_register(r.register_address, r.value);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(rig.plc->saw("write 21 1\n")) << rig.plc->output();
}

TEST_F(Modbus, WithheldWhenTheInterlockIsOpenOrUnreadable) {
  ActuationRig rig(dir_, 0);
  ASSERT_TRUE(rig.ready());
  auto& client = rig.client;
  auto& gate = rig.gate;
  auto& plc = rig.plc;
  ActuationRequest request{.asset = 0, .asset_id = "pump-7", .level = AlertLevel::alarm, .confidence = 0.93};

  auto interlock = client->read_interlock();
  ASSERT_TRUE(interlock) << interlock.error().message;
  EXPECT_EQ(*interlock, Interlock::open);
  request.interlock = *interlock;
  ActuationRecord r = gate->decide(request);
  EXPECT_EQ(r.withheld, Withheld::interlock_open);
  EXPECT_EQ(r.line, "pump-7: stop withheld: interlock open (register 12 does not read 1)");

  plc->kill();
  interlock = client->read_interlock();
  ASSERT_FALSE(interlock);
  request.interlock = Interlock::unreadable;
  r = gate->decide(request);
  EXPECT_EQ(r.withheld, Withheld::interlock_unreadable);
  EXPECT_EQ(plc->output().find("write"), std::string::npos);
}

TEST_F(Modbus, NothingListeningIsAnIoErrorNamingThePlc) {
  const int port = free_port();
  auto client = PlcClient::create(plc_config(port), 500ms);
  ASSERT_TRUE(client);
  auto v = client->read_process_values();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, vigil::ErrorCode::io);
  EXPECT_NE(v.error().message.find(fmt::format("PLC 127.0.0.1:{} unit 1: connecting before reading holding "
                                               "register 100 (speed)",
                                               port)),
            std::string::npos)
      << v.error().message;
  auto w = client->write_register(21, 1);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("writing 1 to holding register 21"), std::string::npos);
}

// The register values mbpoll printed for `-r first -c count` ("[120]: \t853" lines), by address.
std::map<int, long> mbpoll_values(const std::string& out) {
  std::map<int, long> values;
  std::size_t at = 0;
  while ((at = out.find("\n[", at)) != std::string::npos) {
    int address = 0;
    long value = 0;
    if (std::sscanf(out.c_str() + at, "\n[%d]: %ld", &address, &value) == 2) values[address] = value;
    ++at;
  }
  return values;
}

TEST(ModbusServerMbpoll, ReadsWhatWasUpdatedScaledByHand) {
  if (!have_mbpoll()) GTEST_SKIP() << "mbpoll is not installed (apt install mbpoll)";
  ModbusServerConfig config;
  config.port = 0;
  auto server = ModbusServer::create(config, 2);
  ASSERT_TRUE(server) << server.error().message;
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  AssetRegisters a;
  a.health_index = 0.8534;  // -> 853
  a.level = AlertLevel::alarm;
  a.ne107 = Ne107Status::failure;
  a.rul_h = 171.6;  // -> 172
  a.fault = vigil::diag::Verdict::ball;
  a.fault_confidence = 0.734;   // -> 734
  a.velocity_rms_mm_s = 11.87;  // -> 1187
  a.iso_zone = vigil::diag::IsoZone::D;
  a.windows = 70000;  // 0x0001'1170: high word 1, low word 4464
  ASSERT_TRUE((*server)->update(1, a));
  (*server)->update_node({.uptime_s = 3725.9, .backlog_records = 123456});  // 123456 = 0x0001'E240

  const std::map<int, long> asset1{{120, 853}, {121, 3},    {122, 4}, {123, 172}, {124, 3},
                                   {125, 734}, {126, 1187}, {127, 3}, {128, 1},   {129, 4464}};
  const std::map<int, long> asset0{{100, 1000}, {101, 0}, {102, 3}, {103, 65535}, {104, 0},
                                   {105, 0},    {106, 0}, {107, 0}, {108, 0},     {109, 0}};
  const std::map<int, long> node{{0, 1}, {1, 2}, {2, 0}, {3, 3725}, {4, 1}, {5, 57920}};
  for (const char* table : {"3", "4"}) {  // input registers (04) and holding registers (03)
    const std::string base = fmt::format("mbpoll -m tcp -p {} -a 1 -0 -1 -o 2 -t {}", port, table);
    auto [rc, out] = shell(base + " -r 120 -c 10 127.0.0.1");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(mbpoll_values(out), asset1) << out;
    std::tie(rc, out) = shell(base + " -r 100 -c 10 127.0.0.1");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(mbpoll_values(out), asset0) << out;
    std::tie(rc, out) = shell(base + " -r 0 -c 6 127.0.0.1");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(mbpoll_values(out), node) << out;
  }
  // The 32-bit windows counter, high word first (mbpoll -B).
  auto [rc, out] = shell(fmt::format("mbpoll -m tcp -p {} -0 -1 -o 2 -t 3:int -B -r 128 127.0.0.1", port));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(mbpoll_values(out), (std::map<int, long>{{128, 70000}})) << out;

  // Any unit id is answered.
  std::tie(rc, out) = shell(fmt::format("mbpoll -m tcp -p {} -a 7 -0 -1 -o 2 -r 120 127.0.0.1", port));
  EXPECT_EQ(mbpoll_values(out), (std::map<int, long>{{120, 853}})) << out;
  // Coils are not served.
  std::tie(rc, out) = shell(fmt::format("mbpoll -m tcp -p {} -0 -1 -o 2 -t 0 -r 0 127.0.0.1", port));
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("Illegal function"), std::string::npos) << out;

  // Writes are refused, and nothing changes.
  std::tie(rc, out) = shell(fmt::format("mbpoll -m tcp -p {} -0 -1 -o 2 -r 120 127.0.0.1 7", port));
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("Illegal function"), std::string::npos) << out;
  std::tie(rc, out) = shell(fmt::format("mbpoll -m tcp -p {} -0 -1 -o 2 -r 120 -c 1 127.0.0.1", port));
  EXPECT_EQ(mbpoll_values(out), (std::map<int, long>{{120, 853}})) << out;
}

}  // namespace VIGIL_TEST_FILE

namespace VIGIL_TEST_FILE {

// vigil-edge with a PLC and the register server: the measured speed from the PLC drives the kinematics, a
// warning on a simulated defect makes the agent write "reduce speed" to the PLC through the actuation gate
// (dry run off, interlock closed), and SCADA reads the asset's level with mbpoll while the agent runs.
TEST_F(Modbus, TheAgentReadsSpeedActsOnAWarningAndServesItsRegisters) {
  if (!have_pymodbus()) GTEST_SKIP() << "python3-pymodbus is not installed (apt install python3-pymodbus)";
  if (!have_mbpoll()) GTEST_SKIP() << "mbpoll is not installed (apt install mbpoll)";
  // Speed 2960 counts x 0.5 = 1480 rpm; interlock (12) closed.
  auto plc = PlcStandIn::start(dir_, {{100, 2960}, {12, 1}});
  ASSERT_TRUE(plc);
  const int modbus_port = free_port();
  const fs::path config = dir_ / "edge.toml";
  std::ofstream(config) << fmt::format(R"([node]
group = "plant1"
id = "line5"

[[asset]]
id = "pump9"
bearing = "6205-2RS"
speed_source = "plc"
speed_rpm = 1500
baseline_h = 0

[[channel]]
asset = "pump9"
source = "simulator"
sample_rate_hz = 12800
window_s = 0.32
onset_h = 0.002
life_h = 0.02

[storage]
dir = "{0}/state"

[policy.actuation]
dry_run = false
min_level = "warning"
min_confidence = 0.5

[plc]
port = {1}
poll_s = 0.2
speed_register = 100
speed_scale = 0.5
interlock_register = 12
reduce_speed_register = 20
stop_register = 21

[modbus]
port = {2}

[metrics]
enabled = false
)",
                                       dir_.string(), plc->port(), modbus_port);
  ChildProcess agent({VIGIL_EDGE, "--config", config.string(), "--time-scale", "10", "--duration", "8"},
                     dir_ / "edge.log");
  // The defect starts at 7.2 s of signal (0.7 s of wall time after the start) and is named within a few
  // windows; the agent's first start (FFT planning) takes seconds, more on a busy machine.
  agent.wait_for_output("level=warning", 60s);
  EXPECT_TRUE(plc->saw("write 20 1")) << agent.output() << plc->output();
  // Alert level of asset 0 (register 101): warning (2) or alarm (3), read by SCADA while the agent runs.
  auto [rc, out] = shell(fmt::format("mbpoll -m tcp -p {} -0 -1 -o 2 -t 3 -r 101 127.0.0.1", modbus_port));
  EXPECT_EQ(rc, 0) << out;
  const auto values = mbpoll_values(out);
  ASSERT_EQ(values.count(101), 1u) << out;
  EXPECT_GE(values.at(101), 2) << out;
  EXPECT_EQ(agent.wait(30s), 0) << agent.output();
  EXPECT_NE(agent.output().find("event=actuation asset=pump9 outcome=written"), std::string::npos)
      << agent.output();
  // The PLC's speed, not the nominal 1500 rpm, is what the decisions used.
  const auto shown =
      vigil::test::run("log show " + (dir_ / "state" / "decisions.db").string() + " --limit 100000");
  EXPECT_NE(shown.out.find("speed_rpm=1480.0"), std::string::npos) << shown.out.substr(0, 2000);
}

}  // namespace VIGIL_TEST_FILE
