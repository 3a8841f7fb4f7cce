#include <doctest/doctest.h>

#include "ackd/text/lang.hpp"

using ackd::text::detect_language;

TEST_CASE("text: detect_language by script") {
  CHECK(detect_language("煙が出ています") == "ja");
  CHECK(detect_language("ケムリ") == "ja");
  CHECK(detect_language("ｹﾑﾘ") == "ja");
  CHECK(detect_language("火") == "ja");
  CHECK(detect_language("My iPhone charger 発火") == "ja");
  CHECK(detect_language("The charger caught fire") == "en");
  CHECK(detect_language("Ｆｉｒｅ！") == "en");
  CHECK(detect_language("Café") == "en");
}

TEST_CASE("text: detect_language gives up without letters it knows") {
  CHECK_FALSE(detect_language("").has_value());
  CHECK_FALSE(detect_language("12345 !!!").has_value());
  CHECK_FALSE(detect_language("🔥🔥🔥").has_value());
  CHECK_FALSE(detect_language("Пожар").has_value());
  CHECK_FALSE(detect_language("불이야").has_value());
  CHECK_FALSE(detect_language("\xFF\xFE").has_value());  // ill-formed input is tolerated
}
