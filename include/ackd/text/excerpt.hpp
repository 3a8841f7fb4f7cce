#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ackd::text {

// A customer's text as a team sees it quoted in a chat notice: at most `max_chars` whole
// characters (grapheme clusters, and never more code points), "…" in place of the rest.
// Controls that would reorder what follows (bidi embeddings, overrides and isolates) are
// dropped, so a quoted text cannot turn the labels around it; invalid UTF-8 becomes U+FFFD.
std::string excerpt(std::string_view utf8, std::size_t max_chars);

}  // namespace ackd::text
