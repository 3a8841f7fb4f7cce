#include <doctest/doctest.h>

#include <string>

#include "ackd/text/length.hpp"

namespace text_length_test {

using ackd::text::Counting;
using ackd::text::max_code_point_weight;
using ackd::text::platform_length;

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::size_t tw(const std::string& s) {
  return platform_length(s, Counting::twitter);
}

}  // namespace

TEST_CASE("text: code point length") {
  CHECK(platform_length("", Counting::code_points) == 0);
  CHECK(platform_length("abc", Counting::code_points) == 3);
  CHECK(platform_length("煙が出た🔥", Counting::code_points) == 5);
  CHECK(platform_length("https://example.com", Counting::code_points) == 19);
  CHECK(max_code_point_weight(Counting::code_points) == 1);
}

TEST_CASE("text: twitter weights") {
  CHECK(tw("") == 0);
  CHECK(tw("hello") == 5);
  CHECK(tw(repeat("あ", 140)) == 280);
  CHECK(tw(repeat("煙", 141)) == 282);
  CHECK(tw("ＡＢＣ") == 6);                      // full width counts 2
  CHECK(tw("ｱｲｳ") == 6);                         // so does half-width katakana
  CHECK(tw("café") == 4);                        // Latin-1
  CHECK(tw("\u2014\u201C\u2026") == 1 + 1 + 2);  // dash and quote 1, ellipsis 2
  CHECK(tw("\u2032") == 1);
  CHECK(tw("\u3000") == 2);
  CHECK(max_code_point_weight(Counting::twitter) == 2);
}

TEST_CASE("text: twitter counts an emoji as 2 whatever its length") {
  CHECK(tw("🔥") == 2);
  CHECK(tw("👍🏽") == 2);                // skin tone
  CHECK(tw("👨\u200D👩\u200D👧\u200D👦") == 2);  // ZWJ family
  CHECK(tw("🇯🇵") == 2);                      // flag
  CHECK(tw("❤\uFE0F") == 2);
  CHECK(tw("1\uFE0F\u20E3") == 2);  // keycap
  CHECK(tw("©") == 1);
  CHECK(tw("123") == 3);
  CHECK(tw("ありがとう🙏") == 12);
}

TEST_CASE("text: twitter counts each URL as 23") {
  CHECK(tw("https://example.com") == 23);
  CHECK(tw("http://x.co") == 23);
  CHECK(tw("https://support.example.com/faq/very/long/path/to/an/article?id=12345#top") == 23);
  CHECK(tw("see https://example.com/a.") == 4 + 23 + 1);  // the full stop is not part of it
  CHECK(tw("example.com") == 23);
  CHECK(tw("詳しくはexample.com/helpをご覧ください") == 2 * 4 + 23 + 2 * 7);
  CHECK(tw("詳しくはhttps://example.comをご覧ください") == 2 * 4 + 23 + 2 * 7);
  CHECK(tw("a https://a.com b https://b.com") == 2 + 23 + 3 + 23);
  CHECK(tw(repeat("あ", 100) + " https://example.com/" + repeat("x", 100)) == 200 + 1 + 23);
}

TEST_CASE("text: twitter does not take everything dotted for a URL") {
  CHECK(tw("taro@example.com") == 16);  // an address, not a URL
  CHECK(tw("v1.2.3") == 6);
  CHECK(tw("Mr.Smith") == 8);
  CHECK(tw("example.jp") == 10);  // a lone ccTLD name needs a path
  CHECK(tw("example.jp/a") == 23);
  CHECK(tw("www.example.jp") == 23);
  CHECK(tw("example.co") == 23);  // except .co and .tv
  CHECK(tw("#example.com") == 12);
}

TEST_CASE("text: twitter length is taken after NFC") {
  CHECK(tw("e\u0301") == 1);       // composes to é
  CHECK(tw("\u304B\u3099") == 2);  // か + combining voiced mark -> が
  CHECK(platform_length("e\u0301", Counting::code_points) == 2);
}

}  // namespace text_length_test
