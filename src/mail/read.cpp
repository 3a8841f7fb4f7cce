// A raw mail into a Message, with GMime 3 for RFC 5322 and MIME; charsets and encoded words
// through text.cpp, which reads Shift_JIS as CP932 where glibc's iconv would not.

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>

#include "ackd/mail/message.hpp"
#include "ackd/text/ascii.hpp"
#include "ackd/text/excerpt.hpp"
#include "mail/gmime.hpp"

namespace ackd::mail {
namespace {

// The most of a mail's text ackd keeps (characters): a complaint, not an archive.
constexpr std::size_t kMaxTextChars = 20000;

using detail::Owned;

// What GMime hands back, as valid UTF-8: headers may hold any bytes.
std::string text_of(const char* s) {
  return s ? to_utf8(s, "utf-8") : std::string();
}

// A header's value as written, unfolded.
std::string unfolded(const char* raw) {
  std::string out;
  for (const char* p = raw ? raw : ""; *p; ++p) {
    if (*p == '\r' || *p == '\n') continue;
    out += *p == '\t' ? ' ' : *p;
  }
  const auto first = out.find_first_not_of(' ');
  return first == std::string::npos ? "" : out.substr(first);
}

std::vector<std::string> message_ids(const std::string& value) {
  std::vector<std::string> out;
  GMimeReferences* refs = g_mime_references_parse(nullptr, value.c_str());
  if (!refs) return out;
  for (int i = 0; i < g_mime_references_length(refs); ++i) {
    out.push_back(text_of(g_mime_references_get_message_id(refs, i)));
  }
  g_mime_references_free(refs);
  return out;
}

// The Message-ID in a block of headers (a bounce's text/rfc822-headers part).
std::string message_id_in_headers(std::string_view headers) {
  std::size_t start = 0;
  while (start < headers.size()) {
    auto end = headers.find('\n', start);
    if (end == std::string_view::npos) end = headers.size();
    std::string line(headers.substr(start, end - start));
    start = end + 1;
    const std::string lowered = text::ascii_lower(line);
    if (lowered.starts_with("message-id:")) {
      auto ids = message_ids(line.substr(11));
      if (!ids.empty()) return ids.front();
    }
  }
  return "";
}

// What the walk over the MIME tree collects.
struct Body {
  std::optional<std::string> plain;
  std::optional<std::string> html;
  std::size_t attachments = 0;
  bool report = false;  // multipart/report: a delivery status notification
  std::string reported_id;
};

std::string decoded_content(GMimeObject* object) {
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(object));
  if (!content) return "";
  Owned<GMimeStream> memory(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, memory.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory.get()));
  std::string raw(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return to_utf8(raw, text_of(g_mime_object_get_content_type_parameter(object, "charset")));
}

void walk(GMimeObject* object, Body& body, int depth) {
  if (!object || depth > 32) return;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const std::string media = text_of(type ? g_mime_content_type_get_media_type(type) : nullptr);
  const std::string sub = text_of(type ? g_mime_content_type_get_media_subtype(type) : nullptr);
  if (GMIME_IS_MULTIPART(object)) {
    if (g_ascii_strcasecmp(sub.c_str(), "report") == 0) body.report = true;
    GMimeMultipart* parts = GMIME_MULTIPART(object);
    for (int i = 0; i < g_mime_multipart_get_count(parts); ++i) {
      walk(g_mime_multipart_get_part(parts, i), body, depth + 1);
    }
    return;
  }
  if (GMIME_IS_MESSAGE_PART(object)) {
    ++body.attachments;
    if (GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object))) {
      if (body.reported_id.empty())
        body.reported_id = text_of(g_mime_message_get_message_id(inner));
    }
    return;
  }
  if (!GMIME_IS_PART(object)) return;
  const bool text = g_ascii_strcasecmp(media.c_str(), "text") == 0;
  if (text && g_ascii_strcasecmp(sub.c_str(), "rfc822-headers") == 0) {
    if (body.reported_id.empty()) body.reported_id = message_id_in_headers(decoded_content(object));
    ++body.attachments;
    return;
  }
  if (!text || g_mime_part_is_attachment(GMIME_PART(object))) {
    ++body.attachments;
    return;
  }
  if (g_ascii_strcasecmp(sub.c_str(), "plain") == 0 && !body.plain) {
    body.plain = decoded_content(object);
  } else if (g_ascii_strcasecmp(sub.c_str(), "html") == 0 && !body.html) {
    body.html = decoded_content(object);
  } else {
    ++body.attachments;
  }
}

// "Taro Yamada <taro@example.com>": the display name, its encoded words decoded here rather
// than by GMime, whose iconv would lose CP932's characters.
std::string display_name(const std::string& raw_from) {
  const auto angle = raw_from.find('<');
  if (angle == std::string::npos) return "";
  std::string name = decode_words(raw_from.substr(0, angle));
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return name;
}

std::string without_reply_prefixes(std::string subject) {
  for (bool cut = true; cut;) {
    cut = false;
    for (std::string_view prefix : {"re:", "fw:", "fwd:", "aw:", "返信:", "転送:", "ｒｅ:"}) {
      const std::string head = text::ascii_lower(subject.substr(0, prefix.size()));
      if (head == prefix) {
        subject = subject.substr(prefix.size());
        while (!subject.empty() && subject.front() == ' ') subject.erase(subject.begin());
        cut = true;
      }
    }
  }
  return subject;
}

// A stable stand-in for a missing Message-ID: FNV-1a of the raw bytes.
std::string raw_digest(std::string_view raw) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : raw) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xf];
  return out;
}

}  // namespace

std::variant<Message, std::string> read_message(std::string_view raw, const ReadOptions& options) {
  detail::ensure_gmime();
  Owned<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  Owned<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  Owned<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!parsed) return std::string("not a mail message: no headers could be read");
  GMimeObject* top = GMIME_OBJECT(parsed.get());

  Message m;
  m.message_id = text_of(g_mime_message_get_message_id(parsed.get()));
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw_from;
  GMimeHeaderList* list = g_mime_object_get_header_list(top);
  for (int i = 0; i < g_mime_header_list_get_count(list); ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    std::string name = text_of(g_mime_header_get_name(header));
    std::string value = unfolded(g_mime_header_get_raw_value(header));
    if (g_ascii_strcasecmp(name.c_str(), "Subject") == 0) m.subject = decode_words(value);
    if (g_ascii_strcasecmp(name.c_str(), "From") == 0) raw_from = value;
    if (g_ascii_strcasecmp(name.c_str(), "In-Reply-To") == 0) {
      auto ids = message_ids(value);
      if (!ids.empty()) m.in_reply_to = ids.front();
    }
    if (g_ascii_strcasecmp(name.c_str(), "References") == 0) m.references = message_ids(value);
    headers.emplace_back(std::move(name), std::move(value));
  }
  if (InternetAddressList* from = g_mime_message_get_from(parsed.get());
      from && internet_address_list_length(from) > 0) {
    InternetAddress* address = internet_address_list_get_address(from, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      m.from_address =
          text_of(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
    }
    m.from_name = display_name(raw_from);
    if (m.from_name.empty()) m.from_name = text_of(internet_address_get_name(address));
  }

  Body body;
  walk(g_mime_message_get_mime_part(parsed.get()), body, 0);
  std::string text = body.plain ? *body.plain : body.html ? html_to_text(*body.html) : "";
  m.text = text::excerpt(cut_quoted(text), kMaxTextChars);
  m.attachments = body.attachments;
  m.automated = automated_reason(headers, m.from_address, options.own_addresses);
  if (body.report) {
    if (m.automated.empty()) m.automated = "a delivery status report";
    if (!body.reported_id.empty()) m.bounce_of = body.reported_id;
  }
  return m;
}

Complaint complaint_of(const Message& m, std::string_view raw, std::string channel) {
  Complaint c;
  c.channel = std::move(channel);
  c.external_id = m.message_id.empty() ? "no-message-id:" + raw_digest(raw) : m.message_id;
  c.author.id = m.from_address;
  c.author.name = m.from_name;
  c.author.bot = !m.automated.empty();
  if (c.author.bot) c.author.bot_reason = "an automated mail (RFC 3834: " + m.automated + ")";
  c.visibility = Visibility::private_message;
  c.thread_id = !m.references.empty() ? m.references.front() : m.in_reply_to;
  const std::string subject = without_reply_prefixes(m.subject);
  c.text = subject.empty() ? m.text : m.text.empty() ? subject : subject + "\n\n" + m.text;
  if (c.text.empty()) c.text = "(no text)";
  nlohmann::json email = {{"message_id", m.message_id},
                          {"in_reply_to", m.in_reply_to},
                          {"references", m.references},
                          {"subject", m.subject},
                          {"attachments", m.attachments}};
  if (!m.automated.empty()) email["automated"] = m.automated;
  if (m.bounce_of) email["bounce_of"] = *m.bounce_of;
  c.metadata["email"] = std::move(email);
  return c;
}

}  // namespace ackd::mail
