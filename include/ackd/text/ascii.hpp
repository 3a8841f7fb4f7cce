#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace ackd::text {

// Without the spaces and tabs at either end.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A-Z as a-z, every other byte as it is: for protocol keywords, header names, tags and
// statuses, which are ASCII whatever the text around them (no locale involved).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The number `text` is, whole (from_chars: a sign only for a signed Number, no spaces, no
// trailing bytes); nullopt otherwise, and when it does not fit.
template <class Number>
std::optional<Number> whole_number(std::string_view text) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace ackd::text
