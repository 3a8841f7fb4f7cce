#include <doctest/doctest.h>

#include <string>

#include "ackd/text/name.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"

using ackd::text::NameRules;
using ackd::text::sanitize_handle;
using ackd::text::sanitize_name;

namespace {

std::string name(const std::string& raw, std::size_t max_chars = 20) {
  NameRules rules;
  rules.max_chars = max_chars;
  return sanitize_name(raw, rules);
}

}  // namespace

TEST_CASE("text: sanitize_name keeps ordinary names as they are") {
  CHECK(name("山田太郎") == "山田太郎");
  CHECK(name("Taro Yamada") == "Taro Yamada");
  CHECK(name("ＴＡＲＯ") == "ＴＡＲＯ");  // shown as given, not normalized
  CHECK(name("ヤマダ　タロウ") == "ヤマダ タロウ");
  CHECK(name("José Müller") == "José Müller");
  CHECK(name("Mr.Smith") == "Mr.Smith");
  CHECK(name("たろう🍣") == "たろう🍣");
  CHECK(name("  Taro \n\t Yamada  ") == "Taro Yamada");
  CHECK(name("山田\r\n太郎") == "山田 太郎");
}

TEST_CASE("text: sanitize_name removes mentions") {
  CHECK(name("@evil 山田") == "山田");
  CHECK(name("＠evil 山田") == "山田");
  CHECK(name("山田 @evil_corp") == "山田");
  CHECK(name("山田@ダイエット中") == "山田");
  CHECK(name("@evil") == "");
}

TEST_CASE("text: sanitize_name removes URLs and domains") {
  CHECK(name("Taro https://x.co/a") == "Taro");
  CHECK(name("Taro http://evil.example/path?q=1 Yamada") == "Taro Yamada");
  CHECK(name("www.evil.com") == "");
  CHECK(name("ｗｗｗ．evil．com") == "");
  CHECK(name("evil.com") == "");
  CHECK(name("山田 evil.com") == "山田");
  CHECK(name("山田 evil。com") == "山田");
  CHECK(name("山田 evil．ｃｏｍ") == "山田");
  CHECK(name("山田(evil.xyz)") == "山田");
  CHECK(name("evil\u200B.com") == "");  // a zero-width space does not hide it
  CHECK(name("Taro evil.co.jp/x") == "Taro");
  CHECK(name("hxxps://evil") == "");
}

TEST_CASE("text: sanitize_name removes hashtags, e-mail addresses and templates") {
  CHECK(name("#sale") == "");
  CHECK(name("＃sale 山田") == "山田");
  CHECK(name("山田 #拡散希望") == "山田");
  CHECK(name("taro@example.com") == "");
  CHECK(name("Taro taro.y@example.co.jp") == "Taro");
  CHECK(name("{{handoff_by}}") == "");
  CHECK(name("山田{{ customer.name }}太郎") == "山田太郎");
  CHECK(name("山田 {{oops") == "山田");
  CHECK(name("山田}}") == "山田");
  CHECK(name("｛｛handoff_by｝｝") == "");
}

TEST_CASE("text: sanitize_name removes control, format and invisible characters") {
  CHECK(name("\u202Eevil") == "evil");
  CHECK(name("山\u200B田\u200D") == "山田");
  CHECK(name("\u2066Taro\u2069") == "Taro");
  CHECK(name("Ta\x01ro\x7F") == "Taro");
  CHECK(name("\u3164") == "");          // Hangul filler, a blank "name"
  CHECK(name("\u2800\u2800") == "");    // braille blanks
  CHECK(name("\uE000山田") == "山田");  // private use
  CHECK(name("Taro\u00A0\u3000Yamada") == "Taro Yamada");
}

TEST_CASE("text: sanitize_name needs a letter, digit or ideograph") {
  CHECK(name("🔥🔥🔥") == "");
  CHECK(name("👨\u200D👩\u200D👧") == "");
  CHECK(name("!!! ... ???") == "");
  CHECK(name("") == "");
  CHECK(name("   ") == "");
  CHECK(name("R2") == "R2");
}

TEST_CASE("text: sanitize_name rejects invalid UTF-8") {
  CHECK(name("Taro\xFF") == "");
  CHECK(name("\xC0\xAF") == "");
}

TEST_CASE("text: sanitize_name cuts whole characters within the code point bound") {
  CHECK(name("山田太郎", 2) == "山田");
  CHECK(name("Taro Yamada", 5) == "Taro");  // no dangling space
  CHECK(name("a👍🏽👍🏽👍🏽bc", 5) ==
        "a👍🏽👍🏽");  // two code points each, never split
  CHECK(name("a👍🏽👍🏽👍🏽bc", 6) == "a👍🏽👍🏽");
  CHECK(name("a👍🏽👍🏽👍🏽bc", 8) == "a👍🏽👍🏽👍🏽b");
  CHECK(name("山田🇯🇵🇯🇵", 4) == "山田🇯🇵");  // a flag is one character of two code points
  CHECK(name("山田🇯🇵🇯🇵", 3) == "山田");
  CHECK(name("🇯🇵🇯🇵", 2) == "");  // an emoji alone is not a name
  CHECK(name("e\u0301e\u0301e\u0301", 4) == "e\u0301e\u0301");
  CHECK(name("e\u0301e\u0301e\u0301", 3) == "e\u0301");
  CHECK(name("が\u3099", 1) == "");
  std::string zalgo = "T";
  for (int i = 0; i < 60; ++i) zalgo += "\u0336";
  zalgo += "aro";
  CHECK(ackd::text::code_point_count(name(zalgo)) <= 20);
  CHECK(name("Taro", 0) == "");
  CHECK(name(std::string(100, 'a')).size() == 20);
}

TEST_CASE("text: sanitize_name refuses banned phrases") {
  NameRules rules;
  rules.banned = {ackd::text::normalize("バカ"), "spam", "kill you"};
  CHECK(sanitize_name("山田", rules) == "山田");
  CHECK(sanitize_name("ばか太郎", rules) == "");
  CHECK(sanitize_name("ﾊﾞｶ太郎", rules) == "");
  CHECK(sanitize_name("SPAM King", rules) == "");
  CHECK(sanitize_name("Ｓｐａｍ", rules) == "");
  CHECK(sanitize_name("sp\u200Bam", rules) == "");
  CHECK(sanitize_name("sp am", rules) == "");
  CHECK(sanitize_name("Kill  You", rules) == "");
  CHECK(sanitize_name("Taro https://spam.example", rules) == "Taro");  // removed parts do not count
}

TEST_CASE("text: sanitize_handle") {
  CHECK(sanitize_handle("@taro_yamada") == "taro_yamada");
  CHECK(sanitize_handle("＠taro") == "taro");
  CHECK(sanitize_handle("@@taro") == "taro");
  CHECK(sanitize_handle("taro.y-1") == "taro.y-1");
  CHECK(sanitize_handle("ta ro<script>") == "taroscript");
  CHECK(sanitize_handle("山田taro") == "taro");
  CHECK(sanitize_handle(std::string(40, 'x')) == std::string(30, 'x'));
  CHECK(sanitize_handle("\xFF\xFEok") == "ok");
  CHECK(sanitize_handle("") == "");
}
