#include "ackd/text/lang.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstdio>  // compact_lang_det.h needs FILE
// clang-format off
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
// clang-format on

namespace ackd::text {

namespace {

// Letters of `utf8` by script. A kanji or kana carries about as much as a short Latin
// word, so Japanese, Chinese and Korean characters weigh 3.
struct ScriptCounts {
  std::size_t hiragana = 0;  // also counted in kana
  std::size_t kana = 0;
  std::size_t han = 0;
  std::size_t hangul = 0;
  std::size_t latin = 0;
  std::size_t other = 0;

  std::size_t cjk_weight() const { return 3 * (kana + han + hangul); }
};

void count_by_script(UChar32 cp, ScriptCounts& n) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(cp, &status);
  if (U_FAILURE(status)) return;
  switch (script) {
    case USCRIPT_HIRAGANA:
      ++n.hiragana;
      ++n.kana;
      break;
    case USCRIPT_KATAKANA:
      ++n.kana;
      break;
    case USCRIPT_HAN:
      ++n.han;
      break;
    case USCRIPT_HANGUL:
      ++n.hangul;
      break;
    case USCRIPT_LATIN:
      ++n.latin;
      break;
    case USCRIPT_COMMON:  // the prolonged sound mark "ー" and its kin
      break;
    default:
      ++n.other;
      break;
  }
}

ScriptCounts count_scripts(std::string_view utf8) {
  ScriptCounts n;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < length) {
    if (s[i] < 0x80U) {
      const char c = static_cast<char>(s[i++]);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++n.latin;
      continue;
    }
    UChar32 cp = 0;
    U8_NEXT(s, i, length, cp);  // ill-formed bytes come back negative and are skipped
    if (cp < 0) continue;
    // The blocks of most text here first, without a property lookup.
    if ((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309D && cp <= 0x309F)) {
      ++n.hiragana;
      ++n.kana;
    } else if ((cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0xFF66 && cp <= 0xFF9D)) {
      ++n.kana;
    } else if (cp >= 0x4E00 && cp <= 0x9FFF) {
      ++n.han;
    } else if (cp >= 0xAC00 && cp <= 0xD7A3) {
      ++n.hangul;
    } else if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) {
      ++n.latin;  // full width
    } else if (u_isalpha(cp)) {
      count_by_script(cp, n);
    }
  }
  return n;
}

// CLD2's code without its script ("zh-Hant" is "zh") and with today's ISO codes.
std::optional<std::string_view> iso_code(CLD2::Language language) {
  if (language == CLD2::UNKNOWN_LANGUAGE || language == CLD2::TG_UNKNOWN_LANGUAGE) {
    return std::nullopt;
  }
  std::string_view code = CLD2::LanguageCode(language);
  code = code.substr(0, code.find('-'));
  if (code == "iw") return "he";
  if (code == "jw") return "jv";
  if (code.empty() || code == "un" || code.size() > 3) return std::nullopt;
  return code;
}

bool is_cjk_language(std::string_view code) {
  return code == "ja" || code == "zh" || code == "ko";
}

}  // namespace

std::optional<DetectedLanguage> detect_language(std::string_view utf8) {
  if (utf8.empty()) return std::nullopt;
  const ScriptCounts n = count_scripts(utf8);
  const bool mostly_cjk = n.cjk_weight() > n.latin + n.other;
  // Hiragana is written in Japanese only (Chinese quotes a katakana brand name at most), and
  // hangul in Korean only: no need to ask CLD2, which costs far more than this scan (it
  // allocates and clears its tables' scratch space on every call).
  if (mostly_cjk && n.hiragana > 0) return DetectedLanguage{"ja", true};
  if (mostly_cjk && n.hangul > n.han + n.kana) return DetectedLanguage{"ko", true};
  CLD2::Language top3[3];
  int percent3[3];
  double scores3[3];
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix = 0;
  const CLD2::CLDHints hints{nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  const CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      utf8.data(), static_cast<int>(utf8.size()), true, &hints, 0, top3, percent3, scores3, nullptr,
      &text_bytes, &reliable, &valid_prefix);
  const std::optional<std::string_view> code = iso_code(language);
  if (code && reliable) return DetectedLanguage{*code, true};

  const bool mostly_latin = !mostly_cjk && n.latin > n.other;
  // CLD2's less certain answer stands when it is written in the script most of the text is.
  if (code && ((mostly_cjk && is_cjk_language(*code)) ||
               (mostly_latin && !is_cjk_language(*code) && n.latin > 0))) {
    return DetectedLanguage{*code, false};
  }
  if (mostly_cjk) {
    if (n.kana > 0) return DetectedLanguage{"ja", false};
    if (n.hangul > n.han) return DetectedLanguage{"ko", false};
    return std::nullopt;  // kanji alone: Japanese or Chinese
  }
  if (mostly_latin) return DetectedLanguage{"en", false};
  return std::nullopt;
}

}  // namespace ackd::text
