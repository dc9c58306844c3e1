// A real Mosquitto broker for tests: started on 127.0.0.1 on a port chosen at run time, from a config in a
// temporary folder, optionally with a TLS listener that requires client certificates; stopped and reaped on
// every path (destructor; and it dies with the test process, through PR_SET_PDEATHSIG). Also the test
// certificates, generated at run time with the openssl command (none is ever committed).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

#include "core/error.hpp"

namespace vigil::test {

// Two independent certificate authorities: `ca` signed the server's and the good client's certificate;
// `other_ca` signed `other_client` (a certificate the broker must refuse). EC P-256 keys, valid one day;
// the server certificate names 127.0.0.1 and localhost.
struct TestPki {
  std::filesystem::path ca_cert;
  std::filesystem::path server_cert, server_key;
  std::filesystem::path client_cert, client_key;
  std::filesystem::path other_ca_cert;
  std::filesystem::path other_client_cert, other_client_key;
};

Result<TestPki> make_test_pki(const std::filesystem::path& dir);

// One more client certificate signed by the `ca` of make_test_pki(dir), with common name `cn`:
// dir/<cn>.crt and dir/<cn>.key.
Status make_client_certificate(const std::filesystem::path& dir, const std::string& cn);

class MosquittoBroker {
 public:
  struct Tls {
    std::filesystem::path ca_file, cert_file, key_file;
    bool require_certificate = true;
  };
  struct Options {
    std::optional<Tls> tls{};     // the listener is TLS-only when set
    bool allow_anonymous = true;  // false: with no password file, every client is refused "not authorised"
    std::filesystem::path acl_file{};   // Mosquitto's acl_file, when set
    bool identity_as_username = false;  // use_identity_as_username: a client is its certificate's CN
  };

  // Writes the config, picks a free port (retrying when another process takes it first), starts
  // `mosquitto -c` and waits until it accepts a TCP connection (at most 10 s).
  static Result<std::unique_ptr<MosquittoBroker>> start(const Options& options);
  static Result<std::unique_ptr<MosquittoBroker>> start() { return start(Options{}); }
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // SIGTERM, then SIGKILL after 5 s; reaps the process. Idempotent.
  void stop();
  // Starts it again on the same port (after stop()).
  Status restart();

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string log() const;  // everything the broker printed (all runs)

 private:
  MosquittoBroker() = default;
  Status write_config() const;
  Status launch();  // one start on port_; error if it exits or does not listen

  Options options_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vigil::test
