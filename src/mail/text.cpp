// Mail text into UTF-8: charsets through ICU, RFC 2047 encoded words, HTML as text, quoted
// history cut.
#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "ackd/mail/message.hpp"
#include "ackd/text/ascii.hpp"
#include "ackd/text/utf8.hpp"

namespace ackd::mail {
namespace {

using text::ascii_lower;

// ICU's name for a mail's charset label. ICU's Shift_JIS is IBM-943, a superset of CP932:
// glibc's SHIFT_JIS would lose ① and ～, which Japanese mail is full of.
std::string icu_charset(std::string_view label) {
  std::string name = ascii_lower(label);
  if (name == "shift_jis" || name == "sjis" || name == "x-sjis" || name == "shift-jis" ||
      name == "ms_kanji" || name == "cp932" || name == "windows-31j") {
    return "windows-31j";
  }
  if (name.empty() || name == "us-ascii" || name == "ascii") return "utf-8";
  return name;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) continue;  // '=', whitespace, junk
    bits = (bits << 6) | static_cast<std::uint32_t>(at);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// RFC 2047's Q encoding: '_' is a space, =XX a byte.
std::string q_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

struct EncodedWord {
  std::size_t end = 0;  // just past "?="
  std::string text;     // decoded to UTF-8
};

// The encoded word at `at` ("=?charset?B?...?="), if there is one.
std::optional<EncodedWord> encoded_word(std::string_view s, std::size_t at) {
  if (s.substr(at, 2) != "=?") return std::nullopt;
  const auto charset_end = s.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end + 2 >= s.size()) return std::nullopt;
  const char encoding =
      static_cast<char>(std::toupper(static_cast<unsigned char>(s[charset_end + 1])));
  if ((encoding != 'B' && encoding != 'Q') || s[charset_end + 2] != '?') return std::nullopt;
  const auto text_start = charset_end + 3;
  const auto text_end = s.find("?=", text_start);
  if (text_end == std::string_view::npos) return std::nullopt;
  std::string_view charset = s.substr(at + 2, charset_end - at - 2);
  charset = charset.substr(0, charset.find('*'));  // RFC 2231's language suffix
  const auto payload = s.substr(text_start, text_end - text_start);
  if (payload.find_first_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
  const std::string bytes = encoding == 'B' ? base64_decode(payload) : q_decode(payload);
  return EncodedWord{text_end + 2, to_utf8(bytes, charset)};
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

void trim_trailing_blank_lines(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
}

}  // namespace

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  const std::string name = icu_charset(charset);
  if (name == "utf-8" || name == "utf8") {
    if (!text::find_invalid_utf8(bytes)) return std::string(bytes);
  }
  UErrorCode status = U_ZERO_ERROR;
  UConverter* converter = ucnv_open(name == "utf8" ? "utf-8" : name.c_str(), &status);
  if (U_FAILURE(status)) {
    // A charset ICU does not know: read it as UTF-8, what is not becomes U+FFFD.
    status = U_ZERO_ERROR;
    converter = ucnv_open("utf-8", &status);
    if (U_FAILURE(status)) return {};
  }
  icu::UnicodeString text(bytes.data(), static_cast<int32_t>(bytes.size()), converter, status);
  ucnv_close(converter);
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string from_utf8(std::string_view utf8, std::string_view charset) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* converter = ucnv_open(std::string(charset).c_str(), &status);
  if (U_FAILURE(status)) return std::string(utf8);
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::string out(static_cast<std::size_t>(text.length()) * 8 + 16, '\0');
  status = U_ZERO_ERROR;
  const int32_t written =
      text.extract(out.data(), static_cast<int32_t>(out.size()), converter, status);
  ucnv_close(converter);
  if (U_FAILURE(status)) return std::string(utf8);
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string decode_words(std::string_view value) {
  // A header is a line or two; one of megabytes is junk, and decoding it word by word
  // would cost the square of its size.
  constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
  value = value.substr(0, kMaxHeaderBytes);
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;  // between two encoded words it is dropped (RFC 2047, 6.2)
  while (i < value.size()) {
    if (auto word = encoded_word(value, i)) {
      if (!last_was_word) out += pending_space;
      pending_space.clear();
      out += word->text;
      i = word->end;
      last_was_word = true;
      continue;
    }
    const char c = value[i++];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (c == ' ' || c == '\t') pending_space += ' ';
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += c;
    last_was_word = false;
  }
  if (!text::find_invalid_utf8(out)) return out;
  return to_utf8(out, "utf-8");  // raw 8-bit bytes in a header: made valid
}

std::string html_to_text(std::string_view html) {
  std::string out;
  std::size_t i = 0;
  auto newline = [&out] {
    if (!out.empty() && out.back() != '\n') out += '\n';
  };
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const auto end = html.find('>', i);
      if (end == std::string_view::npos) break;
      std::string tag = ascii_lower(html.substr(i + 1, end - i - 1));
      const auto name_end = tag.find_first_of(" \t\r\n/");
      const std::string name =
          tag.substr(0, name_end == 0 ? tag.find_first_of(" \t\r\n", 1) : name_end);
      i = end + 1;
      if (name == "script" || name == "style" || name == "head" || name == "title") {
        // Searched in place: copying the rest for each such tag would make a mail of many
        // of them cost the square of its size.
        const std::string closing = "</" + name;
        const auto rest = html.substr(i);
        const auto close = std::search(
            rest.begin(), rest.end(), closing.begin(), closing.end(),
            [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
        i = close == rest.end() ? html.size() : i + static_cast<std::size_t>(close - rest.begin());
        continue;
      }
      if (name == "br" || name == "/p" || name == "p" || name == "div" || name == "/div" ||
          name == "tr" || name == "li" || name == "/li" || name == "h1" || name == "h2" ||
          name == "h3" || name == "/h1" || name == "/h2" || name == "/h3" || name == "blockquote" ||
          name == "/blockquote" || name == "/tr" || name == "hr") {
        newline();
      }
      continue;
    }
    if (c == '&') {
      const auto semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        const std::string entity = ascii_lower(html.substr(i + 1, semi - i - 1));
        std::string decoded;
        if (entity == "amp")
          decoded = "&";
        else if (entity == "lt")
          decoded = "<";
        else if (entity == "gt")
          decoded = ">";
        else if (entity == "quot")
          decoded = "\"";
        else if (entity == "apos" || entity == "#39")
          decoded = "'";
        else if (entity == "nbsp")
          decoded = " ";
        else if (entity.size() > 1 && entity[0] == '#') {
          const bool hex = entity[1] == 'x';
          const std::string digits = entity.substr(hex ? 2 : 1);
          char32_t cp = 0;
          bool ok = !digits.empty() && digits.size() <= 7;
          for (char d : digits) {
            const int v = hex ? hex_value(d) : (d >= '0' && d <= '9' ? d - '0' : -1);
            if (v < 0) ok = false;
            cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(std::max(v, 0));
          }
          if (ok && cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
            text::append_utf8(decoded, cp);
          }
        }
        if (!decoded.empty()) {
          out += decoded;
          i = semi + 1;
          continue;
        }
      }
    }
    if (c == '\r' || c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  // Lines trimmed, runs of blank lines made one.
  std::string tidy;
  std::size_t start = 0;
  int blank = 0;
  while (start <= out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    while (!line.empty() && line.front() == ' ') line.erase(line.begin());
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (line.empty()) {
      if (++blank == 1 && !tidy.empty()) tidy += '\n';
    } else {
      blank = 0;
      tidy += line + '\n';
    }
    start = end + 1;
  }
  trim_trailing_blank_lines(tidy);
  return tidy;
}

std::string cut_quoted(std::string_view text) {
  // The lines, without their line ends and leading blanks.
  std::vector<std::string_view> lines;
  std::vector<std::string_view> trimmed;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    lines.push_back(line);
    std::string_view t = line;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    trimmed.push_back(t);
  }
  auto quoted = [](std::string_view t) { return t.starts_with(">") || t.starts_with("＞"); };
  // A line that ends in a colon and introduces quoted lines ("2026年11月24日(火) 17:35 ACME
  // <s@example.com>:", "…のメール:"): whatever language the mailer writes it in.
  auto introduces_quote = [&](std::size_t i) {
    const std::string_view t = trimmed[i];
    if (!t.ends_with(":") && !t.ends_with("：")) return false;
    for (std::size_t j = i + 1; j < trimmed.size(); ++j) {
      if (!trimmed[j].empty()) return quoted(trimmed[j]);
    }
    return false;
  };
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view t = trimmed[i];
    // The attribution above the quoted history ends the new text.
    const bool attribution = (starts_with_ci(t, "on ") && t.ends_with("wrote:")) ||
                             t.find("さんは書きました") != std::string_view::npos ||
                             starts_with_ci(t, "-----original message-----") ||
                             t.starts_with("-----元のメッセージ-----") ||
                             t.starts_with("-------- Original Message --------") ||
                             t.starts_with("-------- 転送メッセージ --------") ||
                             introduces_quote(i);
    if (attribution) break;
    if (quoted(t)) continue;
    out += lines[i];
    out += '\n';
  }
  trim_trailing_blank_lines(out);
  return out;
}

}  // namespace ackd::mail
