#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/text/normalize.hpp"
#include "ackd/text/pii.hpp"

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
           "〒100-0001",
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
  REQUIRE(patterns.size() == 3);
  std::set<std::string> kinds;
  for (const auto& p : patterns) kinds.insert(p.kind);
  CHECK(kinds == std::set<std::string>{"email", "order", "phone"});
  CHECK_NOTHROW(PiiDetector{patterns});
}
