// Load generator for `ackd serve`: closed-loop ingest throughput, open-loop
// received-to-reply-delivered latency, and the same generator against a static 202 server
// as the ceiling of what this machine and this client can measure.
//
// Threads: the client runs on the main thread; the reply receiver and the static server each
// get one thread of their own, so a slow client never delays the arrival stamp of a reply.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Per-complaint stamps, indexed by the sequence number carried in external_id. Atomics
// because the receiver thread writes `replied` while the client thread reads it.
struct Stamps {
  explicit Stamps(std::size_t n) : sent(n), replied(n) {}
  std::vector<std::atomic<std::int64_t>> sent;
  std::vector<std::atomic<std::int64_t>> replied;
};

// ---------------------------------------------------------------------------------------
// A small HTTP/1.1 server: the reply receiver and the static-202 server share it.

using Handler = std::function<void(const http::request<http::string_body>&,
                                   http::response<http::string_body>&)>;

// One connection, plain or TLS (Stream is a tcp_stream or an ssl_stream over one).
template <class Stream>
class ServerSession : public std::enable_shared_from_this<ServerSession<Stream>> {
 public:
  template <class... Args>
  ServerSession(const Handler& handler, Args&&... stream_args)
      : stream_(std::forward<Args>(stream_args)...), handler_(handler) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->respond();
                     });
  }

  void respond() {
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    handler_(request_, response_);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    auto& tcp_stream = beast::get_lowest_layer(stream_);
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_stream.close();
  }

  Stream stream_;
  const Handler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

// Owns its io_context and thread; stopping it drops every connection.
class Server {
 public:
  // With `tls`, every connection is HTTPS.
  Server(std::uint16_t port, Handler handler, std::shared_ptr<net::ssl::context> tls = nullptr)
      : handler_(std::move(handler)), tls_(std::move(tls)), acceptor_(io_) {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Server() {
    io_.stop();
    thread_.join();
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      socket.set_option(tcp::no_delay(true));
      if (tls_) {
        std::make_shared<ServerSession<beast::ssl_stream<beast::tcp_stream>>>(
            handler_, std::move(socket), *tls_)
            ->start();
      } else {
        std::make_shared<ServerSession<beast::tcp_stream>>(handler_, std::move(socket))->start();
      }
      accept();
    });
  }

  Handler handler_;
  std::shared_ptr<net::ssl::context> tls_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// Records the arrival of each reply; notices and foreign ids are only counted.
class Receiver {
 public:
  Receiver(std::uint16_t port, Stamps& stamps, std::string prefix,
           std::shared_ptr<net::ssl::context> tls)
      : stamps_(stamps),
        prefix_(std::move(prefix)),
        server_(
            port, [this](const auto& req, auto& res) { handle(req, res); }, std::move(tls)) {}

  std::uint16_t port() const { return server_.port(); }
  std::uint64_t replies() const { return replies_.load(); }
  std::uint64_t notices() const { return notices_.load(); }
  std::uint64_t unknown() const { return unknown_.load(); }

 private:
  void handle(const http::request<http::string_body>& req, http::response<http::string_body>& res) {
    // Stamp before parsing so the JSON cost is not charged to the daemon.
    const std::int64_t at = now_ns();
    res.result(http::status::ok);
    json body = json::parse(req.body(), nullptr, false);
    // LINE's reply API (--line-secret) names the complaint by the reply token it was given.
    const bool line_reply = req.target() == "/v2/bot/message/reply";
    if (!body.is_object() || (!line_reply && body.value("kind", "") != "reply")) {
      ++notices_;
      return;
    }
    ++replies_;
    const std::string id = body.value(line_reply ? "replyToken" : "external_id", "");
    if (id.rfind(prefix_, 0) != 0) {
      ++unknown_;
      return;
    }
    const std::uint64_t seq = std::stoull(id.substr(prefix_.size()));
    if (seq >= stamps_.replied.size()) return;
    std::int64_t expected = 0;  // the first delivery counts; a retry would not move it
    stamps_.replied[seq].compare_exchange_strong(expected, at);
  }

  Stamps& stamps_;
  std::string prefix_;
  std::atomic<std::uint64_t> replies_{0}, notices_{0}, unknown_{0};
  Server server_;  // last: its thread must stop before the members above go
};

// ---------------------------------------------------------------------------------------
// The client: N keep-alive connections, one request in flight on each.

struct Phase {
  std::string name;
  std::uint16_t port = 0;
  bool closed_loop = true;
  double rate = 0;  // open loop: requests per second
  std::chrono::milliseconds duration{10000};
  std::size_t connections = 64;
  bool stamp = false;       // record send times for reply matching
  std::uint64_t limit = 0;  // closed loop: stop after this many requests (0: at the deadline)
};

struct PhaseResult {
  double seconds = 0;
  std::uint64_t sent = 0;
  std::map<unsigned, std::uint64_t> statuses;
  std::uint64_t errors = 0;
  std::vector<std::int64_t> ack_ns;  // 202 response latencies
  std::uint64_t first_seq = 0, end_seq = 0;
  std::int64_t max_lag_ns = 0;   // open loop: how late the latest send was against schedule
  std::uint64_t late_sends = 0;  // open loop: sends more than 1 ms behind schedule
};

class Load;

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& io, Load& load) : stream_(io), retry_(io), load_(load) {}
  void connect();
  void send(std::uint64_t seq);
  void close() {
    beast::error_code ignored;
    retry_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }
  bool busy() const { return busy_; }

 private:
  void fail();

  beast::tcp_stream stream_;
  net::steady_timer retry_;
  Load& load_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::uint64_t seq_ = 0;
  std::int64_t sent_at_ = 0;
  bool busy_ = false;
};

class Load {
 public:
  Load(net::io_context& io, Stamps& stamps, std::string prefix, std::string line_secret)
      : io_(io),
        work_(net::make_work_guard(io)),
        stamps_(stamps),
        prefix_(std::move(prefix)),
        line_secret_(std::move(line_secret)) {}

  // With a LINE channel secret, each complaint is a signed LINE webhook to the `line`
  // source instead of a POST to /v1/complaints.
  bool line() const { return !line_secret_.empty(); }
  const char* target() const { return line() ? "/v1/sources/line" : "/v1/complaints"; }
  // x-line-signature: base64(HMAC-SHA256(channel secret, body)).
  std::string line_signature(const std::string& body) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), line_secret_.data(), static_cast<int>(line_secret_.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
    std::string out(4 * ((size + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(size));
    return out;
  }

  PhaseResult run(const Phase& phase) {
    phase_ = phase;
    result_ = {};
    result_.first_seq = next_seq_;
    running_ = true;
    started_ = false;
    connected_ = 0;
    idle_.clear();
    conns_.clear();
    for (std::size_t i = 0; i < phase.connections; ++i) {
      conns_.push_back(std::make_shared<Conn>(io_, *this));
    }
    for (auto& c : conns_) c->connect();
    // Connect all before the clock starts (bounded), so set-up is not measured.
    io_.restart();
    const auto connect_deadline = Clock::now() + std::chrono::seconds(5);
    while (connected_ < conns_.size() && Clock::now() < connect_deadline) {
      io_.run_for(std::chrono::milliseconds(5));
    }
    start_ = Clock::now();
    deadline_ = start_ + phase.duration;
    started_ = true;
    if (phase.closed_loop) {
      auto idle = std::move(idle_);
      idle_.clear();
      for (auto* c : idle) on_idle(c);
    } else {
      tick_timer_.emplace(io_);
      tick();
    }
    while (Clock::now() < deadline_ && !(limit_reached() && idle_.size() == conns_.size())) {
      io_.run_for(std::chrono::milliseconds(20));
    }
    running_ = false;
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    // Let requests in flight finish (bounded); they are counted but not as throughput.
    const auto drain_deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < drain_deadline &&
           std::any_of(conns_.begin(), conns_.end(), [](auto& c) { return c->busy(); })) {
      io_.run_for(std::chrono::milliseconds(5));
    }
    if (tick_timer_) tick_timer_->cancel();
    for (auto& c : conns_) c->close();
    io_.run_for(std::chrono::milliseconds(50));
    tick_timer_.reset();
    conns_.clear();
    idle_.clear();
    result_.seconds = seconds;
    result_.end_seq = next_seq_;
    return std::move(result_);
  }

  bool limit_reached() const {
    return phase_.limit != 0 && next_seq_ - result_.first_seq >= phase_.limit;
  }

  // --- called by Conn ---
  const Phase& phase() const { return phase_; }
  bool running() const { return running_; }
  void on_connected(Conn* c) {
    ++connected_;
    on_idle(c);
  }
  void on_idle(Conn* c) {
    if (!running_ || !started_) {
      idle_.push_back(c);
      return;
    }
    if (phase_.closed_loop) {
      if (Clock::now() < deadline_ && !limit_reached()) return c->send(next_seq_++);
      idle_.push_back(c);
      return;
    }
    if (result_.sent < due()) return send_open(c);
    idle_.push_back(c);
  }
  void on_response(std::uint64_t seq, unsigned status, std::int64_t sent_at, bool counts) {
    if (!counts) return;
    ++result_.statuses[status];
    if (status == 202) {
      result_.ack_ns.push_back(now_ns() - sent_at);
    } else if (phase_.stamp && seq < stamps_.sent.size()) {
      stamps_.sent[seq].store(0);  // not accepted: no reply is owed
    }
  }
  void on_error() { ++result_.errors; }
  void on_sent(std::uint64_t seq, std::int64_t at) {
    ++result_.sent;
    if (phase_.stamp && seq < stamps_.sent.size()) stamps_.sent[seq].store(at);
  }
  // Closed loop counts only what completes inside the window; open loop counts everything.
  bool in_window() const { return !phase_.closed_loop || Clock::now() <= deadline_; }
  const std::string& body_for(std::uint64_t seq) {
    static const char* const texts[] = {
        "注文した商品がまだ届きません。",
        "アプリにログインできません。どうすればいいですか。",
        "配送が遅れています。いつ届きますか？",
        "画面が固まって動きません。",
        "問い合わせの返事がまだありません。",
        "The app keeps crashing when I open it.",
        "My parcel has not arrived yet, it has been a week.",
        "サイズが合わないので交換したいです。",
    };
    const std::string n = std::to_string(seq);
    body_.clear();
    if (line()) {
      const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      body_ += R"({"destination":"U0","events":[{"type":"message","mode":"active","timestamp":)";
      body_ += std::to_string(millis);
      body_ += R"(,"webhookEventId":")" + prefix_ + n;
      body_ += R"(","replyToken":")" + prefix_ + n;
      body_ += R"(","source":{"type":"user","userId":")" + prefix_ + "a" + n;
      body_ += R"("},"message":{"type":"text","id":")" + n + R"(","text":")";
      body_ += texts[seq % (sizeof texts / sizeof texts[0])];
      body_ += R"("}}]})";
      return body_;
    }
    body_ += R"({"external_id":")";
    body_ += prefix_ + n;
    body_ += R"(","channel":"x","author":{"id":")";
    body_ += prefix_ + "a" + n;  // distinct authors: the policy allows one reply per author
    body_ += R"(","name":"山田太郎","handle":"u)" + n;
    body_ += R"("},"text":")";
    body_ += texts[seq % (sizeof texts / sizeof texts[0])];
    body_ += R"("})";
    return body_;
  }

 private:
  std::uint64_t due() const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    return static_cast<std::uint64_t>(elapsed * phase_.rate);
  }

  void send_open(Conn* c) {
    // Lag against the schedule shows when the client, not the server, fell behind.
    const double scheduled_s = static_cast<double>(result_.sent) / phase_.rate;
    const auto scheduled = start_ + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(scheduled_s));
    const std::int64_t lag =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - scheduled).count();
    result_.max_lag_ns = std::max(result_.max_lag_ns, lag);
    if (lag > 1'000'000) ++result_.late_sends;
    c->send(next_seq_++);
  }

  // A 250 µs tick keeps bursts small (about one request per tick at 5,000/s).
  void tick() {
    if (!running_ || Clock::now() >= deadline_) return;
    const std::uint64_t target = due();
    while (result_.sent < target && !idle_.empty()) {
      // Oldest idle first: every connection stays in use, so none outlives the server's
      // keep-alive timeout and fails on its next request.
      Conn* c = idle_.front();
      idle_.pop_front();
      send_open(c);
    }
    tick_timer_->expires_after(std::chrono::microseconds(250));
    tick_timer_->async_wait([this](beast::error_code ec) {
      if (!ec) tick();
    });
  }

  net::io_context& io_;
  // Keeps run_for() from stopping the context whenever no operation is pending.
  net::executor_work_guard<net::io_context::executor_type> work_;
  Stamps& stamps_;
  std::string prefix_;
  std::string line_secret_;
  std::string body_;
  Phase phase_;
  PhaseResult result_;
  bool running_ = false;
  bool started_ = false;  // connections are set up; the clock runs
  std::size_t connected_ = 0;
  std::uint64_t next_seq_ = 0;
  Clock::time_point start_{}, deadline_{};
  std::vector<std::shared_ptr<Conn>> conns_;
  std::deque<Conn*> idle_;
  std::optional<net::steady_timer> tick_timer_;
};

void Conn::connect() {
  stream_.expires_after(std::chrono::seconds(5));
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), load_.phase().port);
  stream_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->fail();
    self->stream_.socket().set_option(tcp::no_delay(true));
    self->load_.on_connected(self.get());
  });
}

void Conn::send(std::uint64_t seq) {
  busy_ = true;
  seq_ = seq;
  request_ = {http::verb::post, load_.target(), 11};
  request_.set(http::field::host, "127.0.0.1");
  request_.set(http::field::content_type, "application/json");
  request_.keep_alive(true);
  request_.body() = load_.body_for(seq);
  if (load_.line()) request_.set("x-line-signature", load_.line_signature(request_.body()));
  request_.prepare_payload();
  sent_at_ = now_ns();
  load_.on_sent(seq, sent_at_);
  stream_.expires_after(std::chrono::seconds(10));
  http::async_write(stream_, request_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->fail();
                      self->response_ = {};
                      http::async_read(self->stream_, self->buffer_, self->response_,
                                       [self](beast::error_code ec2, std::size_t) {
                                         if (ec2) return self->fail();
                                         self->busy_ = false;
                                         // A source answers 200 once stored: the 202 of
                                         // /v1/complaints.
                                         unsigned status = self->response_.result_int();
                                         if (self->load_.line() && status == 200) status = 202;
                                         self->load_.on_response(self->seq_, status, self->sent_at_,
                                                                 self->load_.in_window());
                                         if (!self->response_.keep_alive()) {
                                           // The server closes: reconnect (async_connect reopens
                                           // the socket).
                                           beast::error_code ignored;
                                           self->stream_.socket().close(ignored);
                                           return self->connect();
                                         }
                                         self->load_.on_idle(self.get());
                                       });
                    });
}

void Conn::fail() {
  busy_ = false;
  load_.on_error();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  if (!load_.running()) return;
  // Reconnect after a pause, only while the phase runs: never a busy loop.
  retry_.expires_after(std::chrono::milliseconds(20));
  retry_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->load_.running()) return;
    self->connect();
  });
}

// ---------------------------------------------------------------------------------------

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;  // ms
}

json latency_json(std::vector<std::int64_t>& v) {
  return {{"count", v.size()},
          {"p50_ms", percentile(v, 0.50)},
          {"p99_ms", percentile(v, 0.99)},
          {"p999_ms", percentile(v, 0.999)},
          {"max_ms", v.empty() ? 0.0 : percentile(v, 1.0)}};
}

json statuses_json(const PhaseResult& r) {
  json s = json::object();
  for (auto [code, n] : r.statuses) s[std::to_string(code)] = n;
  return s;
}

std::uint64_t count_202(const PhaseResult& r) {
  auto it = r.statuses.find(202);
  return it == r.statuses.end() ? 0 : it->second;
}

std::uint64_t non_202(const PhaseResult& r) {
  std::uint64_t n = 0;
  for (auto [code, k] : r.statuses) {
    if (code != 202) n += k;
  }
  return n;
}

// Waits (bounded) until every complaint accepted in [first, end) has its reply.
std::vector<std::int64_t> collect_replies(Stamps& stamps, std::uint64_t first, std::uint64_t end,
                                          std::chrono::seconds timeout, std::uint64_t& missing,
                                          double& drain_s) {
  end = std::min<std::uint64_t>(end, stamps.sent.size());
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    missing = 0;
    for (std::uint64_t i = first; i < end; ++i) {
      if (stamps.sent[i].load() != 0 && stamps.replied[i].load() == 0) ++missing;
    }
    if (missing == 0 || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  drain_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<std::int64_t> out;
  for (std::uint64_t i = first; i < end; ++i) {
    const std::int64_t s = stamps.sent[i].load(), r = stamps.replied[i].load();
    if (s != 0 && r != 0) out.push_back(r - s);
  }
  return out;
}

bool wait_ready(std::uint16_t port, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    try {
      net::io_context io;
      beast::tcp_stream stream(io);
      stream.expires_after(std::chrono::seconds(1));
      stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      http::request<http::empty_body> req{http::verb::get, "/readyz", 11};
      req.set(http::field::host, "127.0.0.1");
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      if (res.result_int() == 200) return true;
    } catch (const std::exception&) {
      // not up yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

struct Options {
  std::uint16_t ackd_port = 0;
  std::uint16_t receiver_port = 0;
  std::size_t connections = 64;
  int seconds = 10;
  std::vector<double> rates{1000, 5000};
  std::string json_path;
  bool receiver_only = false;
  int ackd_pid = 0;                      // for --memory
  std::string tls_cert, tls_key;         // the receiver serves HTTPS with these (PEM)
  std::string line_secret;               // complaints as signed LINE webhooks
  std::vector<std::uint64_t> memory_at;  // complaints taken at which to read ackd's memory
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ackd_bench_load --ackd-port P --receiver-port P [--connections N]\n"
               "                       [--seconds S] [--rates R1,R2] [--json FILE]\n"
               "                       [--ackd-pid PID --memory N1,N2]\n"
               "                       [--tls-cert PEM --tls-key PEM] [--line-secret S]\n");
  std::exit(2);
}

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t p = 0; p < list.size();) {
    std::size_t q = list.find(',', p);
    if (q == std::string::npos) q = list.size();
    out.push_back(list.substr(p, q - p));
    p = q + 1;
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--ackd-port") {
      o.ackd_port = static_cast<std::uint16_t>(std::stoul(value()));
    } else if (a == "--receiver-port") {
      o.receiver_port = static_cast<std::uint16_t>(std::stoul(value()));
    } else if (a == "--connections") {
      o.connections = std::stoul(value());
    } else if (a == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (a == "--rates") {
      o.rates.clear();
      for (const auto& rate : split_commas(value())) o.rates.push_back(std::stod(rate));
    } else if (a == "--ackd-pid") {
      o.ackd_pid = std::stoi(value());
    } else if (a == "--memory") {
      for (const auto& n : split_commas(value())) o.memory_at.push_back(std::stoull(n));
    } else if (a == "--line-secret") {
      o.line_secret = value();
    } else if (a == "--tls-cert") {
      o.tls_cert = value();
    } else if (a == "--tls-key") {
      o.tls_key = value();
    } else if (a == "--json") {
      o.json_path = value();
    } else {
      usage();
    }
  }
  if (o.ackd_port == 0 || o.receiver_port == 0 || o.connections == 0 || o.seconds <= 0) usage();
  if (!o.memory_at.empty() && o.ackd_pid == 0) usage();
  return o;
}

// ackd's memory as the kernel counts it (/proc/PID/status), in KiB.
struct Memory {
  double rss = 0;   // VmRSS: resident, the SQLite mmap of the database included
  double anon = 0;  // RssAnon: the heap and stacks
  double peak = 0;  // VmHWM: the most resident so far
};

Memory memory_of(int pid) {
  Memory m;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    auto value = [&](const char* key, double& out) {
      if (line.rfind(key, 0) == 0) out = std::strtod(line.c_str() + std::strlen(key), nullptr);
    };
    value("VmRSS:", m.rss);
    value("RssAnon:", m.anon);
    value("VmHWM:", m.peak);
  }
  return m;
}

// Waits (bounded) until replies stop arriving for two seconds: the backlog is delivered.
void wait_quiet(const Receiver& receiver) {
  const auto end = Clock::now() + std::chrono::seconds(300);
  auto last = receiver.replies() + receiver.notices();
  auto quiet_since = Clock::now();
  while (Clock::now() < end && Clock::now() - quiet_since < std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto now = receiver.replies() + receiver.notices();
    if (now != last) {
      last = now;
      quiet_since = Clock::now();
    }
  }
}

// Takes complaints in a closed loop up to each of `memory_at`, reading ackd's memory once
// its replies are delivered at each, and again after a minute idle.
int run_memory(const Options& opt, Load& load, const Receiver& receiver) {
  json rows = json::array();
  std::uint64_t taken = 0;
  auto sample = [&](const std::string& when) {
    auto m = memory_of(opt.ackd_pid);
    std::printf("%-40s %10llu %9.1f %9.1f %9.1f\n", when.c_str(),
                static_cast<unsigned long long>(taken), m.anon / 1024.0, m.rss / 1024.0,
                m.peak / 1024.0);
    std::fflush(stdout);
    rows.push_back({{"when", when},
                    {"complaints", taken},
                    {"rss_anon_mib", m.anon / 1024.0},
                    {"rss_mib", m.rss / 1024.0},
                    {"peak_rss_mib", m.peak / 1024.0}});
  };
  std::printf("\nackd memory (%zu connections, closed loop)\n\n%-40s %10s %9s %9s %9s\n",
              opt.connections, "when", "taken", "anon MiB", "RSS MiB", "peak MiB");
  sample("after the warm-up");
  const auto started = Clock::now();
  for (auto target : opt.memory_at) {
    if (target <= taken) continue;
    Phase p{"memory",        opt.ackd_port, true,          0, std::chrono::hours(1),
            opt.connections, false,         target - taken};
    auto r = load.run(p);
    taken += count_202(r);
    wait_quiet(receiver);
    sample("after " + std::to_string(target) + " sent, replies delivered");
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::this_thread::sleep_for(std::chrono::seconds(60));
  sample("a minute idle later");
  json out = {{"connections", opt.connections}, {"seconds", seconds}, {"memory", rows}};
  if (!opt.json_path.empty()) {
    std::ofstream f(opt.json_path);
    f << out.dump(2) << "\n";
  }
  return 0;
}

int run(const Options& opt) {
  // Unique per run, so ids never collide with an earlier run's in the same store.
  const std::string prefix =
      "b" + std::to_string(::getpid()) + "-" + std::to_string(now_ns() % 1'000'000'000) + "-";
  Stamps stamps(std::size_t{1} << 21);
  std::shared_ptr<net::ssl::context> tls;
  if (!opt.tls_cert.empty()) {
    tls = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    tls->use_certificate_chain_file(opt.tls_cert);
    tls->use_private_key_file(opt.tls_key, net::ssl::context::pem);
  }
  Receiver receiver(opt.receiver_port, stamps, prefix, tls);
  std::fprintf(stderr, "receiver on 127.0.0.1:%u; waiting for ackd on %u\n", receiver.port(),
               opt.ackd_port);
  if (!wait_ready(opt.ackd_port, std::chrono::seconds(20))) {
    std::fprintf(stderr, "ackd did not become ready on port %u\n", opt.ackd_port);
    return 1;
  }

  net::io_context io;
  Load load(io, stamps, prefix, opt.line_secret);
  const std::chrono::milliseconds duration(opt.seconds * 1000);
  json out = {{"connections", opt.connections},
              {"seconds", opt.seconds},
              {"hardware_threads", std::thread::hardware_concurrency()}};

  // Warm-up: page cache, SQLite, the daemon's sink connections. Not reported.
  std::fprintf(stderr, "warm-up ...\n");
  {
    Phase w{"warmup", opt.ackd_port, false, 500, std::chrono::milliseconds(2000), 16, true};
    auto r = load.run(w);
    std::uint64_t missing = 0;
    double drain = 0;
    collect_replies(stamps, r.first_seq, r.end_seq, std::chrono::seconds(10), missing, drain);
  }
  if (!opt.memory_at.empty()) return run_memory(opt, load, receiver);

  // Open loop first: a backlog of replies left by the saturating phase would skew latency.
  json open = json::array();
  for (double rate : opt.rates) {
    std::fprintf(stderr, "open loop %.0f/s for %d s ...\n", rate, opt.seconds);
    Phase p{"open", opt.ackd_port, false, rate, duration, opt.connections, true};
    auto r = load.run(p);
    std::uint64_t missing = 0;
    double drain = 0;
    auto lat =
        collect_replies(stamps, r.first_seq, r.end_seq, std::chrono::seconds(20), missing, drain);
    out["open_loop"].push_back({{"rate", rate},
                                {"seconds", r.seconds},
                                {"sent", r.sent},
                                {"achieved_rate", static_cast<double>(r.sent) / r.seconds},
                                {"statuses", statuses_json(r)},
                                {"non_202", non_202(r)},
                                {"errors", r.errors},
                                {"ack_latency", latency_json(r.ack_ns)},
                                {"reply_latency", latency_json(lat)},
                                {"replies_missing", missing},
                                {"max_send_lag_ms", static_cast<double>(r.max_lag_ns) / 1e6},
                                {"late_sends", r.late_sends}});
  }

  std::fprintf(stderr, "closed loop, %zu connections, %d s ...\n", opt.connections, opt.seconds);
  {
    Phase p{"closed", opt.ackd_port, true, 0, duration, opt.connections, true};
    const std::uint64_t replies_before = receiver.replies();
    auto r = load.run(p);
    const std::uint64_t replies_in_window = receiver.replies() - replies_before;
    std::uint64_t missing = 0;
    double drain = 0;
    auto lat =
        collect_replies(stamps, r.first_seq, r.end_seq, std::chrono::seconds(60), missing, drain);
    out["closed_loop"] = {
        {"seconds", r.seconds},
        {"accepted_202", count_202(r)},
        {"throughput_202_per_s", static_cast<double>(count_202(r)) / r.seconds},
        {"statuses", statuses_json(r)},
        {"non_202", non_202(r)},
        {"errors", r.errors},
        {"ack_latency", latency_json(r.ack_ns)},
        {"replies_during_load_per_s", static_cast<double>(replies_in_window) / r.seconds},
        {"reply_backlog_drain_s", drain},
        {"replies_missing", missing},
        {"reply_latency", latency_json(lat)}};
  }

  std::fprintf(stderr, "ceiling: static 202 server, closed loop ...\n");
  {
    static const std::string body =
        R"({"id":"01JD0000000000000000000000","duplicate":false,"rule":"default",)"
        R"("reply":"queued","reason":"","handoff":{"team":"support",)"
        R"("deadline":"2026-11-24T17:00:00+09:00"}})";
    Server fixed(0, [](const auto&, auto& res) {
      res.result(http::status::accepted);
      res.set(http::field::content_type, "application/json");
      res.body() = body;
    });
    Phase p{"ceiling", fixed.port(), true, 0, duration, opt.connections, false};
    auto r = load.run(p);
    out["ceiling"] = {{"seconds", r.seconds},
                      {"accepted_202", count_202(r)},
                      {"throughput_202_per_s", static_cast<double>(count_202(r)) / r.seconds},
                      {"non_202", non_202(r)},
                      {"errors", r.errors},
                      {"ack_latency", latency_json(r.ack_ns)}};
  }
  out["receiver"] = {{"replies", receiver.replies()},
                     {"notices", receiver.notices()},
                     {"unknown_ids", receiver.unknown()}};

  // The table.
  std::printf("\nackd daemon load (%zu connections, %d s per phase, %u hardware threads)\n\n",
              opt.connections, opt.seconds, std::thread::hardware_concurrency());
  std::printf("%-32s %12s %8s %9s %9s %9s %9s %9s\n", "phase", "202/s", "non-202", "ack p50",
              "ack p99", "dlv p50", "dlv p99", "dlv p99.9");
  for (auto& o : out["open_loop"]) {
    char name[64];
    std::snprintf(name, sizeof name, "ackd open loop %.0f/s", o["rate"].get<double>());
    std::printf("%-32s %12.0f %8llu %7.2fms %7.2fms %7.2fms %7.2fms %7.2fms\n", name,
                static_cast<double>(o["statuses"].value("202", std::uint64_t{0})) /
                    o["seconds"].get<double>(),
                static_cast<unsigned long long>(o["non_202"].get<std::uint64_t>() +
                                                o["errors"].get<std::uint64_t>()),
                o["ack_latency"]["p50_ms"].get<double>(), o["ack_latency"]["p99_ms"].get<double>(),
                o["reply_latency"]["p50_ms"].get<double>(),
                o["reply_latency"]["p99_ms"].get<double>(),
                o["reply_latency"]["p999_ms"].get<double>());
  }
  auto& c = out["closed_loop"];
  std::printf("%-32s %12.0f %8llu %7.2fms %7.2fms %7.0fms %7.0fms %7.0fms\n",
              "ackd closed loop (throughput)", c["throughput_202_per_s"].get<double>(),
              static_cast<unsigned long long>(c["non_202"].get<std::uint64_t>() +
                                              c["errors"].get<std::uint64_t>()),
              c["ack_latency"]["p50_ms"].get<double>(), c["ack_latency"]["p99_ms"].get<double>(),
              c["reply_latency"]["p50_ms"].get<double>(),
              c["reply_latency"]["p99_ms"].get<double>(),
              c["reply_latency"]["p999_ms"].get<double>());
  auto& g = out["ceiling"];
  std::printf("%-32s %12.0f %8llu %7.2fms %7.2fms %9s %9s %9s\n", "static 202 server (ceiling)",
              g["throughput_202_per_s"].get<double>(),
              static_cast<unsigned long long>(g["non_202"].get<std::uint64_t>() +
                                              g["errors"].get<std::uint64_t>()),
              g["ack_latency"]["p50_ms"].get<double>(), g["ack_latency"]["p99_ms"].get<double>(),
              "-", "-", "-");
  std::printf(
      "\nnon-202 includes transport errors; dlv = received (request sent) to reply "
      "delivered at the receiver.\n");
  for (auto& o : out["open_loop"]) {
    std::printf("open loop %.0f/s: sent %llu, replies missing %llu, max send lag %.2f ms\n",
                o["rate"].get<double>(),
                static_cast<unsigned long long>(o["sent"].get<std::uint64_t>()),
                static_cast<unsigned long long>(o["replies_missing"].get<std::uint64_t>()),
                o["max_send_lag_ms"].get<double>());
  }
  std::printf(
      "closed loop: replies delivered during load %.0f/s, backlog drained in %.1f s, "
      "missing %llu; statuses %s\n",
      c["replies_during_load_per_s"].get<double>(), c["reply_backlog_drain_s"].get<double>(),
      static_cast<unsigned long long>(c["replies_missing"].get<std::uint64_t>()),
      c["statuses"].dump().c_str());

  if (!opt.json_path.empty()) {
    std::ofstream f(opt.json_path);
    f << out.dump(2) << "\n";
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", opt.json_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ackd_bench_load: %s\n", e.what());
    return 1;
  }
}
