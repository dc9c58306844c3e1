// Boost 1.74's Asio uses std::exchange in awaitable.hpp without including <utility> (g++ 12, C++23).
#include "hub/api/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "hub/api/event_bus.hpp"
#include "hub/api/request_parsing.hpp"

namespace vigil::hub::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;

constexpr std::size_t k_max_drain_bytes = 16 << 20;  // discarded after refusing a body, before closing
constexpr milliseconds k_drain_time{2000};

std::string_view status_class(int status) {
  static constexpr std::string_view k_classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  return k_classes[std::clamp(status / 100, 1, 5) - 1];
}

// The answer to a request the client got wrong.
struct Refusal {
  int status;
  std::string_view code;
  std::string message;
  bool drain;  // the client may still be sending: read and discard before closing
};

// The refusal for a read error that is the client's fault; nullopt for a connection closed, timed out or
// reset (nothing to answer).
std::optional<Refusal> refusal(const error_code& ec, const ApiConfig& config) {
  if (ec == http::error::body_limit)
    return Refusal{413, "payload_too_large",
                   fmt::format("request body larger than {} bytes", config.max_body_bytes), true};
  if (ec == http::error::header_limit)
    return Refusal{431, "headers_too_large",
                   fmt::format("request headers larger than {} bytes", config.max_header_bytes), false};
  if (ec.category() == error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream)
    return Refusal{400, "bad_request", fmt::format("malformed HTTP request: {}", ec.message()), false};
  return std::nullopt;
}

}  // namespace

Status check(const ApiConfig& c) {
  error_code ec;
  asio::ip::make_address(c.address, ec);
  if (ec) return fail(ErrorCode::invalid_argument, "api.address: '{}' is not an IP address", c.address);
  if (c.threads < 1 || c.threads > 64)
    return fail(ErrorCode::invalid_argument, "api.threads: {} is outside 1..64", c.threads);
  if (c.worker_threads < 1 || c.worker_threads > 64)
    return fail(ErrorCode::invalid_argument, "api.worker_threads: {} is outside 1..64", c.worker_threads);
  if (c.tls_cert.empty() != c.tls_key.empty())
    return fail(ErrorCode::invalid_argument, "api.tls_cert and api.tls_key: give both or neither");
  if (c.max_body_bytes < 1024 || c.max_body_bytes > (64u << 20))
    return fail(ErrorCode::invalid_argument, "api.max_body_bytes: {} is outside 1 KiB..64 MiB",
                c.max_body_bytes);
  if (c.max_header_bytes < 1024 || c.max_header_bytes > (1u << 20))
    return fail(ErrorCode::invalid_argument, "api.max_header_bytes: {} is outside 1 KiB..1 MiB",
                c.max_header_bytes);
  if (c.read_timeout_ms < 100 || c.read_timeout_ms > 3'600'000)
    return fail(ErrorCode::invalid_argument, "api.read_timeout_ms: {} is outside 100..3600000",
                c.read_timeout_ms);
  if (c.max_connections < 1 || c.max_connections > 1'000'000)
    return fail(ErrorCode::invalid_argument, "api.max_connections: {} is outside 1..1000000",
                c.max_connections);
  if (c.live_queue_events < 1 || c.live_queue_events > 100'000)
    return fail(ErrorCode::invalid_argument, "api.live_queue_events: {} is outside 1..100000",
                c.live_queue_events);
  if (c.heartbeat_ms < 100 || c.heartbeat_ms > 3'600'000)
    return fail(ErrorCode::invalid_argument, "api.heartbeat_ms: {} is outside 100..3600000", c.heartbeat_ms);
  return {};
}

struct HttpServer::Impl {
  Impl(const ApiConfig& c, const Router& r, MetricsRegistry& m)
      : config(c),
        router(r),
        requests_duration(m.histogram("vigil_http_request_duration_seconds",
                                      "Time from a request read to its response handed to the socket.",
                                      latency_buckets_s())),
        open(m.gauge("vigil_http_connections_open", "Open HTTP connections, live ones included.")),
        live(m.gauge("vigil_api_live_connections", "Open live-update (Server-Sent Events) connections.")),
        ioc(c.threads),
        workers(static_cast<std::size_t>(c.worker_threads)),
        acceptor(ioc) {
    for (const auto cls : {"1xx", "2xx", "3xx", "4xx", "5xx"})
      requests[std::string(cls)] = &m.counter("vigil_http_requests_total",
                                              "HTTP requests answered, by status class.", {{"code", cls}});
  }

  void count(int status, std::chrono::steady_clock::time_point start) {
    requests[std::string(status_class(status))]->add();
    requests_duration.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  template <typename Stream>
  asio::awaitable<void> session(Stream stream, std::string address);
  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, const std::string& address);
  template <typename Stream>
  asio::awaitable<void> stream_events(Stream& stream, unsigned version,
                                      std::shared_ptr<EventSubscription> sub);
  template <typename Stream>
  asio::awaitable<void> refuse(Stream& stream, const Refusal& refusal);
  asio::awaitable<void> accept_loop();

  const ApiConfig config;
  const Router& router;
  std::map<std::string, Counter*> requests;  // by status class, filled before the threads start
  Histogram& requests_duration;
  Gauge& open;
  Gauge& live;
  std::atomic<bool> stopping{false};
  std::optional<ssl::context> tls;
  // Destroyed before the members above: its pending coroutines (the connections) still use them.
  asio::io_context ioc;
  asio::thread_pool workers;  // destroyed before ioc: a request waiting here holds a socket of ioc
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::vector<std::jthread> threads;
};

// Counts a connection as open (or live) for its lifetime.
struct Held {
  explicit Held(Gauge& n) : n_(&n) { n_->add(1); }
  ~Held() { n_->add(-1); }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  Gauge* n_;
};

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::refuse(Stream& stream, const Refusal& refusal) {
  const Response r = error_response(refusal.status, refusal.code, refusal.message);
  http::response<http::string_body> res{static_cast<http::status>(refusal.status), 11};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::connection, "close");
  res.body() = r.body;
  res.prepare_payload();
  error_code ec;
  beast::get_lowest_layer(stream).expires_after(milliseconds(config.read_timeout_ms));
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || !refusal.drain) co_return;
  // Read and discard what the client is still sending for a while, so closing with unread bytes does not
  // reset the connection before the client has read the answer.
  beast::get_lowest_layer(stream).expires_after(k_drain_time);
  std::vector<char> sink(64 << 10);
  for (std::size_t total = 0; total < k_max_drain_bytes;) {
    const auto n =
        co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    total += n;
  }
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::stream_events(Stream& stream, unsigned version,
                                                      std::shared_ptr<EventSubscription> sub) {
  Held held(live);
  http::response<http::empty_body> res{http::status::ok, version};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::connection, "close");  // the stream ends with the connection
  http::response_serializer<http::empty_body> serializer{res};
  error_code ec;
  auto& socket_layer = beast::get_lowest_layer(stream);
  socket_layer.expires_after(milliseconds(config.read_timeout_ms));
  co_await http::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;

  // The publisher wakes this coroutine through the timer, on the connection's strand.
  // A dropped subscription also cancels a write stuck on a client that does not read, so the connection
  // ends now rather than at the write timeout. Both run on the strand; cancel_io is cleared at the end.
  struct Wake {
    explicit Wake(asio::any_io_executor executor) : timer(std::move(executor)) {}
    asio::steady_timer timer;
    std::atomic<bool> pending{true};  // take() once at the start
    std::function<void()> cancel_io;
  };
  auto wake = std::make_shared<Wake>(co_await asio::this_coro::executor);
  wake->cancel_io = [&socket_layer] { socket_layer.cancel(); };
  sub->set_wake([weak = std::weak_ptr<Wake>(wake), weak_sub = std::weak_ptr<EventSubscription>(sub)] {
    if (auto w = weak.lock()) {
      w->pending = true;
      asio::post(w->timer.get_executor(), [w, weak_sub] {
        w->timer.cancel();
        if (auto s = weak_sub.lock(); s && s->dropped() && w->cancel_io) w->cancel_io();
      });
    }
  });
  static const auto k_heartbeat = std::make_shared<const std::string>(":\n\n");
  static const auto k_hello = std::make_shared<const std::string>("retry: 3000\n\n");
  std::vector<EventFrame> frames{k_hello};
  std::vector<asio::const_buffer> buffers;
  while (!stopping) {
    if (frames.empty()) {
      wake->pending = false;
      if (!sub->take(frames)) break;  // dropped: this client fell behind
    }
    if (frames.empty()) {
      if (wake->pending) continue;
      wake->timer.expires_after(milliseconds(config.heartbeat_ms));
      co_await wake->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) continue;  // woken by an event
      frames.push_back(k_heartbeat);
    }
    buffers.clear();
    for (const auto& f : frames) buffers.push_back(asio::buffer(*f));
    socket_layer.expires_after(milliseconds(config.read_timeout_ms));
    co_await asio::async_write(stream, buffers, asio::redirect_error(asio::use_awaitable, ec));
    frames.clear();
    if (ec) break;
  }
  sub->set_wake({});
  wake->cancel_io = nullptr;
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::serve(Stream& stream, const std::string& address) {
  beast::flat_buffer buffer;
  error_code ec;
  auto& socket_layer = beast::get_lowest_layer(stream);
  while (!stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(config.max_body_bytes);
    socket_layer.expires_after(milliseconds(config.read_timeout_ms));
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    const auto start = std::chrono::steady_clock::now();
    // A Content-Length over the body limit fails already here, a chunked body while it is read.
    if (ec) {
      if (auto r = refusal(ec, config)) {
        count(r->status, start);
        co_await refuse(stream, *r);
      }
      co_return;  // closed, timed out or reset: nothing to answer
    }
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (auto r = refusal(ec, config)) {
        count(r->status, start);
        co_await refuse(stream, *r);
      }
      co_return;
    }

    auto& req = parser.get();
    Response response;
    Request request;
    const auto method =
        parse_method(std::string_view(req.method_string().data(), req.method_string().size()));
    const std::string_view target(req.target().data(), req.target().size());
    const auto mark = target.find('?');
    auto query = parse_query(mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1));
    if (!method) {
      response = error_response(405, "method_not_allowed", "unsupported HTTP method");
    } else if (!query) {
      response = error_response(400, "invalid_request", query.error().message);
    } else {
      request.method = *method;
      request.path = std::string(target.substr(0, mark));
      request.query = std::move(*query);
      request.authorization = std::string(req[http::field::authorization]);
      request.content_type = std::string(req[http::field::content_type]);
      request.body = std::move(req.body());
      request.client_address = address;
      // Handlers block (store queries, password hashing): they run on the worker threads, so the I/O
      // threads keep every other connection moving meanwhile.
      response = co_await asio::co_spawn(
          workers, [this, &request]() -> asio::awaitable<Response> { co_return router.dispatch(request); },
          asio::use_awaitable);
    }
    count(response.status, start);
    if (response.stream) co_return co_await stream_events(stream, req.version(), std::move(response.stream));

    http::response<http::string_body> res{static_cast<http::status>(response.status), req.version()};
    if (response.status != 204) res.set(http::field::content_type, response.content_type);
    res.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(response.body);
    res.prepare_payload();
    socket_layer.expires_after(milliseconds(config.read_timeout_ms));
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) co_return;
  }
}

template <typename Stream>
asio::awaitable<void> HttpServer::Impl::session(Stream stream, std::string address) {
  Held held(open);
  error_code ec;
  if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
    beast::get_lowest_layer(stream).expires_after(milliseconds(config.read_timeout_ms));
    co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // not TLS (plain HTTP to the HTTPS port), or a certificate the client refused
    co_await serve(stream, address);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await serve(stream, address);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  error_code ec;
  while (!stopping) {
    tcp::socket socket(asio::make_strand(ioc));
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors (or the like): wait a little rather than spin.
      asio::steady_timer pause(ioc, milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (open.value() >= static_cast<double>(config.max_connections)) {
      socket.close(ec);
      continue;
    }
    auto endpoint = socket.remote_endpoint(ec);
    std::string address = ec ? std::string("unknown") : endpoint.address().to_string();
    auto executor = socket.get_executor();
    if (tls) {
      asio::co_spawn(executor,
                     session(beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls),
                             std::move(address)),
                     asio::detached);
    } else {
      asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket)), std::move(address)),
                     asio::detached);
    }
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::create(const ApiConfig& config, const Router& router,
                                                       MetricsRegistry& metrics) {
  if (auto ok = check(config); !ok) return std::unexpected(ok.error());
  auto impl = std::make_unique<Impl>(config, router, metrics);
  error_code ec;
  if (!config.tls_cert.empty()) {
    impl->tls.emplace(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                           ssl::context::single_dh_use);
    impl->tls->use_certificate_chain_file(config.tls_cert.string(), ec);
    if (ec)
      return fail(ErrorCode::invalid_argument, "api.tls_cert: {}: {}", config.tls_cert.string(),
                  ec.message());
    impl->tls->use_private_key_file(config.tls_key.string(), ssl::context::pem, ec);
    if (ec)
      return fail(ErrorCode::invalid_argument, "api.tls_key: {}: {}", config.tls_key.string(), ec.message());
  }
  const tcp::endpoint endpoint(asio::ip::make_address(config.address), config.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(ErrorCode::io, "api: cannot listen on {}:{}: {}", config.address, config.port, ec.message());
  impl->port = impl->acceptor.local_endpoint().port();

  Impl* raw = impl.get();
  asio::co_spawn(impl->ioc, impl->accept_loop(), asio::detached);
  for (int i = 0; i < config.threads; ++i) impl->threads.emplace_back([raw] { raw->ioc.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const { return impl_ ? impl_->port : 0; }

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    error_code ec;
    impl->acceptor.close(ec);
  });
  impl_->ioc.stop();
  impl_->threads.clear();  // joins
  impl_->workers.stop();
  impl_->workers.join();
  // Destroying the io_context closes every socket and ends the connections' coroutines.
  impl_.reset();
}

}  // namespace vigil::hub::api
