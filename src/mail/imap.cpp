#include "ackd/mail/imap.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "ackd/text/ascii.hpp"
#include "ackd/text/utf8.hpp"

namespace ackd::mail::imap {

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = upper(c);
  return out;
}

// "{123}" or "{123+}" (LITERAL+) at the end of a line: the literal's length.
std::optional<std::size_t> literal_at_end(std::string_view line) {
  if (!line.ends_with('}')) return std::nullopt;
  const auto open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  auto digits = line.substr(open + 1, line.size() - open - 2);
  if (digits.ends_with('+')) digits.remove_suffix(1);
  return text::whole_number<std::size_t>(digits);
}

// The tokens of a response's text, as FETCH needs them: atoms (BODY[...]<...> with its
// section kept whole), quoted strings, literals (by index) and parenthesised lists.
class Tokens {
 public:
  Tokens(std::string_view text, const std::vector<std::string>& literals)
      : text_(text), literals_(literals) {}

  struct Token {
    enum Kind { atom, string, open, close, end } kind = end;
    std::string value;
  };

  Token next() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
    if (at_ >= text_.size()) return {};
    const char c = text_[at_];
    if (c == '(') return ++at_, Token{Token::open, "("};
    if (c == ')') return ++at_, Token{Token::close, ")"};
    if (c == '"') return quoted();
    if (c == '{') {
      const auto close = text_.find('}', at_);
      if (close == std::string_view::npos) return {};
      at_ = close + 1;
      if (literal_ >= literals_.size()) return {};
      return {Token::string, literals_[literal_++]};
    }
    std::string value;
    int brackets = 0;
    while (at_ < text_.size()) {
      const char d = text_[at_];
      if (brackets == 0 && (d == ' ' || d == '(' || d == ')')) break;
      if (d == '[') ++brackets;
      if (d == ']' && brackets > 0) --brackets;
      value += d;
      ++at_;
    }
    return {Token::atom, std::move(value)};
  }

  // Skips the rest of a list whose "(" was just read.
  void skip_list() {
    for (int depth = 1; depth > 0;) {
      auto t = next();
      if (t.kind == Token::end) return;
      if (t.kind == Token::open) ++depth;
      if (t.kind == Token::close) --depth;
    }
  }

 private:
  Token quoted() {
    std::string value;
    for (++at_; at_ < text_.size(); ++at_) {
      const char c = text_[at_];
      if (c == '\\' && at_ + 1 < text_.size()) {
        value += text_[++at_];
      } else if (c == '"') {
        ++at_;
        return {Token::string, std::move(value)};
      } else {
        value += c;
      }
    }
    return {};
  }

  std::string_view text_;
  const std::vector<std::string>& literals_;
  std::size_t at_ = 0;
  std::size_t literal_ = 0;
};

}  // namespace

std::string Response::kind() const {
  std::string_view rest = text;
  if (tag == "*" && !rest.empty() && is_digit(rest.front())) {
    const auto space = rest.find(' ');
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  }
  return upper(rest.substr(0, rest.find(' ')));
}

std::variant<Reader::NeedMore, Response, std::string> Reader::next() {
  Response response;
  std::string line;
  std::size_t at = 0;
  for (;;) {
    const auto end = buffer_.find("\r\n", at);
    if (end == std::string::npos) {
      if (buffer_.size() - at > kMaxLine) return std::string("a response line is too long");
      return NeedMore{};
    }
    std::string_view piece(buffer_.data() + at, end - at);
    if (piece.size() > kMaxLine) return std::string("a response line is too long");
    line += piece;
    at = end + 2;
    const auto length = literal_at_end(piece);
    if (!length) break;
    if (*length > max_literal_) {
      return "the server sends a literal of " + std::to_string(*length) + " octets (at most " +
             std::to_string(max_literal_) + ")";
    }
    if (buffer_.size() - at < *length) return NeedMore{};
    response.literals.emplace_back(buffer_, at, *length);
    at += *length;
  }
  buffer_.erase(0, at);
  const auto space = line.find(' ');
  response.tag = line.substr(0, space);
  if (response.tag.empty()) return std::string("a response without a tag");
  response.text = space == std::string::npos ? "" : line.substr(space + 1);
  return response;
}

std::optional<std::uint32_t> code_number(std::string_view text, std::string_view code) {
  const std::string wanted = "[" + std::string(code) + " ";
  const std::string upper_text = upper(text);
  const auto at = upper_text.find(wanted);
  if (at == std::string::npos) return std::nullopt;
  const auto from = at + wanted.size();
  const auto to = upper_text.find(']', from);
  if (to == std::string::npos) return std::nullopt;
  return text::whole_number<std::uint32_t>(std::string_view(text).substr(from, to - from));
}

std::vector<std::string> capabilities(std::string_view text) {
  std::string_view rest = text;
  if (const auto open = rest.find("[CAPABILITY "); open != std::string_view::npos) {
    rest = rest.substr(open + 12);
    rest = rest.substr(0, rest.find(']'));
  } else if (upper(rest.substr(0, 11)) == "CAPABILITY ") {
    rest = rest.substr(11);
  } else {
    return {};
  }
  std::vector<std::string> out;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    if (space != 0) out.push_back(upper(rest.substr(0, space)));
    if (space == std::string_view::npos) break;
    rest = rest.substr(space + 1);
  }
  return out;
}

std::vector<std::uint32_t> search_uids(std::string_view text) {
  std::vector<std::uint32_t> out;
  if (upper(text.substr(0, 6)) != "SEARCH") return out;
  std::string_view rest = text.substr(6);
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto space = rest.find(' ');
    if (auto uid = text::whole_number<std::uint32_t>(rest.substr(0, space))) out.push_back(*uid);
    if (space == std::string_view::npos) break;
    rest = rest.substr(space);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<Fetched> fetched(const Response& response) {
  if (response.tag != "*" || response.kind() != "FETCH") return std::nullopt;
  const auto open = response.text.find('(');
  if (open == std::string::npos) return std::nullopt;
  // The literals come in order; those before the list (none, in practice) are not its.
  Tokens tokens(std::string_view(response.text).substr(open + 1), response.literals);
  Fetched out;
  for (;;) {
    auto name = tokens.next();
    if (name.kind != Tokens::Token::atom) break;
    const std::string item = upper(name.value);
    auto value = tokens.next();
    if (value.kind == Tokens::Token::open) {
      tokens.skip_list();
      continue;
    }
    if (value.kind == Tokens::Token::end || value.kind == Tokens::Token::close) break;
    if (item == "UID") {
      out.uid = text::whole_number<std::uint32_t>(value.value).value_or(0);
    } else if (item == "INTERNALDATE") {
      out.internal_date = parse_internal_date(value.value);
    } else if (item == "RFC822.SIZE") {
      out.size = text::whole_number<std::uint64_t>(value.value);
    } else if (item == "BODY[]" || item.starts_with("BODY[]<")) {
      if (upper(value.value) != "NIL" || value.kind == Tokens::Token::string) {
        out.body = std::move(value.value);
      }
    }
  }
  if (out.uid == 0) return std::nullopt;
  return out;
}

std::optional<time::Instant> parse_internal_date(std::string_view text) {
  // dd-Mon-yyyy hh:mm:ss +zzzz, the day possibly space-padded.
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const auto dash = text.find('-');
  if (dash == std::string_view::npos || text.size() < dash + 1 + 3 + 1 + 4 + 1 + 8 + 1 + 5) {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  const auto month_name = upper(text.substr(dash + 1, 3));
  const auto month = std::find(kMonths.begin(), kMonths.end(), month_name);
  const std::string_view rest = text.substr(dash + 4);
  if (month == kMonths.end() || rest.size() < 20 || rest[0] != '-' || rest[5] != ' ' ||
      rest[8] != ':' || rest[11] != ':' || rest[14] != ' ' ||
      (rest[15] != '+' && rest[15] != '-')) {
    return std::nullopt;
  }
  const auto day = text::whole_number<unsigned>(text.substr(0, dash));
  const auto year = text::whole_number<int>(rest.substr(1, 4));
  const auto hour = text::whole_number<int>(rest.substr(6, 2));
  const auto minute = text::whole_number<int>(rest.substr(9, 2));
  const auto second = text::whole_number<int>(rest.substr(12, 2));
  const auto zone_hours = text::whole_number<int>(rest.substr(16, 2));
  const auto zone_minutes = text::whole_number<int>(rest.substr(18, 2));
  if (!day || !year || !hour || !minute || !second || !zone_hours || !zone_minutes) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year{*year},
      std::chrono::month{static_cast<unsigned>(month - kMonths.begin() + 1)},
      std::chrono::day{*day}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto offset = std::chrono::minutes(*zone_hours * 60 + *zone_minutes);
  return std::chrono::sys_days{date} + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second) - (rest[15] == '+' ? offset : -offset);
}

std::optional<std::string> mailbox_argument(std::string_view name) {
  if (text::find_invalid_utf8(name)) return std::nullopt;
  static constexpr std::string_view kBase64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  std::string out = "\"";
  std::u16string pending;  // non-ASCII characters waiting to be written as one &...- run
  auto flush = [&] {
    if (pending.empty()) return;
    std::string bytes;
    for (char16_t unit : pending) {
      bytes += static_cast<char>(unit >> 8);
      bytes += static_cast<char>(unit & 0xff);
    }
    out += '&';
    std::uint32_t bits = 0;
    int count = 0;
    for (unsigned char b : bytes) {
      bits = (bits << 8) | b;
      count += 8;
      while (count >= 6) {
        count -= 6;
        out += kBase64[(bits >> count) & 0x3f];
      }
    }
    if (count > 0) out += kBase64[(bits << (6 - count)) & 0x3f];
    out += '-';
    pending.clear();
  };
  for (std::size_t at = 0; at < name.size();) {
    const char32_t cp = text::next_code_point(name, at);
    if (cp >= 0x20 && cp <= 0x7e) {
      flush();
      if (cp == '&') {
        out += "&-";
      } else {
        if (cp == '"' || cp == '\\') out += '\\';
        out += static_cast<char>(cp);
      }
    } else if (cp < 0x80) {
      return std::nullopt;  // a control character
    } else if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      pending += static_cast<char16_t>(0xd800 + (v >> 10));
      pending += static_cast<char16_t>(0xdc00 + (v & 0x3ff));
    } else {
      pending += static_cast<char16_t>(cp);
    }
  }
  flush();
  return out + "\"";
}

std::string sasl_plain(std::string_view user, std::string_view password) {
  std::string out(1, '\0');
  out += user;
  out += '\0';
  out += password;
  return out;
}

std::string sasl_xoauth2(std::string_view user, std::string_view token) {
  return "user=" + std::string(user) + "\x01" + "auth=Bearer " + std::string(token) + "\x01\x01";
}

std::string uid_set(const std::vector<std::uint32_t>& uids) {
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace ackd::mail::imap
