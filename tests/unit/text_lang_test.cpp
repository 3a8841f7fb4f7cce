#include <doctest/doctest.h>

#include "ackd/text/lang.hpp"

namespace text_lang_test {

using ackd::text::detect_language;

TEST_CASE("text: detect_language tells languages that share a script apart") {
  CHECK(detect_language("注文した商品がまだ届きません。") == "ja");
  CHECK(detect_language("我订购的商品还没有到，请尽快处理") == "zh");
  CHECK(detect_language("我訂購的商品還沒有到貨") == "zh");  // traditional characters
  CHECK(detect_language("주문한 상품이 아직 도착하지 않았습니다") == "ko");
  CHECK(detect_language("Ma commande n'est jamais arrivée") == "fr");
  CHECK(detect_language("Mi pedido nunca llegó") == "es");
  CHECK(detect_language("Meine Bestellung ist nie angekommen") == "de");
  CHECK(detect_language("My order still hasn't arrived.") == "en");
  const auto sure = detect_language("注文した商品がまだ届きません。");
  REQUIRE(sure);
  CHECK(sure->reliable);
}

TEST_CASE("text: detect_language reads mixed texts by what most of them is") {
  CHECK(detect_language("The 抹茶 set I ordered never arrived") == "en");
  CHECK(detect_language("My iPhone charger 発火") == "en");
  CHECK(detect_language("ＦＩＲＥ came out of the charger!") == "en");
  CHECK(detect_language("iPhoneの充電器が壊れました") == "ja");
  CHECK(detect_language("Amazonで買ったケーブルが届かない") == "ja");
  CHECK(detect_language("충전기에서 연기가 나요 iPhone") == "ko");
}

TEST_CASE("text: detect_language falls back to scripts for very short texts") {
  // Kana is only Japanese, hangul only Korean.
  CHECK(detect_language("ケムリ") == "ja");
  CHECK(detect_language("ｹﾑﾘ") == "ja");
  CHECK(detect_language("불이야") == "ko");
  // Latin letters CLD2 cannot place: English is the likeliest.
  CHECK(detect_language("help") == "en");
  CHECK(detect_language("Ｆｉｒｅ！") == "en");
  CHECK(detect_language("Café") == "en");
  const auto guess = detect_language("help");
  REQUIRE(guess);
  CHECK_FALSE(guess->reliable);
  // A kanji or two could be Japanese or Chinese.
  CHECK_FALSE(detect_language("火").has_value());
  CHECK_FALSE(detect_language("最悪").has_value());
  CHECK_FALSE(detect_language("退款").has_value());
}

TEST_CASE("text: detect_language gives up without letters it knows") {
  CHECK_FALSE(detect_language("").has_value());
  CHECK_FALSE(detect_language("12345 !!!").has_value());
  CHECK_FALSE(detect_language("🔥🔥🔥").has_value());
  CHECK_FALSE(detect_language("Пожар").has_value());
  CHECK_FALSE(detect_language("\xFF\xFE").has_value());  // ill-formed input is tolerated
  CHECK(detect_language("煙が\xFF\xFE") == "ja");        // the well-formed part still counts
}

}  // namespace text_lang_test
