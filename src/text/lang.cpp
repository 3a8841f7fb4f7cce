#include "ackd/text/lang.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace ackd::text {

std::optional<std::string_view> detect_language(std::string_view utf8) {
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  bool latin = false;
  int32_t i = 0;
  while (i < length) {
    if (s[i] < 0x80U) {
      const char c = static_cast<char>(s[i++]);
      latin = latin || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      continue;
    }
    UChar32 cp = 0;
    U8_NEXT(s, i, length, cp);  // ill-formed bytes come back negative and are skipped
    if (cp < 0) continue;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(cp, &status);
    if (U_FAILURE(status)) continue;
    switch (script) {
      case USCRIPT_HIRAGANA:
      case USCRIPT_KATAKANA:
      case USCRIPT_HAN:
        return "ja";
      case USCRIPT_LATIN:
        latin = latin || u_isalpha(cp) != 0;
        break;
      default:
        break;
    }
  }
  if (latin) return "en";
  return std::nullopt;
}

}  // namespace ackd::text
