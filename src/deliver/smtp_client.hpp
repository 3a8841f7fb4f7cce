#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ackd/time/clock.hpp"
#include "deliver/tls.hpp"

namespace ackd::deliver {

// Where an SMTP sink submits mail: "smtp://host[:port]" (STARTTLS when the server offers
// it; required before a password is sent) or "smtps://host[:port]" (TLS from the start).
struct SmtpServer {
  bool implicit_tls = false;
  std::string host;
  std::string port;  // 25 for smtp, 465 for smtps, unless given
};
std::variant<SmtpServer, std::string> parse_smtp_url(std::string_view url);

struct SmtpLogin {
  std::string user;
  std::string password;
};

// One message to submit: the envelope and the message itself (CRLF line ends).
struct SmtpMessage {
  std::string mail_from;             // the envelope's address, no angle brackets
  std::vector<std::string> rcpt_to;  // one or more, each accepted or the mail is not sent
  std::string data;
};

// How a submission ended. `permanent`: the server said 5xx, or can never take it as
// configured (no STARTTLS for a password); sending it again will not help.
struct SmtpOutcome {
  bool sent = false;
  bool permanent = false;
  std::string error;  // "SMTP 550 at RCPT TO: 5.1.1 no such user", "timeout", ...
};

// One SMTP session on its own connection (RFC 5321 and 3207, AUTH PLAIN of RFC 4616):
// greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT, the whole within `timeout`.
class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  using Done = std::function<void(SmtpOutcome)>;

  SmtpSession(boost::asio::io_context& io, time::Clock& clock, SmtpServer server,
              std::shared_ptr<TlsContext> tls, std::optional<SmtpLogin> login,
              std::string helo_name);

  void run(SmtpMessage message, std::chrono::milliseconds timeout, Done done);
  // Closes the connection; `done` is never called.
  void abort();

 private:
  enum class Step { greeting, ehlo, starttls, auth, mail_from, rcpt_to, data, body };

  void on_connect(boost::system::error_code ec);
  void handshake();
  void read_reply();
  void on_line(boost::system::error_code ec);
  void on_reply(int code, const std::string& text);
  void send(Step next, std::string line);
  // Writes out_ on the connection as it stands (plain, or TLS after the handshake).
  template <class Handler>
  void write_out(Handler handler);
  void after_ehlo();
  void finish(SmtpOutcome outcome);
  void fail(std::string error, bool permanent);
  static const char* name(Step step);

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  std::unique_ptr<time::Timer> deadline_;
  SmtpServer server_;
  std::shared_ptr<TlsContext> tls_context_;
  std::optional<SmtpLogin> login_;
  std::string helo_name_;
  SmtpMessage message_;
  Done done_;
  bool tls_ = false;
  bool offers_starttls_ = false;
  Step step_ = Step::greeting;
  std::size_t recipients_accepted_ = 0;
  boost::asio::streambuf in_;
  std::string out_;
  std::string reply_text_;  // the lines of a multi-line reply so far
};

// The message with dot-stuffing (RFC 5321, 4.5.2) and the closing ".".
std::string smtp_data(std::string_view message);

}  // namespace ackd::deliver
