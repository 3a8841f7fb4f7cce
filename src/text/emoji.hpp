#pragma once

// Private to src/text: the code points that join into one emoji, shared by the length count
// (one flag or one toned hand is one character) and the name cleaner (never half a flag).

namespace ackd::text::detail {

// Two regional indicators make one flag.
constexpr bool is_regional_indicator(char32_t cp) {
  return cp >= 0x1F1E6U && cp <= 0x1F1FFU;
}
// The five skin tones (Unicode's Emoji_Modifier), which follow the emoji they colour.
constexpr bool is_emoji_modifier(char32_t cp) {
  return cp >= 0x1F3FBU && cp <= 0x1F3FFU;
}

}  // namespace ackd::text::detail
