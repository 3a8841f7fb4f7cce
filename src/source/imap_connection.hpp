#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "ackd/mail/imap.hpp"
#include "ackd/time/clock.hpp"
#include "deliver/tls.hpp"

namespace ackd::source {

// The mailbox a source watches: "imaps://host[:port]/Folder" (TLS from the start) or
// "imap://host[:port]/Folder" (STARTTLS, required: a password never goes in the clear).
// The folder is INBOX unless given; %XX in it is decoded.
struct ImapServer {
  bool implicit_tls = false;
  std::string host;
  std::string port;  // 993 for imaps, 143 for imap, unless given
  std::string folder = "INBOX";
};
std::variant<ImapServer, std::string> parse_imap_url(std::string_view url);

// One IMAP connection (RFC 3501, STARTTLS of RFC 2595, IDLE of RFC 2177): one command at a
// time, its tagged answer with the untagged responses that came before it. Every command
// has `timeout`; a connection that fails stays failed (the source opens a new one).
class ImapConnection : public std::enable_shared_from_this<ImapConnection> {
 public:
  struct Result {
    bool ok = false;     // the server said OK
    std::string status;  // "OK", "NO", "BAD"; "" when the connection failed
    std::string text;    // the server's words, or why the connection failed
    std::vector<mail::imap::Response> untagged;
  };
  using Done = std::function<void(Result)>;

  ImapConnection(boost::asio::io_context& io, time::Clock& clock, ImapServer server,
                 std::shared_ptr<deliver::TlsContext> tls, std::size_t max_literal,
                 std::chrono::milliseconds timeout);

  // Connects, reads the greeting, and over imap:// upgrades with STARTTLS; `done` gets ""
  // or why not.
  void open(std::function<void(std::string error)> done);
  // What the server offers (upper case), as it said after TLS.
  bool offers(const std::string& capability) const { return capabilities_.contains(capability); }
  // One command, without its tag. `continuation` answers the server's "+" (AUTHENTICATE):
  // what to send back, without CRLF.
  void command(std::string text, Done done,
               std::function<std::string(const mail::imap::Response&)> continuation = {});
  // IDLE: `news` sees each untagged response while idling ("* 5 EXISTS"); `done` runs once
  // the server answers the DONE that end_idle() sends (or the connection fails).
  void idle(std::function<void(const mail::imap::Response&)> news, Done done);
  void end_idle();
  // How many "* n EXISTS" the server has sent so far, in answer to any command or while
  // idling: new mail announced while a command ran is not lost for being answered then.
  std::uint64_t exists_seen() const { return exists_seen_; }
  // Closes the connection; no callback runs after it.
  void close();

 private:
  void handshake(std::function<void(std::string)> done);
  void read_more();
  void on_response(mail::imap::Response response);
  void write(std::string bytes);
  void write_next();
  void fail(std::string error);
  void finish(Result result);
  void arm_deadline();

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  std::unique_ptr<time::Timer> deadline_;
  ImapServer server_;
  std::shared_ptr<deliver::TlsContext> tls_context_;
  std::chrono::milliseconds timeout_;
  std::size_t max_literal_;
  mail::imap::Reader reader_;
  std::array<char, 64 * 1024> in_{};
  std::deque<std::string> out_;
  bool tls_ = false;
  bool reading_ = false;
  bool closed_ = false;
  bool starttls_ = false;     // the command waiting for its answer is STARTTLS
  bool hold_reads_ = false;   // from STARTTLS's answer until the handshake is done
  bool ending_idle_ = false;  // DONE sent
  std::string bye_;           // what the server said as it closes
  std::uint64_t exists_seen_ = 0;
  std::set<std::string> capabilities_;
  std::function<void(std::string)> greeted_;  // waiting for the greeting
  unsigned next_tag_ = 0;
  std::string tag_;  // of the command waiting for its answer
  Done done_;
  std::function<std::string(const mail::imap::Response&)> continuation_;
  std::function<void(const mail::imap::Response&)> news_;  // while idling
  std::vector<mail::imap::Response> untagged_;
};

}  // namespace ackd::source
