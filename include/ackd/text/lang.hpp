#pragma once

#include <optional>
#include <string_view>

namespace ackd::text {

struct DetectedLanguage {
  std::string_view code;  // ISO 639-1: "ja", "en", "zh", "ko", "fr", ...
  // Whether the language detector (CLD2) was sure. A guess comes from its less certain
  // answer or, for texts too short for it, from the scripts the text is written in.
  bool reliable = false;

  friend bool operator==(const DetectedLanguage& d, std::string_view c) { return d.code == c; }
};

// The language `utf8` is written in, from CLD2 when it is sure, otherwise from its answer
// when that agrees with the script most of the text is in (a few kanji in an English
// sentence leave it English), otherwise from that script: kana means Japanese, hangul
// Korean, Latin letters English. Kanji alone, in a text too short for CLD2, could be
// Japanese or Chinese: nullopt then, as for digits, emoji and ill-formed input.
std::optional<DetectedLanguage> detect_language(std::string_view utf8);

}  // namespace ackd::text
