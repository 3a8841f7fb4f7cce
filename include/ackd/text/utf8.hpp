#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ackd::text {

// Byte offset of the first ill-formed UTF-8 sequence (overlongs, surrogates and
// code points past U+10FFFF included), or nullopt when `s` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view s);

// Decodes the code point at `pos` and advances `pos` past it. `s` must be valid UTF-8.
char32_t next_code_point(std::string_view s, std::size_t& pos);

void append_utf8(std::string& out, char32_t cp);

// Number of code points in valid UTF-8.
std::size_t code_point_count(std::string_view s);

}  // namespace ackd::text
