#include "deliver/smtp_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <istream>

#include "crypto/hmac.hpp"
#include "deliver/url.hpp"

namespace ackd::deliver {

namespace net = boost::asio;

namespace {

// A server's reply line is at most 512 bytes (RFC 5321, 4.5.3.1.5); a reply of many lines
// (EHLO's) is bounded too.
constexpr std::size_t kMaxReply = 64 * 1024;

}  // namespace

std::variant<SmtpServer, std::string> parse_smtp_url(std::string_view url) {
  const std::string usage =
      "must be smtp://host[:port] or smtps://host[:port], got '" + std::string(url) + "'";
  auto parsed = parse_server_url(url, {"smtp", "smtps"});
  if (std::holds_alternative<std::string>(parsed)) return usage;
  auto& found = std::get<ServerUrl>(parsed);
  if (!found.rest.empty() && found.rest != "/") return usage;
  SmtpServer server;
  server.implicit_tls = found.scheme == "smtps";
  server.host = std::move(found.host);
  server.port = found.port.empty() ? (server.implicit_tls ? "465" : "25") : found.port;
  return server;
}

std::string smtp_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 16);
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out + ".\r\n";
}

SmtpSession::SmtpSession(net::io_context& io, time::Clock& clock, SmtpServer server,
                         std::shared_ptr<TlsContext> tls, std::optional<SmtpLogin> login,
                         std::string helo_name)
    : resolver_(io),
      stream_(io, *tls),
      deadline_(clock.timer()),
      server_(std::move(server)),
      tls_context_(std::move(tls)),
      login_(std::move(login)),
      helo_name_(std::move(helo_name)),
      in_(kMaxReply) {}

template <class Handler>
void SmtpSession::write_out(Handler handler) {
  // Before STARTTLS the session is plain TCP, after it TLS on the same socket.
  on_current_layer(stream_, tls_, [&](auto& layer) {
    net::async_write(layer, net::buffer(out_), std::move(handler));
  });
}

void SmtpSession::run(SmtpMessage message, std::chrono::milliseconds timeout, Done done) {
  message_ = std::move(message);
  done_ = std::move(done);
  deadline_->start(timeout, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->fail("timeout", false);
  });
  resolver_.async_resolve(
      server_.host, server_.port,
      [self = shared_from_this()](boost::system::error_code ec,
                                  const net::ip::tcp::resolver::results_type& results) {
        if (ec) return self->fail("resolve: " + ec.message(), false);
        net::async_connect(self->stream_.next_layer(), results,
                           [self](boost::system::error_code connect_ec, const auto&) {
                             self->on_connect(connect_ec);
                           });
      });
}

void SmtpSession::abort() {
  done_ = nullptr;
  deadline_->cancel();
  boost::system::error_code ignored;
  resolver_.cancel();
  stream_.next_layer().close(ignored);
}

void SmtpSession::on_connect(boost::system::error_code ec) {
  if (ec) return fail("connect: " + ec.message(), false);
  if (server_.implicit_tls) return handshake();
  read_reply();
}

void SmtpSession::handshake() {
  expect_server(stream_, server_.host);
  stream_.async_handshake(net::ssl::stream_base::client,
                          [self = shared_from_this()](boost::system::error_code ec) {
                            if (ec) return self->fail("tls: " + ec.message(), false);
                            self->tls_ = true;
                            // After STARTTLS the session starts over with EHLO (RFC 3207).
                            if (self->step_ == Step::starttls) {
                              return self->send(Step::ehlo, "EHLO " + self->helo_name_);
                            }
                            self->read_reply();
                          });
}

void SmtpSession::read_reply() {
  auto handler = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->on_line(ec);
  };
  on_current_layer(stream_, tls_, [&](auto& layer) {
    net::async_read_until(layer, in_, "\r\n", std::move(handler));
  });
}

void SmtpSession::on_line(boost::system::error_code ec) {
  if (!done_) return;
  if (ec) return fail(std::string("read at ") + name(step_) + ": " + ec.message(), false);
  std::istream lines(&in_);
  std::string line;
  std::getline(lines, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
      !std::isdigit(static_cast<unsigned char>(line[1])) ||
      !std::isdigit(static_cast<unsigned char>(line[2]))) {
    return fail("the server's reply is not SMTP: '" + line.substr(0, 80) + "'", false);
  }
  const std::string text = line.size() > 4 ? line.substr(4) : "";
  reply_text_ += (reply_text_.empty() ? "" : "\n") + text;
  if (line.size() > 3 && line[3] == '-') {
    if (reply_text_.size() > kMaxReply) return fail("the server's reply is too long", false);
    return read_reply();
  }
  std::string whole = std::move(reply_text_);
  reply_text_.clear();
  on_reply(std::stoi(line.substr(0, 3)), whole);
}

void SmtpSession::on_reply(int code, const std::string& text) {
  auto expect = [&](std::initializer_list<int> codes) {
    for (int c : codes) {
      if (c == code) return true;
    }
    const std::string first_line = text.substr(0, text.find('\n'));
    fail("SMTP " + std::to_string(code) + " at " + name(step_) + ": " + first_line,
         code >= 500 && code < 600);
    return false;
  };
  switch (step_) {
    case Step::greeting:
      if (expect({220})) send(Step::ehlo, "EHLO " + helo_name_);
      return;
    case Step::ehlo:
      if (!expect({250})) return;
      offers_starttls_ = false;
      for (std::size_t at = 0; at < text.size();) {
        auto end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string keyword = text.substr(at, end - at);
        for (auto& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (keyword == "STARTTLS") offers_starttls_ = true;
        at = end + 1;
      }
      return after_ehlo();
    case Step::starttls:
      if (!expect({220})) return;
      // Whatever came after the 220 was sent before TLS: a man in the middle's, never read.
      in_.consume(in_.size());
      handshake();
      return;
    case Step::auth:
      if (expect({235})) send(Step::mail_from, "MAIL FROM:<" + message_.mail_from + ">");
      return;
    case Step::mail_from:
      if (message_.rcpt_to.empty()) return fail("no recipient", true);
      if (expect({250})) send(Step::rcpt_to, "RCPT TO:<" + message_.rcpt_to.at(0) + ">");
      return;
    case Step::rcpt_to:
      if (!expect({250, 251})) return;
      if (++recipients_accepted_ < message_.rcpt_to.size()) {
        return send(Step::rcpt_to, "RCPT TO:<" + message_.rcpt_to[recipients_accepted_] + ">");
      }
      send(Step::data, "DATA");
      return;
    case Step::data:
      if (!expect({354})) return;
      step_ = Step::body;
      out_ = smtp_data(message_.data);
      break;
    case Step::body:
      if (!expect({250})) return;
      // Taken: QUIT out of courtesy, its answer not awaited.
      out_ = "QUIT\r\n";
      write_out([self = shared_from_this()](auto, auto) {});
      return finish({true, false, {}});
  }
  // The message itself.
  write_out([self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) return self->fail(std::string("write at DATA: ") + ec.message(), false);
    self->read_reply();
  });
}

void SmtpSession::after_ehlo() {
  if (!tls_ && offers_starttls_) return send(Step::starttls, "STARTTLS");
  if (login_) {
    if (!tls_) {
      return fail("the server does not offer STARTTLS, and ackd sends a password only over TLS",
                  true);
    }
    const std::string plain = std::string(1, '\0') + login_->user + '\0' + login_->password;
    return send(Step::auth, "AUTH PLAIN " + crypto::base64(plain));
  }
  send(Step::mail_from, "MAIL FROM:<" + message_.mail_from + ">");
}

void SmtpSession::send(Step next, std::string line) {
  step_ = next;
  out_ = std::move(line) + "\r\n";
  write_out([self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) {
      return self->fail(std::string("write at ") + name(self->step_) + ": " + ec.message(), false);
    }
    self->read_reply();
  });
}

void SmtpSession::finish(SmtpOutcome outcome) {
  deadline_->cancel();
  if (auto done = std::move(done_)) {
    done_ = nullptr;
    done(std::move(outcome));
  }
}

void SmtpSession::fail(std::string error, bool permanent) {
  if (!done_) return;
  boost::system::error_code ignored;
  stream_.next_layer().close(ignored);
  finish({false, permanent, std::move(error)});
}

const char* SmtpSession::name(Step step) {
  switch (step) {
    case Step::greeting:
      return "the greeting";
    case Step::ehlo:
      return "EHLO";
    case Step::starttls:
      return "STARTTLS";
    case Step::auth:
      return "AUTH";
    case Step::mail_from:
      return "MAIL FROM";
    case Step::rcpt_to:
      return "RCPT TO";
    case Step::data:
      return "DATA";
    case Step::body:
      return "the end of DATA";
  }
  return "?";
}

}  // namespace ackd::deliver
