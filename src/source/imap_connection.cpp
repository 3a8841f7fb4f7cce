#include "source/imap_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "ackd/http/query.hpp"
#include "deliver/url.hpp"

namespace ackd::source {

namespace net = boost::asio;

std::variant<ImapServer, std::string> parse_imap_url(std::string_view url) {
  auto parsed = deliver::parse_server_url(url, {"imap", "imaps"});
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  auto& found = std::get<deliver::ServerUrl>(parsed);
  if (found.rest.find('?') != std::string::npos) {
    return "an IMAP URL takes no query, got '" + std::string(url) + "'";
  }
  ImapServer server;
  server.implicit_tls = found.scheme == "imaps";
  server.host = std::move(found.host);
  server.port = found.port.empty() ? (server.implicit_tls ? "993" : "143") : found.port;
  if (found.rest.size() > 1) server.folder = http::percent_decode(found.rest.substr(1));
  if (!mail::imap::mailbox_argument(server.folder)) {
    return "the folder '" + server.folder +
           "' is not a mailbox name (UTF-8, no control characters)";
  }
  return server;
}

ImapConnection::ImapConnection(net::io_context& io, time::Clock& clock, ImapServer server,
                               std::shared_ptr<deliver::TlsContext> tls, std::size_t max_literal,
                               std::chrono::milliseconds timeout)
    : resolver_(io),
      stream_(io, *tls),
      deadline_(clock.timer()),
      server_(std::move(server)),
      tls_context_(std::move(tls)),
      timeout_(timeout),
      max_literal_(max_literal),
      reader_(max_literal) {}

void ImapConnection::open(std::function<void(std::string)> done) {
  // Each step's failure reaches `done` through greeted_ until the greeting is read, then
  // through the command that failed.
  auto upgraded = [self = shared_from_this(), done](std::string error) {
    if (!error.empty()) return done(std::move(error));
    if (!self->capabilities_.empty()) return done("");
    self->command("CAPABILITY", [done](Result r) { done(r.ok ? "" : "CAPABILITY: " + r.text); });
  };
  greeted_ = [self = shared_from_this(), upgraded](std::string error) {
    if (!error.empty() || self->tls_) return upgraded(std::move(error));
    // imap://: STARTTLS before anything else, whatever the greeting said it offers.
    self->command("STARTTLS", [self, upgraded](Result r) {
      if (!r.ok) {
        return upgraded("the server refuses STARTTLS (" + r.status + " " + r.text +
                        "), and ackd sends a password only over TLS; use imaps:// or enable TLS");
      }
      self->capabilities_.clear();  // said before TLS: not to be trusted
      self->handshake(upgraded);
    });
  };
  arm_deadline();
  resolver_.async_resolve(
      server_.host, server_.port,
      [self = shared_from_this()](boost::system::error_code ec,
                                  const net::ip::tcp::resolver::results_type& results) {
        if (self->closed_) return;
        if (ec) return self->fail("resolve " + self->server_.host + ": " + ec.message());
        net::async_connect(self->stream_.next_layer(), results,
                           [self](boost::system::error_code connect_ec, auto) {
                             if (self->closed_) return;
                             if (connect_ec) return self->fail("connect: " + connect_ec.message());
                             if (!self->server_.implicit_tls) return self->read_more();
                             self->handshake([self](std::string error) {
                               if (!error.empty()) return self->fail(std::move(error));
                             });
                           });
      });
}

void ImapConnection::handshake(std::function<void(std::string)> done) {
  deliver::expect_server(stream_, server_.host);
  // Whatever came before TLS and was not read yet is never read: a man in the middle's.
  reader_ = mail::imap::Reader(max_literal_);
  stream_.async_handshake(net::ssl::stream_base::client,
                          [self = shared_from_this(), done](boost::system::error_code ec) {
                            if (self->closed_) return;
                            if (ec) return done("tls: " + ec.message());
                            self->tls_ = true;
                            self->hold_reads_ = false;
                            self->read_more();
                            // After STARTTLS the server says nothing until asked.
                            if (!self->greeted_) done("");
                          });
}

void ImapConnection::read_more() {
  if (reading_ || closed_ || hold_reads_) return;
  reading_ = true;
  auto handler = [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    self->reading_ = false;
    if (self->closed_) return;
    if (ec) {
      return self->fail(ec == net::error::eof || ec == net::ssl::error::stream_truncated
                            ? "the server closed the connection" +
                                  (self->bye_.empty() ? "" : " (" + self->bye_ + ")")
                            : "read: " + ec.message());
    }
    self->reader_.feed(std::string_view(self->in_.data(), n));
    for (;;) {
      auto next = self->reader_.next();
      if (std::holds_alternative<mail::imap::Reader::NeedMore>(next)) break;
      if (auto* error = std::get_if<std::string>(&next)) return self->fail("IMAP: " + *error);
      self->on_response(std::get<mail::imap::Response>(std::move(next)));
      if (self->closed_ || self->hold_reads_) return;
    }
    self->read_more();
  };
  deliver::on_current_layer(stream_, tls_, [&](auto& layer) {
    layer.async_read_some(net::buffer(in_), std::move(handler));
  });
}

void ImapConnection::on_response(mail::imap::Response r) {
  const std::string kind = r.kind();
  if (kind == "OK" || kind == "PREAUTH" || kind == "CAPABILITY") {
    if (auto caps = mail::imap::capabilities(r.text); !caps.empty()) {
      capabilities_ = {caps.begin(), caps.end()};
    }
  }
  if (greeted_) {
    auto greeted = std::move(greeted_);
    greeted_ = nullptr;
    deadline_->cancel();
    if (r.tag != "*" || (kind != "OK" && kind != "PREAUTH")) {
      return greeted("the server's greeting is not IMAP's: '" + r.text.substr(0, 120) + "'");
    }
    return greeted("");
  }
  if (r.tag == "+") {
    if (news_) return deadline_->cancel();  // idling: no answer is due until DONE
    if (continuation_) return write(continuation_(r) + "\r\n");
    return fail("the server asks for more where ackd has nothing to send");
  }
  if (r.tag == "*") {
    if (kind == "BYE") bye_ = r.text.size() > 4 ? r.text.substr(4) : "";
    if (kind == "EXISTS") ++exists_seen_;
    if (news_) return news_(r);
    if (done_) untagged_.push_back(std::move(r));
    return;
  }
  if (r.tag != tag_ || !done_) return;
  hold_reads_ = starttls_ && kind == "OK";
  starttls_ = false;
  Result result;
  result.status = kind;
  result.ok = kind == "OK";
  result.text = r.text.size() > kind.size() ? r.text.substr(kind.size() + 1) : "";
  result.untagged = std::move(untagged_);
  untagged_.clear();
  finish(std::move(result));
}

void ImapConnection::command(std::string text, Done done,
                             std::function<std::string(const mail::imap::Response&)> continuation) {
  tag_ = "a" + std::to_string(++next_tag_);
  done_ = std::move(done);
  continuation_ = std::move(continuation);
  untagged_.clear();
  // STARTTLS's answer is the last thing read in the clear.
  starttls_ = text == "STARTTLS";
  arm_deadline();
  write(tag_ + " " + text + "\r\n");
  read_more();
}

void ImapConnection::idle(std::function<void(const mail::imap::Response&)> news, Done done) {
  command("IDLE", std::move(done));
  news_ = std::move(news);
}

void ImapConnection::end_idle() {
  if (!news_ || closed_ || ending_idle_) return;
  ending_idle_ = true;
  // What comes before DONE's answer changes nothing now.
  news_ = [](const mail::imap::Response&) {};
  arm_deadline();
  write("DONE\r\n");
}

void ImapConnection::write(std::string bytes) {
  out_.push_back(std::move(bytes));
  if (out_.size() == 1) write_next();
}

void ImapConnection::write_next() {
  auto handler = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->fail("write: " + ec.message());
    self->out_.pop_front();
    if (!self->out_.empty()) self->write_next();
  };
  deliver::on_current_layer(stream_, tls_, [&](auto& layer) {
    net::async_write(layer, net::buffer(out_.front()), std::move(handler));
  });
}

void ImapConnection::arm_deadline() {
  deadline_->start(timeout_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->fail("timeout");
  });
}

void ImapConnection::finish(Result result) {
  deadline_->cancel();
  news_ = nullptr;
  ending_idle_ = false;
  continuation_ = nullptr;
  if (auto done = std::move(done_)) {
    done_ = nullptr;
    done(std::move(result));
  }
}

void ImapConnection::fail(std::string error) {
  if (closed_) return;
  auto greeted = std::move(greeted_);
  auto done = std::move(done_);
  close();
  if (greeted) return greeted(std::move(error));
  if (done) done(Result{false, "", std::move(error), {}});
}

void ImapConnection::close() {
  closed_ = true;
  greeted_ = nullptr;
  done_ = nullptr;
  news_ = nullptr;
  continuation_ = nullptr;
  deadline_->cancel();
  resolver_.cancel();
  boost::system::error_code ignored;
  stream_.next_layer().close(ignored);
}

}  // namespace ackd::source
