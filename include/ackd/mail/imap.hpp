#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ackd/time/instant.hpp"

namespace ackd::mail::imap {

// The client side of IMAP4rev1 (RFC 3501) that a mailbox watcher needs, without I/O: the
// server's responses cut out of the bytes it sends, and the few of them read for their
// content (SELECT's codes, SEARCH, FETCH).

// One response: a line, with the literals it carried ("{n}\r\n" then n octets) taken out.
struct Response {
  std::string tag;   // "*" untagged, "+" a continuation request, else a command's tag
  std::string text;  // the rest of the line, each literal left as its "{n}"
  std::vector<std::string> literals;  // in order

  // For a tagged response: "OK", "NO" or "BAD" (upper case); for an untagged one, its
  // first word ("OK", "BYE", "CAPABILITY") or, after a number, the word after it
  // ("EXISTS", "FETCH").
  std::string kind() const;
};

// Cuts responses out of what the server sends. A literal longer than `max_literal`, or a
// line longer than 64 KiB without one, is an error: a server (or a man in the middle)
// cannot make ackd buffer without bound.
class Reader {
 public:
  explicit Reader(std::size_t max_literal) : max_literal_(max_literal) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  struct NeedMore {};
  // The next whole response; NeedMore while it has not all arrived; an error's reason.
  std::variant<NeedMore, Response, std::string> next();

 private:
  std::size_t max_literal_;
  std::string buffer_;
};

// `* OK [UIDVALIDITY 3857529045]`, `[UIDNEXT 4392]`: the number of a response code, when
// the text carries that code.
std::optional<std::uint32_t> code_number(std::string_view text, std::string_view code);
// The capabilities in a CAPABILITY response or an OK's [CAPABILITY ...] code, upper case.
std::vector<std::string> capabilities(std::string_view text);
// The UIDs of a `* SEARCH 3 5 7` response's text ("SEARCH 3 5 7").
std::vector<std::uint32_t> search_uids(std::string_view text);

// What a `* 12 FETCH (...)` response says of one message.
struct Fetched {
  std::uint32_t uid = 0;
  std::optional<time::Instant> internal_date;
  std::optional<std::uint64_t> size;  // RFC822.SIZE
  std::optional<std::string> body;    // BODY[] or BODY[]<0> (a partial fetch)
};
// nullopt when the response is not a FETCH or has no UID.
std::optional<Fetched> fetched(const Response& response);

// "27-Nov-2026 06:11:15 +0900" (INTERNALDATE) as an instant.
std::optional<time::Instant> parse_internal_date(std::string_view text);

// A mailbox name as a command argument: a quoted string, non-ASCII names in IMAP's
// modified UTF-7 (RFC 3501, 5.1.3); nullopt for a name with a control character or that is
// not UTF-8.
std::optional<std::string> mailbox_argument(std::string_view utf8_name);

// SASL initial responses (base64 is the caller's): PLAIN (RFC 4616) and Google's and
// Microsoft's XOAUTH2.
std::string sasl_plain(std::string_view user, std::string_view password);
std::string sasl_xoauth2(std::string_view user, std::string_view token);

// A UID set for a command, "3,5:7,9" for {3, 5, 6, 7, 9} (sorted, no duplicates).
std::string uid_set(const std::vector<std::uint32_t>& sorted_uids);

}  // namespace ackd::mail::imap
