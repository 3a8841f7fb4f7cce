#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ackd::text {

// The form every policy comparison happens in: NFKC with case folding (which also
// folds full-width and half-width forms), default-ignorable code points removed,
// and katakana folded to hiragana. `utf8` must be valid UTF-8.
std::string normalize(std::string_view utf8);

// Same, writing into `out` (cleared first) so hot paths can reuse a buffer.
void normalize_into(std::string_view utf8, std::string& out);

// A stable 64-bit fingerprint (FNV-1a) of a text's normalised form, with spaces ignored:
// two texts that read the same compare equal. Stored, so it must never change.
std::int64_t fingerprint(std::string_view utf8);

}  // namespace ackd::text
