#pragma once

#include <optional>
#include <string_view>

namespace ackd::text {

// Script-based guess: "ja" when the text holds kana or kanji, "en" when it holds Latin
// letters and no Japanese script, nullopt otherwise (digits, emoji, other scripts).
std::optional<std::string_view> detect_language(std::string_view utf8);

}  // namespace ackd::text
