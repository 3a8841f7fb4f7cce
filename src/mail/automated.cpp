// Mail that must never get an automatic answer (RFC 3834, and the senders every mail system
// knows to leave alone): answering it is how two auto-responders loop.
#include <algorithm>
#include <cctype>
#include <string>

#include "ackd/mail/message.hpp"
#include "ackd/text/ascii.hpp"

namespace ackd::mail {
namespace {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return text::ascii_lower(s);
}

std::string reason(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view from_address, const std::vector<std::string>& own_addresses) {
  for (const auto& [raw_name, raw_value] : headers) {
    const std::string name = lower_trimmed(raw_name);
    const std::string value = lower_trimmed(raw_value);
    // "auto-replied; owner-email=..." : the keyword before any parameter.
    const std::string keyword = value.substr(0, value.find(';'));
    if (name == "auto-submitted" && lower_trimmed(keyword) != "no") {
      return "Auto-Submitted: " + lower_trimmed(keyword);
    }
    if (name == "return-path" && (value == "<>" || value.empty())) {
      return "an empty Return-Path (a bounce or another automatic mail)";
    }
    if (name == "precedence" && (value == "bulk" || value == "list" || value == "junk")) {
      return "Precedence: " + value;
    }
    if (name.starts_with("list-")) return "a mailing list's mail (" + raw_name + ")";
    if (name == "x-auto-response-suppress" && !value.empty() && value != "none") {
      return "X-Auto-Response-Suppress: " + value;
    }
    if (name == "x-autoreply" || name == "x-autorespond") return raw_name + " is set";
  }
  const std::string from = lower_trimmed(from_address);
  if (from.empty()) return "no sender address";
  for (const auto& own : own_addresses) {
    if (from == lower_trimmed(own)) return "the sender " + from + " is one of our own addresses";
  }
  const std::string local = from.substr(0, from.find('@'));
  if (local == "mailer-daemon" || local == "postmaster" || local.ends_with("-request") ||
      local.starts_with("owner-") || local == "noreply" || local == "no-reply" ||
      local == "no_reply" || local == "donotreply" || local == "do-not-reply") {
    return "the sender " + from + " never reads answers";
  }
  return "";
}

}  // namespace

std::string automated_reason(const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view from_address,
                             const std::vector<std::string>& own_addresses) {
  // It quotes headers, which may hold any bytes.
  return to_utf8(reason(headers, from_address, own_addresses), "utf-8");
}

}  // namespace ackd::mail
