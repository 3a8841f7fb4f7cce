#include "ackd/text/normalize.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <stdexcept>

namespace ackd::text {

namespace {

const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status) || n == nullptr) {
      throw std::runtime_error(std::string("ICU NFKC_Casefold unavailable: ") +
                               u_errorName(status));
    }
    return n;
  }();
  return *instance;
}

// Katakana U+30A1..U+30F6 sit exactly 0x60 above hiragana U+3041..U+3096 (the blocks are
// laid out in parallel), so folding is a subtraction. In UTF-8 both ranges are 3 bytes
// starting with E3, so it can be done in place: E3 82 A1..BF -> E3 81 81..9F and
// E3 83 80..B6 -> E3 81 A0..BF / E3 82 80..96.
void fold_katakana_in_place(std::string& s) {
  const std::size_t n = s.size();
  char* p = s.data();
  for (std::size_t i = 0; i + 2 < n; ++i) {
    if (static_cast<unsigned char>(p[i]) != 0xE3U) continue;
    const auto b1 = static_cast<unsigned char>(p[i + 1]);
    const auto b2 = static_cast<unsigned char>(p[i + 2]);
    const unsigned cp = ((b1 << 6) | (b2 & 0x3FU)) & 0xFFFU;  // low 12 bits, high nibble is 3
    if (cp >= 0x0A1U && cp <= 0x0F6U) {
      const unsigned h = cp - 0x60U;
      p[i + 1] = static_cast<char>(0x80U | (h >> 6));
      p[i + 2] = static_cast<char>(0x80U | (h & 0x3FU));
    }
    i += 2;
  }
}

}  // namespace

void normalize_into(std::string_view utf8, std::string& out) {
  out.clear();
  UErrorCode status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(utf8.size()));
  nfkc_casefold().normalizeUTF8(0, icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())),
                                sink, nullptr, status);
  if (U_FAILURE(status)) {
    throw std::runtime_error(std::string("ICU normalization failed: ") + u_errorName(status));
  }
  fold_katakana_in_place(out);
}

std::string normalize(std::string_view utf8) {
  std::string out;
  normalize_into(utf8, out);
  return out;
}

std::int64_t fingerprint(std::string_view utf8) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char ch : normalize(utf8)) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') continue;
    hash = (hash ^ ch) * 1099511628211ull;
  }
  return static_cast<std::int64_t>(hash);
}

}  // namespace ackd::text
