#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ackd::text {

struct NameRules {
  std::size_t max_chars = 20;       // whole characters, and never more code points than this
  std::vector<std::string> banned;  // normalized phrases a name may not hold
  // Normalized words never shown as a name (safety.name.deny): the company's name and
  // titles a name could impersonate it with, insults.
  std::vector<std::string> deny;
  // confusable_key() of each of `deny`, filled by deny_word(); computed on each call when
  // it does not match `deny` one for one.
  std::vector<std::string> deny_keys;
};

// Adds `word` (any form) to `rules.deny`, normalized, with its confusable key.
void deny_word(NameRules& rules, std::string_view word);

// The form in which look-alikes compare equal: separators (spaces, punctuation, symbols)
// removed, then Unicode's confusable skeleton (UTS #39) taken, case folded and taken again,
// so that "АСМЕ" in Cyrillic, "a.c.m.e" and "ＡＣＭＥ" all read as "acme" does.
std::string confusable_key(std::string_view utf8);

// The customer's display name made safe to quote in a public reply. Removed, each with
// the rest of the word it sits in: mentions and any '@' (also ＠), e-mail addresses, URLs
// (any scheme, "hxxp", "http" in any width or case), punycode labels, "www." and bare
// domains ("evil.co.jp", "bit.ly/x", also with ．。｡ or "[.]" for the dot and with Latin
// look-alikes from other scripts), hashtags (#, ＃, ♯), runs of 6 or more digits (phone
// numbers in any width or with kanji numerals, with separators), template syntax ("{{",
// "}}", "{%", "${" and every brace). Dropped: control characters and terminal escape
// sequences, format (zero-width, bidi), private use and other invisible characters,
// combining marks past 2 on one character, pictographs past 3 and hostile ones (🖕, 💩).
// Whitespace is collapsed and the name cut to `max_chars`. What is returned is a fixed
// point: sanitizing it again changes nothing.
//
// Returns "" (the caller then uses the policy's polite fallback) when the result would be
// no name or a suspicious one: no letter or ideograph left, a banned or denied word (also
// spelt with spaces or look-alikes; denied words also with separators and look-alikes of
// any script, compared by confusable_key), a street address or postal code, markup or
// code (< > ; = ` \ $ | "--" "script" ...), sentence punctuation between words or more than 4
// words (a sentence rather than a name), or more than 1024 bytes of input. `raw` may be any
// bytes; invalid UTF-8 yields "".
std::string sanitize_name(std::string_view raw, const NameRules& rules);

// Whether `name` repeats the customer's own words: it shares with `normalized_text` (the
// complaint's text, normalized) a run of 4 characters, or of 3 when one of them is a
// Japanese, Chinese or Korean character; spaces are ignored on both sides. A reply never
// quotes the customer, not even through the name.
bool repeats_text(std::string_view name, std::string_view normalized_text);

// A platform handle reduced to [A-Za-z0-9_.-], at most 30 characters, without '@'.
std::string sanitize_handle(std::string_view raw);

}  // namespace ackd::text
