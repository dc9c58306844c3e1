#include "net/mqtt_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <mosquitto.h>

namespace vigil::net {
namespace {

// mosquitto_lib_init is not thread-safe and must run once before any other call; it is never undone
// (mosquitto_lib_cleanup would break clients that outlive their creator's scope; the OS reclaims it).
void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// mosquitto_loop's select() timeout: how long a stop request or a queued publish may wait at most (a
// publish also wakes the loop through libmosquitto's socket pair, so this is only the stop latency).
constexpr int k_loop_timeout_ms = 100;

std::string describe(int rc, int saved_errno) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(saved_errno);
  if (rc == MOSQ_ERR_CONN_LOST) return "connection lost";
  std::string text = mosquitto_strerror(rc);
  if (!text.empty() && text.back() == '.') text.pop_back();  // it is embedded in longer messages
  return text;
}

Status check_readable(std::string_view what, const std::string& path) {
  if (path.empty()) return fail(ErrorCode::invalid_argument, "mqtt: TLS {} file not given", what);
  std::ifstream file(path);
  if (!file) return fail(ErrorCode::io, "mqtt: TLS {} file {}: cannot read it", what, path);
  return {};
}

bool has_wildcard(std::string_view topic) { return topic.find_first_of("+#") != std::string_view::npos; }

Status check_options(const MqttOptions& o) {
  if (o.host.empty()) return fail(ErrorCode::invalid_argument, "mqtt: broker host is empty");
  if (o.port < 1 || o.port > 65535)
    return fail(ErrorCode::invalid_argument, "mqtt: port {} outside [1, 65535]", o.port);
  if (o.client_id.empty()) return fail(ErrorCode::invalid_argument, "mqtt: client id is empty");
  if (o.client_id.size() > 65535)
    return fail(ErrorCode::invalid_argument, "mqtt: client id of {} bytes exceeds 65535", o.client_id.size());
  if (o.keepalive_s < 5 || o.keepalive_s > 65535)
    return fail(ErrorCode::invalid_argument, "mqtt: keepalive {} s outside [5, 65535]", o.keepalive_s);
  if (o.username.empty() && !o.password.empty())
    return fail(ErrorCode::invalid_argument, "mqtt: a password needs a username");
  if (o.tls) {
    if (auto ok = check_readable("CA", o.tls->ca_file); !ok) return ok;
    if (o.tls->cert_file.empty() != o.tls->key_file.empty()) {
      return fail(ErrorCode::invalid_argument,
                  "mqtt: TLS client certificate and key go together (certificate '{}', key '{}')",
                  o.tls->cert_file, o.tls->key_file);
    }
    if (!o.tls->cert_file.empty()) {
      if (auto ok = check_readable("certificate", o.tls->cert_file); !ok) return ok;
      if (auto ok = check_readable("key", o.tls->key_file); !ok) return ok;
    }
  }
  if (o.will) {
    if (o.will->topic.empty() || has_wildcard(o.will->topic))
      return fail(ErrorCode::invalid_argument, "mqtt: Will topic '{}' is empty or has a wildcard",
                  o.will->topic);
    if (o.will->payload.size() > 65535)
      return fail(ErrorCode::invalid_argument, "mqtt: Will payload of {} bytes exceeds 65535",
                  o.will->payload.size());
    if (o.will->qos < 0 || o.will->qos > 2)
      return fail(ErrorCode::invalid_argument, "mqtt: Will QoS {} outside [0, 2]", o.will->qos);
  }
  return {};
}

Status check_qos(int qos) {
  if (qos < 0 || qos > 2) return fail(ErrorCode::invalid_argument, "mqtt: QoS {} outside [0, 2]", qos);
  return {};
}

}  // namespace

void MqttClient::MosquittoDeleter::operator()(mosquitto* m) const { mosquitto_destroy(m); }

MqttClient::MqttClient(const MqttOptions& options, Backoff backoff)
    : options_(options), backoff_(std::move(backoff)) {}

Result<std::unique_ptr<MqttClient>> MqttClient::create(const MqttOptions& options) {
  if (auto ok = check_options(options); !ok) return std::unexpected(ok.error());
  auto backoff = Backoff::create(options.backoff, std::random_device{}());
  if (!backoff) return std::unexpected(backoff.error().with_context("mqtt"));
  init_library_once();

  std::unique_ptr<MqttClient> client(new MqttClient(options, std::move(*backoff)));
  mosquitto* m = mosquitto_new(options.client_id.c_str(), options.clean_session, client.get());
  if (m == nullptr) return fail(ErrorCode::internal, "mqtt: mosquitto_new failed: {}", std::strerror(errno));
  client->mosq_.reset(m);
  mosquitto_threaded_set(m, true);  // our own thread runs mosquitto_loop; others publish
  mosquitto_connect_callback_set(m, &MqttClient::handle_connect);
  mosquitto_message_callback_set(m, &MqttClient::handle_message);
  mosquitto_subscribe_callback_set(m, &MqttClient::handle_subscribe);
  mosquitto_log_callback_set(m, &MqttClient::handle_log);

  if (options.tls) {
    const MqttTls& t = *options.tls;
    const int rc =
        mosquitto_tls_set(m, t.ca_file.c_str(), nullptr, t.cert_file.empty() ? nullptr : t.cert_file.c_str(),
                          t.key_file.empty() ? nullptr : t.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      return fail(ErrorCode::invalid_argument, "mqtt: TLS set-up refused: {}", mosquitto_strerror(rc));
  }
  if (!options.username.empty()) {
    const int rc = mosquitto_username_pw_set(m, options.username.c_str(),
                                             options.password.empty() ? nullptr : options.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS)
      return fail(ErrorCode::invalid_argument, "mqtt: username refused: {}", mosquitto_strerror(rc));
  }
  if (options.will) {
    const MqttWill& w = *options.will;
    const int rc = mosquitto_will_set(m, w.topic.c_str(), static_cast<int>(w.payload.size()),
                                      w.payload.data(), w.qos, w.retain);
    if (rc != MOSQ_ERR_SUCCESS)
      return fail(ErrorCode::invalid_argument, "mqtt: Will refused: {}", mosquitto_strerror(rc));
  }
  return client;
}

MqttClient::~MqttClient() { stop_thread(); }

std::string MqttClient::where() const { return fmt::format("{}:{}", options_.host, options_.port); }

void MqttClient::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    failures_ = 0;
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void MqttClient::stop_thread() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  changed_.notify_all();
  thread_.join();
  thread_ = std::jthread();
}

Status MqttClient::connect(std::chrono::milliseconds timeout) {
  start();
  bool ok = false;
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return connected_ || failures_ > 0; });
    ok = connected_;
  }
  if (ok) return {};
  const std::string reason = last_error();
  stop_thread();
  if (reason.empty())
    return fail(ErrorCode::io, "mqtt: no answer from {} within {} ms", where(), timeout.count());
  return fail(ErrorCode::io, "mqtt: cannot connect to {}: {}", where(), reason);
}

Status MqttClient::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (changed_.wait_for(lock, timeout, [&] { return connected_; })) return {};
  return fail(ErrorCode::io, "mqtt: not connected to {} after {} ms{}{}", where(), timeout.count(),
              last_error_.empty() ? "" : ": ", last_error_);
}

bool MqttClient::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

std::string MqttClient::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void MqttClient::record_failure(std::string reason) {
  bool was_connected = false;
  {
    std::lock_guard lock(mutex_);
    if (!last_log_error_.empty() && reason.find(last_log_error_) == std::string::npos)
      reason += fmt::format(" ({})", last_log_error_);
    last_log_error_.clear();
    was_connected = connected_;
    connected_ = false;
    ++failures_;
    last_error_ = reason;
  }
  changed_.notify_all();
  if (was_connected && state_handler_) state_handler_(ConnectionState::disconnected, reason);
}

// The network thread: connect, run the loop until the connection drops, back off, reconnect; until stopped.
void MqttClient::run(std::stop_token stop) {
  mosquitto* m = mosq_.get();
  bool first = true;
  std::mutex sleep_mutex;
  std::condition_variable_any sleeper;  // woken early only by the stop request
  const auto sleep_for = [&](std::chrono::milliseconds delay) {
    std::unique_lock lock(sleep_mutex);
    sleeper.wait_for(lock, stop, delay, [] { return false; });
  };
  while (!stop.stop_requested()) {
    const int rc = first ? mosquitto_connect(m, options_.host.c_str(), options_.port, options_.keepalive_s)
                         : mosquitto_reconnect(m);
    const int saved_errno = errno;
    if (rc != MOSQ_ERR_SUCCESS) {
      record_failure(describe(rc, saved_errno));
      sleep_for(backoff_.next());
      continue;
    }
    first = false;  // mosquitto_connect stored host, port and keepalive for mosquitto_reconnect
    int loop_rc = MOSQ_ERR_SUCCESS;
    int loop_errno = 0;
    while (!stop.stop_requested()) {
      loop_rc = mosquitto_loop(m, k_loop_timeout_ms, 1);
      loop_errno = errno;
      if (loop_rc != MOSQ_ERR_SUCCESS) break;
    }
    if (stop.stop_requested()) break;
    std::string reason = loop_rc == MOSQ_ERR_CONN_REFUSED ? last_error() : describe(loop_rc, loop_errno);
    if (loop_rc != MOSQ_ERR_CONN_REFUSED && loop_rc != MOSQ_ERR_CONN_LOST && connected())
      reason = "connection lost: " + reason;
    record_failure(std::move(reason));
    sleep_for(backoff_.next());
  }
  // A clean DISCONNECT, flushed by a few loop turns, so the broker does not publish the Will.
  if (connected()) {
    mosquitto_disconnect(m);
    for (int i = 0; i < 10 && mosquitto_loop(m, 10, 1) == MOSQ_ERR_SUCCESS; ++i) {
    }
    std::lock_guard lock(mutex_);
    connected_ = false;
  }
}

Status MqttClient::publish(const std::string& topic, std::span<const std::byte> payload, int qos,
                           bool retain) {
  if (auto ok = check_qos(qos); !ok) return ok;
  if (payload.size() > 268'435'455)
    return fail(ErrorCode::invalid_argument, "mqtt: payload of {} bytes exceeds MQTT's 256 MiB",
                payload.size());
  const int rc = mosquitto_publish(mosq_.get(), nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  if (rc == MOSQ_ERR_SUCCESS) return {};
  if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
    return fail(ErrorCode::io, "mqtt: publish to '{}': not connected to {}", topic, where());
  return fail(
      rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_MALFORMED_UTF8 ? ErrorCode::invalid_argument : ErrorCode::io,
      "mqtt: publish to '{}': {}", topic, mosquitto_strerror(rc));
}

Status MqttClient::subscribe(const std::string& topic_filter, int qos, std::chrono::milliseconds timeout) {
  if (auto ok = check_qos(qos); !ok) return ok;
  if (mosquitto_sub_topic_check(topic_filter.c_str()) != MOSQ_ERR_SUCCESS)
    return fail(ErrorCode::invalid_argument, "mqtt: '{}' is not a valid topic filter", topic_filter);
  {
    std::lock_guard lock(mutex_);
    subscriptions_.emplace_back(topic_filter, qos);
    if (!connected_) return {};  // subscribed on connect
  }
  // No lock of ours is held while calling into libmosquitto: it takes its own locks, and our callbacks
  // (which take mutex_) run under them.
  int mid = 0;
  const int rc = mosquitto_subscribe(mosq_.get(), &mid, topic_filter.c_str(), qos);
  if (rc != MOSQ_ERR_SUCCESS)
    return fail(ErrorCode::io, "mqtt: subscribe to '{}' on {}: {}", topic_filter, where(),
                mosquitto_strerror(rc));
  const auto ack = [&] {
    return std::find_if(subacks_.begin(), subacks_.end(), [&](const auto& s) { return s.first == mid; });
  };
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return ack() != subacks_.end(); }))
    return fail(ErrorCode::io, "mqtt: no SUBACK for '{}' from {} within {} ms", topic_filter, where(),
                timeout.count());
  const auto it = ack();
  const int granted = it->second;
  subacks_.erase(it);
  if (granted > 2)
    return fail(ErrorCode::io, "mqtt: {} refused the subscription to '{}'", where(), topic_filter);
  return {};
}

void MqttClient::handle_connect(mosquitto* m, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    std::lock_guard lock(c->mutex_);
    c->last_error_ = fmt::format("broker refused the session: {}", mosquitto_connack_string(rc));
    return;  // mosquitto_loop returns MOSQ_ERR_CONN_REFUSED next; run() records the failure
  }
  // The callback runs before connected_ is set, so connect() returns only after it has seen the change.
  if (c->state_handler_) c->state_handler_(ConnectionState::connected, "");
  std::vector<std::pair<std::string, int>> subscriptions;
  {
    std::lock_guard lock(c->mutex_);
    c->connected_ = true;
    c->last_log_error_.clear();
    subscriptions = c->subscriptions_;
  }
  for (const auto& [filter, qos] : subscriptions) mosquitto_subscribe(m, nullptr, filter.c_str(), qos);
  c->backoff_.reset();
  c->changed_.notify_all();
}

void MqttClient::handle_message(mosquitto*, void* self, const mosquitto_message* message) {
  auto* c = static_cast<MqttClient*>(self);
  if (!c->message_handler_) return;
  c->message_handler_(message->topic,
                      std::span<const std::byte>(static_cast<const std::byte*>(message->payload),
                                                 static_cast<std::size_t>(message->payloadlen)));
}

void MqttClient::handle_subscribe(mosquitto*, void* self, int mid, int count, const int* granted) {
  auto* c = static_cast<MqttClient*>(self);
  {
    std::lock_guard lock(c->mutex_);
    c->subacks_.emplace_back(mid, count > 0 ? granted[0] : 0x80);
    // Re-subscriptions after a reconnect are not waited for: keep the list bounded.
    if (c->subacks_.size() > 64) c->subacks_.erase(c->subacks_.begin());
  }
  c->changed_.notify_all();
}

void MqttClient::handle_log(mosquitto*, void* self, int level, const char* text) {
  if (level != MOSQ_LOG_ERR) return;
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard lock(c->mutex_);
  if (c->last_log_error_.empty()) c->last_log_error_ = text;  // the first line names the cause
}

}  // namespace vigil::net
