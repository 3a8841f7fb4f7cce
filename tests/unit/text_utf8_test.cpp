#include <doctest/doctest.h>

#include <string>

#include "ackd/text/utf8.hpp"

namespace text_utf8_test {

using namespace ackd::text;

TEST_CASE("text: find_invalid_utf8 accepts well-formed text") {
  CHECK_FALSE(find_invalid_utf8("").has_value());
  CHECK_FALSE(find_invalid_utf8("plain ascii").has_value());
  CHECK_FALSE(find_invalid_utf8("煙が出ています 🔥 é").has_value());
  CHECK_FALSE(find_invalid_utf8("\xF4\x8F\xBF\xBF").has_value());  // U+10FFFF
}

TEST_CASE("text: find_invalid_utf8 reports the first bad byte") {
  CHECK(find_invalid_utf8("ab\xFF") == 2u);
  CHECK(find_invalid_utf8("\xC0\xAF") == 0u);          // overlong '/'
  CHECK(find_invalid_utf8("\xE0\x80\xAF") == 0u);      // overlong
  CHECK(find_invalid_utf8("x\xED\xA0\x80") == 1u);     // surrogate U+D800
  CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == 0u);  // past U+10FFFF
  CHECK(find_invalid_utf8("煙\xE7\x85") == 3u);        // truncated
  CHECK(find_invalid_utf8("\x80") == 0u);              // lone continuation
  CHECK(find_invalid_utf8("a\xE3\x81"
                          "a") == 1u);
}

TEST_CASE("text: code points decode, encode and count") {
  const std::string s = "aé煙🔥";
  std::size_t pos = 0;
  CHECK(next_code_point(s, pos) == U'a');
  CHECK(next_code_point(s, pos) == U'é');
  CHECK(next_code_point(s, pos) == U'煙');
  CHECK(next_code_point(s, pos) == U'🔥');
  CHECK(pos == s.size());
  CHECK(code_point_count(s) == 4);

  std::string out;
  for (const char32_t cp : {U'a', U'é', U'煙', U'🔥'}) append_utf8(out, cp);
  CHECK(out == s);
  out.clear();
  append_utf8(out, 0xD800);  // never produces ill-formed output
  CHECK(out == "\xEF\xBF\xBD");
}

}  // namespace text_utf8_test
