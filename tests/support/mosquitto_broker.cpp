#include "support/mosquitto_broker.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/server_process.hpp"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Result<fs::path> make_temp_dir(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail(ErrorCode::io, "mkdtemp {}: {}", pattern, std::strerror(errno));
  return fs::path(pattern);
}

// A port the kernel considers free right now (bind to port 0, read it back, close). Another process may
// take it before the broker binds it: start() retries then.
Result<int> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail(ErrorCode::io, "socket: {}", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(ErrorCode::io, "bind 127.0.0.1:0: {}", std::strerror(e));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

bool accepts_connection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

Status run_openssl(const fs::path& dir, const std::string& args) {
  const std::string command = "cd '" + dir.string() + "' && openssl " + args + " >>openssl.log 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) {
    return fail(ErrorCode::internal, "openssl {} failed (status {}): {}", args, status,
                read_file(dir / "openssl.log"));
  }
  return {};
}

}  // namespace

namespace {

const std::string k_ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

Status make_leaf(const fs::path& dir, const std::string& name, const std::string& ca, const std::string& cn,
                 const std::string& extensions) {
  {
    std::ofstream ext(dir / (name + ".ext"));
    ext << "basicConstraints=CA:FALSE\n" << extensions;
  }
  if (auto ok = run_openssl(
          dir, "req " + k_ec_key + " -keyout " + name + ".key -out " + name + ".csr -subj '/CN=" + cn + "'");
      !ok)
    return ok;
  return run_openssl(dir, "x509 -req -days 1 -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
                              ".key -CAcreateserial -out " + name + ".crt -extfile " + name + ".ext");
}

}  // namespace

Status make_client_certificate(const fs::path& dir, const std::string& cn) {
  return make_leaf(dir, cn, "ca", cn, "extendedKeyUsage=clientAuth\n");
}

Result<TestPki> make_test_pki(const fs::path& dir) {
  const std::string& ec = k_ec_key;
  const auto make_ca = [&](const std::string& name) {
    return run_openssl(dir, "req -x509 " + ec + " -days 1 -keyout " + name + ".key -out " + name +
                                ".crt -subj '/CN=Vigil test " + name +
                                "' -addext basicConstraints=critical,CA:TRUE -addext "
                                "keyUsage=critical,keyCertSign,cRLSign");
  };
  for (auto status :
       {make_ca("ca"), make_ca("other_ca"),
        make_leaf(dir, "server", "ca", "localhost",
                  "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
        make_leaf(dir, "client", "ca", "vigil-test-client", "extendedKeyUsage=clientAuth\n"),
        make_leaf(dir, "other_client", "other_ca", "vigil-test-client", "extendedKeyUsage=clientAuth\n")}) {
    if (!status) return std::unexpected(status.error());
  }
  return TestPki{.ca_cert = dir / "ca.crt",
                 .server_cert = dir / "server.crt",
                 .server_key = dir / "server.key",
                 .client_cert = dir / "client.crt",
                 .client_key = dir / "client.key",
                 .other_ca_cert = dir / "other_ca.crt",
                 .other_client_cert = dir / "other_client.crt",
                 .other_client_key = dir / "other_client.key"};
}

Result<std::unique_ptr<MosquittoBroker>> MosquittoBroker::start(const Options& options) {
  std::unique_ptr<MosquittoBroker> broker(new MosquittoBroker());
  broker->options_ = options;
  auto dir = make_temp_dir("vigil-mosquitto-");
  if (!dir) return std::unexpected(dir.error());
  broker->dir_ = *dir;
  Error last{ErrorCode::internal, "no attempt"};
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = free_port();
    if (!port) return std::unexpected(port.error());
    broker->port_ = *port;
    if (auto ok = broker->write_config(); !ok) return std::unexpected(ok.error());
    auto launched = broker->launch();
    if (launched) return broker;
    last = launched.error();
    // Only a port taken in the meantime is worth another try.
    if (broker->log().find("Address already in use") == std::string::npos) break;
  }
  return std::unexpected(last);
}

MosquittoBroker::~MosquittoBroker() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

Status MosquittoBroker::write_config() const {
  const passwd* user = ::getpwuid(::getuid());
  std::ofstream conf(dir_ / "mosquitto.conf");
  // Run as ourselves: started as root, Mosquitto would otherwise switch to the `mosquitto` user, who cannot
  // read the files of this folder.
  conf << "user " << (user != nullptr ? user->pw_name : "root") << "\n"
       << "persistence false\n"
       << "allow_anonymous " << (options_.allow_anonymous ? "true" : "false") << "\n"
       << "log_dest stderr\n"
       << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
       << "listener " << port_ << " 127.0.0.1\n";
  if (options_.tls) {
    conf << "cafile " << options_.tls->ca_file.string() << "\n"
         << "certfile " << options_.tls->cert_file.string() << "\n"
         << "keyfile " << options_.tls->key_file.string() << "\n"
         << "require_certificate " << (options_.tls->require_certificate ? "true" : "false") << "\n";
    if (options_.identity_as_username) conf << "use_identity_as_username true\n";
  }
  if (!options_.acl_file.empty()) conf << "acl_file " << options_.acl_file.string() << "\n";
  if (!conf) return fail(ErrorCode::io, "cannot write {}", (dir_ / "mosquitto.conf").string());
  return {};
}

Status MosquittoBroker::launch() {
  const std::string exe = fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
  auto pid = spawn_server({exe, "-c", (dir_ / "mosquitto.conf").string()}, dir_ / "mosquitto.log");
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;

  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail(ErrorCode::internal, "mosquitto exited at start on port {} (status {}): {}", port_, status,
                  log());
    }
    if (accepts_connection(port_)) return {};
    std::this_thread::sleep_for(20ms);
  }
  stop();
  return fail(ErrorCode::internal, "mosquitto did not listen on 127.0.0.1:{} within 10 s: {}", port_, log());
}

void MosquittoBroker::stop() { stop_server(pid_, SIGTERM, 5s); }

Status MosquittoBroker::restart() {
  stop();
  return launch();
}

std::string MosquittoBroker::log() const { return read_file(dir_ / "mosquitto.log"); }

}  // namespace vigil::test
