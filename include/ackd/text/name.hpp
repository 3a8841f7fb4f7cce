#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ackd::text {

struct NameRules {
  std::size_t max_chars = 20;       // whole characters, and never more code points than this
  std::vector<std::string> banned;  // normalized phrases a name may not hold
};

// The customer's display name made safe to quote in a public reply: mentions (@, ＠),
// URLs, hashtags, e-mail addresses, template syntax, control, zero-width and bidi
// characters removed, whitespace collapsed, cut to `max_chars`. Returns an empty string
// when nothing safe is left (or a banned phrase is present): the caller then uses the
// policy's polite fallback. `raw` may be any bytes; invalid UTF-8 yields "".
std::string sanitize_name(std::string_view raw, const NameRules& rules);

// A platform handle reduced to [A-Za-z0-9_.-], at most 30 characters, without '@'.
std::string sanitize_handle(std::string_view raw);

}  // namespace ackd::text
