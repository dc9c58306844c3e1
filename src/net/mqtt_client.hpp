// MQTT client for every Vigil program that talks to a broker (the sensor node, the edge agent, the hub):
// the one wrapper of libmosquitto. It owns its network thread, keeps the connection up (reconnecting with
// jittered exponential backoff and restoring subscriptions), and reports messages and connection changes
// through callbacks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "net/backoff.hpp"

struct mosquitto;
struct mosquitto_message;

namespace vigil::net {

struct MqttTls {
  std::string ca_file{};  // PEM: the CA that signed the broker's certificate (the broker is always verified)
  std::string cert_file{};  // PEM client certificate, for mutual TLS; empty = none (then key_file empty too)
  std::string key_file{};   // PEM private key of cert_file, unencrypted
};

// Published by the broker for us when the connection dies without a DISCONNECT (crash, kill, lost link).
struct MqttWill {
  std::string topic{};    // no wildcards
  std::string payload{};  // bytes, <= 65535
  int qos = 1;
  bool retain = false;
};

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;          // 8883 is the usual TLS port
  std::string client_id{};  // unique per broker; a second client with the same id disconnects the first
  bool clean_session = true;
  int keepalive_s = 30;  // [5, 65535]: the broker drops us (and sends the Will) after 1.5 x this of silence
  std::optional<MqttTls> tls{};
  std::string username{};  // empty = none
  std::string password{};
  std::optional<MqttWill> will{};
  Backoff::Config backoff{};
};

enum class ConnectionState { connected, disconnected };

// Thread safety: publish, subscribe, connected and last_error may be called from any thread. The callbacks
// run on the client's network thread: they must return quickly and must not call connect, subscribe or
// the destructor (publish is fine).
class MqttClient {
 public:
  using MessageHandler = std::function<void(std::string_view topic, std::span<const std::byte> payload)>;
  // state and, for disconnected, why ("connection lost: ...").
  using StateHandler = std::function<void(ConnectionState state, std::string_view reason)>;

  // Checks the options (ports, keepalive, TLS files readable, Will topic) and prepares the session; does
  // not touch the network. mosquitto_lib_init runs once per process, on the first create().
  static Result<std::unique_ptr<MqttClient>> create(const MqttOptions& options);
  // Disconnects cleanly (so the broker does not publish the Will) and joins the network thread.
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Set before connect()/start().
  void on_message(MessageHandler handler) { message_handler_ = std::move(handler); }
  void on_state(StateHandler handler) { state_handler_ = std::move(handler); }

  // Starts the network thread and waits for the first attempt: success once the broker accepted the
  // session (CONNACK), else an error naming host:port and the reason (refused, TLS, not authorised,
  // timeout), and the thread is stopped again. After a success the thread reconnects by itself forever.
  Status connect(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Starts the network thread without waiting: it tries, backs off and retries until it is connected
  // (a daemon that must come up while the broker is down).
  void start();
  // Waits until connected; on timeout, an error with the last failure's reason.
  Status wait_connected(std::chrono::milliseconds timeout);

  // Queues a message for the network thread; an io error when not connected (QoS 0 is then lost).
  Status publish(const std::string& topic, std::span<const std::byte> payload, int qos = 0,
                 bool retain = false);
  // Subscribes and, when connected, waits for the broker's SUBACK (error if it refused). The filter is
  // remembered and subscribed again after every reconnect.
  Status subscribe(const std::string& topic_filter, int qos = 0,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

  bool connected() const;
  std::string last_error() const;  // why the last attempt or connection failed; empty if none did
  const MqttOptions& options() const { return options_; }

 private:
  struct MosquittoDeleter {
    void operator()(mosquitto* m) const;
  };

  explicit MqttClient(const MqttOptions& options, Backoff backoff);
  void run(std::stop_token stop);
  void stop_thread();
  void record_failure(std::string reason);
  std::string where() const;

  static void handle_connect(mosquitto*, void* self, int rc);
  static void handle_message(mosquitto*, void* self, const mosquitto_message* message);
  static void handle_subscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void handle_log(mosquitto*, void* self, int level, const char* text);

  MqttOptions options_;
  Backoff backoff_;
  std::unique_ptr<mosquitto, MosquittoDeleter> mosq_;
  MessageHandler message_handler_;
  StateHandler state_handler_;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;  // connected_, failures_, subacks_
  bool connected_ = false;
  std::uint64_t failures_ = 0;  // failed attempts and lost connections since start
  std::string last_error_;
  std::string last_log_error_;  // libmosquitto's last error log line (OpenSSL's reason for a TLS failure)
  std::vector<std::pair<std::string, int>> subscriptions_;
  std::vector<std::pair<int, int>> subacks_;  // (mid, granted qos) received, not yet collected

  std::jthread thread_;
};

}  // namespace vigil::net
