#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::mail {

// A mail as ackd reads it (RFC 5322 and MIME, parsed by GMime): who wrote it, to which
// thread it belongs, the new text it carries, and whether it may be answered automatically.

struct Message {
  std::string message_id;  // without the angle brackets; "" when the mail has none
  std::string in_reply_to;
  std::vector<std::string> references;  // oldest first
  std::string from_address;
  std::string from_name;
  std::string subject;  // decoded to UTF-8
  // What the customer wrote this time: text/plain preferred, else the HTML as text, in
  // UTF-8, with quoted history ("> " lines, "On … wrote:", 「…さんは書きました」) cut.
  std::string text;
  std::size_t attachments = 0;  // parts not read: counted, never opened
  // Why no automatic answer may go to this mail (RFC 3834 and the loop guards): an
  // Auto-Submitted mail, a list, a bounce, a no-reply sender, ourselves. Empty: it may.
  std::string automated;
  // A delivery report about a mail we sent: the Message-ID of that mail, when found.
  std::optional<std::string> bounce_of;
};

struct ReadOptions {
  // Our own addresses (the mailbox's, the replies' From): a mail from them is never answered.
  std::vector<std::string> own_addresses;
};

// Reads one raw message; a message MIME cannot make sense of at all is an error (its
// reason). Bodies in ISO-2022-JP, Shift_JIS (read as CP932, so ① and ～ survive), EUC-JP,
// UTF-8 and other charsets ICU knows, base64 or quoted-printable; RFC 2047 encoded words
// in Subject and From.
std::variant<Message, std::string> read_message(std::string_view raw, const ReadOptions& options);

// The complaint a mail is: channel `channel`, external_id the Message-ID (or one made from
// the raw bytes when it has none), thread_id the thread's first message, the author's
// address as their id, a private message. The subject leads the text, which is what the
// policy sees; metadata.email keeps what the answer needs (message_id, references,
// subject) and why no automatic answer may go (automated). An automated mail's author is
// marked as a bot, so the policy's loop guard holds its reply.
Complaint complaint_of(const Message& message, std::string_view raw, std::string channel = "email");

// The pieces, for tests and for the SMTP sink.
// RFC 2047: "=?ISO-2022-JP?B?...?=" and the like decoded to UTF-8; other text kept.
std::string decode_words(std::string_view header_value);
// Bytes in `charset` as UTF-8 (Shift_JIS read as CP932); what cannot be read becomes U+FFFD.
std::string to_utf8(std::string_view bytes, std::string_view charset);
// UTF-8 as `charset` (ICU's names: "ISO-2022-JP" writes JIS X 0208 between ESC $ B and
// ESC ( B, as RFC 1468 wants); a character it lacks becomes its substitute.
std::string from_utf8(std::string_view utf8, std::string_view charset);
// An HTML body as the text a person reads: tags dropped, blocks on their own lines,
// scripts and styles removed, entities decoded.
std::string html_to_text(std::string_view html);
// The new text of a reply: quoted lines and the quoted history below an attribution cut.
std::string cut_quoted(std::string_view text);
// RFC 3834 and the usual senders that never want an answer: why not, or "".
// `headers` are the mail's, names as written.
std::string automated_reason(const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view from_address,
                             const std::vector<std::string>& own_addresses);

// A mail ackd sends: an answer to a customer's mail, or a notice to a team.
struct Outgoing {
  std::string from;  // "ACME Support <support@example.com>"
  std::string to_address;
  std::string to_name;
  std::vector<std::string> also_to{};  // more addresses in To: (a report to a team)
  std::string subject;                 // as it goes out (reply_subject() for an answer)
  std::string message_id;              // without the angle brackets
  std::string in_reply_to;             // the customer's Message-ID, for an answer
  std::vector<std::string> references;
  std::string text;  // UTF-8
  // Files that go with the text (the report's HTML page): the mail is then multipart/mixed.
  struct Attachment {
    std::string filename, content_type;  // "report.html", "text/html"
    std::string content;                 // UTF-8 text
  };
  std::vector<Attachment> attachments{};
  time::Instant date;
  // Auto-Submitted: "auto-replied" for an answer, "auto-generated" for a notice (RFC 3834).
  std::string auto_submitted = "auto-replied";
  bool iso_2022_jp = false;  // the text and subject in ISO-2022-JP, as older mailers expect
};

// The message as RFC 5322 text with CRLF line ends, MIME-encoded by GMime: the subject and
// names as encoded words when not ASCII, the text in UTF-8 (or ISO-2022-JP) with a transfer
// encoding that keeps lines short.
std::string compose(const Outgoing& mail);

// Whether `address` can go into RCPT TO: it has an "@", and nothing in it may end the
// command or start another (no space, tab, CR, LF, angle bracket or NUL).
bool usable_address(std::string_view address);

// "Re: " and the customer's subject, never "Re: Re: ".
std::string reply_subject(std::string_view subject);

}  // namespace ackd::mail
