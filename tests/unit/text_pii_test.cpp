#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/text/normalize.hpp"
#include "ackd/text/pii.hpp"

namespace text_pii_test {

using namespace ackd::text;

namespace {

std::optional<std::string_view> pii(std::string_view raw) {
  static const PiiDetector detector(default_pii_patterns());
  static thread_local std::string normalized;
  normalize_into(raw, normalized);
  return detector.find(normalized);
}

}  // namespace

TEST_CASE("text: pii finds Japanese phone numbers") {
  for (const char* text : {
           "090-1234-5678に電話ください",
           "03-1234-5678",
           "0120-123-456",
           "0570-064-556",
           "0800-123-4567",
           "0466-12-3456",
           "045-123-4567",
           "09012345678",
           "0312345678です",
           "090 1234 5678",
           "(03)1234-5678",
           "03(1234)5678",
           "０９０－１２３４－５６７８",  // full width
           "090ー1234ー5678",             // long-vowel mark as a dash
           "携帯は080.1234.5678です",
           "０３・１２３４・５６７８",  // katakana middle dots
           "03･1234･5678",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "phone");
  }
}

TEST_CASE("text: pii finds international phone numbers") {
  for (const char* text : {
           "+81 90 1234 5678",
           "+81-3-1234-5678",
           "+819012345678",
           "call +1 (415) 555-0100",
           "+44 20 7946 0958",
           "+81 (0)90-1234-5678",
           "1-800-555-0100",
           "(415) 555-0100",
           "415-555-0100",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "phone");
  }
}

TEST_CASE("text: pii ignores dates, times, prices and short numbers") {
  for (const char* text : {
           "2026-11-22に届きました",
           "2026/11/22 10:30",
           "2026年11月22日",
           "12,800円でした",
           "１２，８００円",
           "¥12800",
           "価格は128000円",
           "+10,000円",
           "+1000000円",
           "10:00-18:00",
           "注文したのは3個",
           "version 1.2.3",
           "iPhone 15 Pro",
           "01-02-2026",
           "03-1234",
           "123456789012345",
           "order 3 items",
           "300 500 1000回",
           "2026-11-22T09:30:00+09:00",
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii finds e-mail addresses") {
  CHECK(pii("連絡先 taro.yamada+shop@example.co.jp まで") == "email");
  CHECK(pii("ＴＡＲＯ＠ＥＸＡＭＰＬＥ．ＣＯＭ") == "email");
  CHECK(pii("09012345678@docomo.ne.jp") == "email");
  CHECK_FALSE(pii("@taro_yamada さんへ").has_value());
  CHECK_FALSE(pii("a @ b").has_value());
}

TEST_CASE("text: pii finds order and account numbers") {
  for (const char* text : {
           "注文番号 12345678",
           "ご注文番号：12345678です",
           "注文番号は1234-5678",
           "order #A1234567",
           "Order No. 123-4567890",
           "order number 249-1234567-1234567",
           "会員番号:12345678",
           "会員ID 87654321",
           "account 12345678",
           "オーダー番号 ABC123456",
           "ｵｰﾀﾞｰNo.123456",
           "予約番号【654321】",
           "お問い合わせ番号 1234567",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "order");
  }
  for (const char* text : {"order 3 items", "注文したのは2026-11-22", "会員になりたい",
                           "account settings", "order on 2026-11-22"}) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii detector uses custom patterns in order") {
  const PiiDetector detector({{"ticket", R"(tk-\d+)"}, {"digits", R"(\d{3})"}});
  CHECK(detector.find("see tk-123") == "ticket");
  CHECK(detector.find("see 123") == "digits");
  CHECK_FALSE(detector.find("nothing").has_value());
  const std::vector<PiiPattern> bad{{"bad", "(unclosed"}};
  CHECK_THROWS_AS(PiiDetector{bad}, std::invalid_argument);

  const PiiDetector empty(std::vector<PiiPattern>{});
  CHECK_FALSE(empty.find("090-1234-5678").has_value());
}

TEST_CASE("text: default pii patterns are valid and named") {
  const auto patterns = default_pii_patterns();
  // One pattern per kind: a policy overrides or disables a default by its kind.
  REQUIRE(patterns.size() == 9);
  std::set<std::string> kinds;
  for (const auto& p : patterns) kinds.insert(p.kind);
  CHECK(kinds == std::set<std::string>{"email", "card", "bank_account", "order", "phone",
                                       "my_number", "passport", "postal_code", "address"});
  CHECK_NOTHROW(PiiDetector{patterns});
}

TEST_CASE("text: pii finds card numbers that pass the Luhn check") {
  for (const char* text : {
           "4111 1111 1111 1111", "カードは4111-1111-1111-1111です",
           "４１１１　１１１１　１１１１　１１１１",  // full width
           "４１１１－１１１１－１１１１－１１１１", "4111111111111111",
           "card 5555 5555 5555 4444 was charged",
           "3782 822463 10005",  // Amex 4-6-5
           "3056 930902 5904",   // Diners 4-6-4
           "3530111333300000",   // JCB
           "注文番号 4111111111111111",
           "4111 1111 1111 1112 and then 4111 1111 1111 1111",  // the second one is valid
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "card");
  }
  for (const char* text : {
           "4111 1111 1111 1112",       // Luhn fails
           "4111-1111-1111-1112",       //
           "0000 0000 0000 0000",       // no card network starts with 0
           "1234 5678 9012 3452",       // ... nor with 1, even when Luhn passes
           "4111 1111 1111 1111 1111",  // 20 digits
           "¥4,111,111,111,111,111",
       }) {
    CAPTURE(text);
    CHECK(pii(text) != "card");
  }
}

TEST_CASE("text: pii checks Luhn and My Number check digits") {
  CHECK(luhn_valid("4111 1111 1111 1111"));
  CHECK(luhn_valid("79927398713"));
  CHECK_FALSE(luhn_valid("79927398710"));
  CHECK_FALSE(luhn_valid(""));
  CHECK(my_number_valid("123456789018"));
  CHECK(my_number_valid("9876-5432-1093"));
  CHECK_FALSE(my_number_valid("123456789012"));
  CHECK_FALSE(my_number_valid("12345678901"));
}

TEST_CASE("text: pii finds My Number-like ids") {
  for (const char* text : {
           "123456789018",
           "番号は1234 5678 9018です",
           "９８７６－５４３２－１０９３",
           "マイナンバーは1234 5678 9012です",  // named: the check digit does not matter
           "個人番号：123456789012",
           "my number 123456789012",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "my_number");
  }
  for (const char* text : {
           "123456789012",         // invalid check digit, no name
           "1234 5678 9012 3456",  // part of a longer number
           "12345678901",
           "マイナンバーカードを作りました",
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii finds bank accounts") {
  for (const char* text : {
           "普通 1234567",
           "普通預金 1234567 に返金してください",
           "当座1234567",
           "口座番号：1234567",
           "口座番号は「1234567」です",
           "三菱UFJ銀行 渋谷支店 普通 1234567",
           "ｻﾝﾌﾟﾙ銀行 本店 普通預金 ７６５４３２１",
           "記号12345 番号12345678",
           "ゆうちょ銀行 12345-12345678",
           "bank account 1234567",
           "savings account no. 7654321",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "bank_account");
  }
  for (const char* text : {
           "口座から1234567円引き落とされた", "普通に1,980円でした", "支店で12,800円払った",
           "普通郵便で2026年11月26日に届いた", "口座を解約したい",
           "普通 123456",  // 6 digits
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii finds Japanese postal codes") {
  for (const char* text : {
           "〒100-0005",
           "〒１００－０００５",
           "〒 100-0005",
           "〒1000005",
           "郵便番号：100-0005",
           "100-0005 東京都千代田区",
           "postal code 100-0005",
           "zip 1000005",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "postal_code");
  }
  for (const char* text : {
           "123-4567",  // no context: any number
           "〒マーク",
           "2026-11-26",
           "郵便番号がわかりません",
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii finds Japanese street addresses") {
  for (const char* text : {
           "東京都千代田区丸の内1-1-1",
           "東京都千代田区丸の内１－１－１",
           "東京都千代田区丸の内１ー１ー１",
           "東京都 千代田区 丸の内 1-1",
           "千代田区丸の内1-1-1",
           "東京都千代田区丸の内一丁目1番1号",
           "東京都千代田区丸の内一丁目一番一号",
           "大阪府大阪市北区梅田3丁目1番3号",
           "神奈川県横浜市中区山下町２７９番地",
           "北海道札幌市中央区北1条西2丁目",
           "京都市中京区河原町通三条上る下丸屋町390-2",
           "渋谷区神南1丁目に住んでいます",
           "1-1-1 Marunouchi, Chiyoda-ku, Tokyo",
       }) {
    CAPTURE(text);
    CHECK(pii(text) == "address");
  }
  for (const char* text : {
           "東京都の店舗で2-3個買った",
           "東京都港区で2026-11-26に届いた",
           "港区で2026-11-26に届いた",
           "品川区の店舗で1-2時間待った",
           "港区の店で5-6人並んだ",
           "東京都内で3-4日待った",
           "渋谷区に住んでいます",
           "彼は2026年に東京都に引っ越した",
           "第1-2-3話",
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: pii leaves prices, dates, times and quantities alone") {
  for (const char* text : {
           "1,980円",
           "¥12,800",
           "2026年11月26日",
           "2026-11-26",
           "10:43に届いた",
           "午後3時-5時",
           "3個",
           "1-2週間かかると言われた",
           "The 抹茶 set I ordered never arrived",
           "I ordered 2 sets on 2026-11-26 for 12,800 yen",
       }) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

TEST_CASE("text: a policy's own regex for a checked kind keeps the check") {
  const PiiDetector detector({{"card", R"((\d{16}))", PiiCheck::luhn}});
  CHECK(detector.find("4111111111111111") == "card");
  CHECK_FALSE(detector.find("4111111111111112").has_value());
}

TEST_CASE("text: pii finds passport numbers after their name") {
  for (const char* text : {"パスポート番号 TK1234567", "旅券番号：ＭＺ１２３４５６７",
                           "passport no. 123456789", "my passport number is AB1234567."}) {
    CAPTURE(text);
    CHECK(pii(text) == "passport");
  }
  for (const char* text : {"パスポートを紛失しました", "my passport expired", "TK1234567"}) {
    CAPTURE(text);
    CHECK_FALSE(pii(text).has_value());
  }
}

}  // namespace text_pii_test
