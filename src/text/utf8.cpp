#include "ackd/text/utf8.hpp"

#include <cstdint>

namespace ackd::text {

namespace {

constexpr bool is_continuation(unsigned char b) {
  return (b & 0xC0U) == 0x80U;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80U) {
      ++i;
      continue;
    }
    // Bounds of the second byte follow Unicode's table of well-formed sequences
    // (Table 3-7), which is what rules out overlongs, surrogates and > U+10FFFF.
    std::size_t len = 0;
    unsigned char lo = 0x80U;
    unsigned char hi = 0xBFU;
    if (b >= 0xC2U && b <= 0xDFU) {
      len = 2;
    } else if (b == 0xE0U) {
      len = 3;
      lo = 0xA0U;
    } else if (b == 0xEDU) {
      len = 3;
      hi = 0x9FU;
    } else if (b >= 0xE1U && b <= 0xEFU) {
      len = 3;
    } else if (b == 0xF0U) {
      len = 4;
      lo = 0x90U;
    } else if (b >= 0xF1U && b <= 0xF3U) {
      len = 4;
    } else if (b == 0xF4U) {
      len = 4;
      hi = 0x8FU;
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (!is_continuation(p[i + k])) return i;
    }
    i += len;
  }
  return std::nullopt;
}

char32_t next_code_point(std::string_view s, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80U) {
    ++pos;
    return b0;
  }
  auto cont = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[pos + k]) & 0x3FU);
  };
  char32_t cp = 0;
  if (b0 < 0xE0U) {
    cp = (static_cast<char32_t>(b0 & 0x1FU) << 6) | cont(1);
    pos += 2;
  } else if (b0 < 0xF0U) {
    cp = (static_cast<char32_t>(b0 & 0x0FU) << 12) | (cont(1) << 6) | cont(2);
    pos += 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07U) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    pos += 4;
  }
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  auto byte = [](char32_t v) { return static_cast<char>(static_cast<unsigned char>(v)); };
  // Never emit ill-formed UTF-8, whatever the caller hands in.
  if (cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) cp = 0xFFFDU;
  if (cp < 0x80U) {
    out.push_back(byte(cp));
  } else if (cp < 0x800U) {
    out.push_back(byte(0xC0U | (cp >> 6)));
    out.push_back(byte(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000U) {
    out.push_back(byte(0xE0U | (cp >> 12)));
    out.push_back(byte(0x80U | ((cp >> 6) & 0x3FU)));
    out.push_back(byte(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(byte(0xF0U | (cp >> 18)));
    out.push_back(byte(0x80U | ((cp >> 12) & 0x3FU)));
    out.push_back(byte(0x80U | ((cp >> 6) & 0x3FU)));
    out.push_back(byte(0x80U | (cp & 0x3FU)));
  }
}

std::size_t code_point_count(std::string_view s) {
  std::size_t count = 0;
  for (const char c : s) {
    if (!is_continuation(static_cast<unsigned char>(c))) ++count;
  }
  return count;
}

}  // namespace ackd::text
