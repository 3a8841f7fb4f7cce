#include <doctest/doctest.h>

#include <string>

#include "ackd/text/normalize.hpp"

namespace text_normalize_test {

using ackd::text::normalize;
using ackd::text::normalize_into;

TEST_CASE("text: normalize folds full width and case") {
  CHECK(normalize("ＡＢＣ") == "abc");
  CHECK(normalize("FIRE") == "fire");
  CHECK(normalize("Ｆｉｒｅ　１２３") == "fire 123");  // ideographic space too
  CHECK(normalize("Straße") == "strasse");
}

TEST_CASE("text: normalize folds katakana to hiragana") {
  CHECK(normalize("ケムリ") == "けむり");
  CHECK(normalize("ケムリ") == normalize("けむり"));
  CHECK(normalize("ｹﾑﾘ") == "けむり");         // half width
  CHECK(normalize("ｶﾞｽ") == "がす");           // half-width voiced mark composes first
  CHECK(normalize("ヴァヵヶ") == "ゔぁゕゖ");  // edges of the folded range
  CHECK(normalize("オーダー") == "おーだー");  // the long-vowel mark is not katakana proper
  CHECK(normalize("ヷ") == "ヷ");              // no hiragana counterpart
  CHECK(normalize("火事です") == "火事です");
}

TEST_CASE("text: normalize drops default-ignorable code points") {
  CHECK(normalize("fi\u200Bre") == "fire");
  CHECK(normalize("煙\u200D\uFEFF\u2060が") == "煙が");
  CHECK(normalize("a\u00ADb") == "ab");  // soft hyphen
}

TEST_CASE("text: normalize_into clears and reuses the buffer") {
  std::string out = "leftover";
  normalize_into("ＴＥＳＴ", out);
  CHECK(out == "test");
  normalize_into("", out);
  CHECK(out.empty());
  normalize_into("ｹﾑﾘが出た", out);
  CHECK(out == "けむりが出た");
}

}  // namespace text_normalize_test
