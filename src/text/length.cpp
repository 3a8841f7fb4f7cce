#include "ackd/text/length.hpp"

#include <re2/re2.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ackd/text/utf8.hpp"
#include "emoji.hpp"
#include "tld.hpp"

namespace ackd::text {

namespace {

// twitter-text v3 configuration: weights are in hundredths, a tweet holds 28000.
constexpr std::size_t kUrlWeight = 23;

constexpr std::size_t twitter_weight(char32_t cp) {
  if (cp <= 0x10FFU || (cp >= 0x2000U && cp <= 0x200DU) || (cp >= 0x2010U && cp <= 0x201FU) ||
      (cp >= 0x2032U && cp <= 0x2037U)) {
    return 1;
  }
  return 2;
}

const icu::Normalizer2& nfc() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
    if (U_FAILURE(status) || n == nullptr) throw std::runtime_error("ICU NFC unavailable");
    return n;
  }();
  return *instance;
}

// A simplified twitter-text URL extractor: optional http(s) scheme, an ASCII host ending in
// a known TLD (followed by neither a letter, digit nor '@'), optional port, path and query.
// Group 1: the character before the URL; 2: the scheme; 3: the host; 4: port, path, query.
const RE2& url_regex() {
  static const RE2 re = [] {
    const std::string pattern =
        R"((?i)(^|[^a-z0-9@$#\x{ff20}\x{ff03}\x{202a}-\x{202e}]))"
        R"((https?://)?((?:[a-z0-9](?:[a-z0-9_\-]*[a-z0-9])?\.)+(?:)" +
        detail::tld_alternation() +
        R"(|xn--[a-z0-9]+))\b((?::[0-9]+)?(?:[/?][a-z0-9!*';:=+,.$/%#\[\]\-_~@|&()?]*)?))";
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(int64_t{64} << 20);
    return RE2(pattern, options);
  }();
  return re;
}

bool is_path_ending(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '=' || c == '_' || c == '#' || c == '/';
}

// Trailing punctuation ends a sentence rather than the URL, as in twitter-text.
std::size_t trim_path(std::string_view path) {
  std::size_t end = path.size();
  while (end > 0) {
    const char c = path[end - 1];
    if (is_path_ending(c)) break;
    if (c == ')') {
      const auto open = std::count(path.begin(), path.begin() + end, '(');
      const auto close = std::count(path.begin(), path.begin() + end, ')');
      if (open >= close) break;
    }
    --end;
  }
  return end;
}

struct Range {
  std::size_t begin;
  std::size_t end;
};

// Byte ranges of the URLs of `text`, in order.
template <typename Fn>
void for_each_url(std::string_view text, Fn&& fn) {
  if (text.find('.') == std::string_view::npos) return;
  const RE2& re = url_regex();
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece m[5];
  std::size_t pos = 0;
  while (pos < text.size() && re.Match(input, pos, text.size(), RE2::UNANCHORED, m, 5)) {
    const auto begin = static_cast<std::size_t>(m[2].data() != nullptr ? m[2].data() - text.data()
                                                                       : m[3].data() - text.data());
    const auto host_end = static_cast<std::size_t>(m[3].data() + m[3].size() - text.data());
    const std::size_t rest = trim_path(std::string_view(m[4].data(), m[4].size()));
    const std::size_t end = host_end + rest;
    const std::size_t match_end = static_cast<std::size_t>(m[0].data() + m[0].size() - text.data());
    pos = std::max(match_end, begin + 1);
    if (end < text.size() && text[end] == '@') continue;  // user@host is an address
    if (m[2].empty()) {
      // Without a scheme: not after "-_./", and a lone "name.cc" only with a path, except
      // for .co and .tv (twitter-text's rules).
      if (!m[1].empty() && std::string_view("-_./").find(m[1][0]) != std::string_view::npos) {
        continue;
      }
      const std::string_view host(m[3].data(), m[3].size());
      const auto dot = host.find('.');
      if (rest == 0 && dot == host.rfind('.')) {
        std::string tld(host.substr(dot + 1));
        for (char& c : tld) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (detail::is_country_tld(tld) && tld != "co" && tld != "tv") continue;
      }
    }
    fn(Range{begin, end});
  }
}

bool is_tag(char32_t cp) {
  return cp >= 0xE0020U && cp <= 0xE007FU;
}
// Where Extended_Pictographic code points live (Unicode 15); lets kana and kanji skip the
// property lookup.
bool may_be_pictographic(char32_t cp) {
  return cp == 0xA9U || cp == 0xAEU || (cp >= 0x2000U && cp < 0x3000U) || cp == 0x3030U ||
         cp == 0x303DU || cp == 0x3297U || cp == 0x3299U || cp >= 0x1F000U;
}
bool has(char32_t cp, UProperty p) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), p) != 0;
}

// twitter-text v3 counts an emoji (flag, keycap, ZWJ sequence, skin tone...) as one
// character of weight 2, whatever its length in code points. Returns the end of the emoji
// starting at `pos`, or `pos` when there is none.
std::size_t emoji_end(std::string_view s, std::size_t pos, char32_t cp, std::size_t next) {
  auto peek = [&](std::size_t at, std::size_t& after) -> char32_t {
    if (at >= s.size()) return 0;
    after = at;
    return next_code_point(s, after);
  };
  std::size_t after = 0;
  if (detail::is_regional_indicator(cp)) {
    return detail::is_regional_indicator(peek(next, after)) ? after : next;
  }
  if ((cp >= '0' && cp <= '9') || cp == '#' || cp == '*') {
    char32_t c = peek(next, after);
    std::size_t at = next;
    if (c == 0xFE0FU) {
      at = after;
      c = peek(at, after);
    }
    return c == 0x20E3U ? after : pos;
  }
  if (!may_be_pictographic(cp) || !has(cp, UCHAR_EXTENDED_PICTOGRAPHIC)) return pos;
  std::size_t end = next;
  // Text-style symbols that weigh 1 (©, ®) are only emoji with the emoji selector.
  if (twitter_weight(cp) == 1 && peek(end, after) != 0xFE0FU) return pos;
  for (;;) {
    char32_t c = peek(end, after);
    if (c == 0xFE0FU || c == 0xFE0EU || detail::is_emoji_modifier(c) || c == 0x20E3U) {
      end = after;
      continue;
    }
    if (is_tag(c)) {
      end = after;
      continue;
    }
    if (c == 0x200DU) {
      std::size_t after2 = 0;
      const char32_t joined = peek(after, after2);
      if (joined != 0 && (has(joined, UCHAR_EXTENDED_PICTOGRAPHIC) || has(joined, UCHAR_EMOJI))) {
        end = after2;
        continue;
      }
    }
    return end;
  }
}

std::size_t twitter_length(std::string_view text) {
  std::size_t total = 0;
  std::size_t pos = 0;
  auto count_plain = [&](std::size_t end) {
    while (pos < end) {
      const std::size_t start = pos;
      const char32_t cp = next_code_point(text, pos);
      if (cp < 0x80U && !(cp >= '0' && cp <= '9') && cp != '#' && cp != '*') {
        ++total;
        continue;
      }
      const std::size_t e = emoji_end(text, start, cp, pos);
      if (e > start && e <= end) {
        total += 2;
        pos = e;
      } else {
        total += twitter_weight(cp);
      }
    }
  };
  for_each_url(text, [&](Range url) {
    count_plain(url.begin);
    total += kUrlWeight;
    pos = url.end;
  });
  count_plain(text.size());
  return total;
}

}  // namespace

std::size_t platform_length(std::string_view utf8, Counting counting) {
  switch (counting) {
    case Counting::code_points:
      return code_point_count(utf8);
    case Counting::twitter: {
      const icu::Normalizer2& n = nfc();
      UErrorCode status = U_ZERO_ERROR;
      const icu::StringPiece piece(utf8.data(), static_cast<int32_t>(utf8.size()));
      if (n.isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return twitter_length(utf8);
      status = U_ZERO_ERROR;
      std::string normalized;
      icu::StringByteSink<std::string> sink(&normalized, static_cast<int32_t>(utf8.size()));
      n.normalizeUTF8(0, piece, sink, nullptr, status);
      if (U_FAILURE(status)) throw std::runtime_error("ICU NFC normalization failed");
      return twitter_length(normalized);
    }
  }
  return code_point_count(utf8);
}

std::size_t max_code_point_weight(Counting counting) {
  return counting == Counting::twitter ? 2 : 1;
}

}  // namespace ackd::text
