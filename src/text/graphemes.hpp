#pragma once

// Private to src/text: cutting text at a character boundary as a reader sees it.

#include <cstddef>
#include <vector>

namespace ackd::text::detail {

// Keeps the longest run of whole grapheme clusters of `cps` that holds at most `max_chars`
// clusters and at most `max_chars` code points: the policy lint bounds a reply's length by
// code points, and a flood of combining marks must not stretch one "character".
void cut_graphemes(std::vector<char32_t>& cps, std::size_t max_chars);

}  // namespace ackd::text::detail
