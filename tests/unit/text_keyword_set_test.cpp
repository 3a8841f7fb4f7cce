#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/text/keyword_set.hpp"
#include "ackd/text/normalize.hpp"

namespace text_keyword_set_test {

using ackd::text::KeywordSet;
using ackd::text::normalize;

TEST_CASE("text: keyword set finds every keyword in one pass") {
  KeywordSet set;
  const auto smoke = set.add("煙");
  const auto fire = set.add("fire");
  const auto burnt = set.add("焦げ");
  const auto refund = set.add("返金");
  set.compile();
  REQUIRE(set.size() == 4);
  CHECK(set.keyword(smoke) == "煙");

  std::vector<bool> hits{true, true};  // stale content is cleared
  set.match(normalize("充電中に煙が出て焦げ臭い。FIRE!"), hits);
  REQUIRE(hits.size() == 4);
  CHECK(hits[smoke]);
  CHECK(hits[fire]);
  CHECK(hits[burnt]);
  CHECK_FALSE(hits[refund]);

  std::vector<std::uint32_t> ids{99};
  set.match_ids(normalize("返金してください、煙です"), ids);
  CHECK(ids == std::vector<std::uint32_t>{smoke, refund});
}

TEST_CASE("text: keyword set respects word boundaries for ASCII keywords") {
  KeywordSet set;
  const auto fire = set.add("fire");
  const auto on_fire = set.add("on fire");
  const auto tv = set.add("4k");
  set.compile();
  std::vector<bool> hits;

  set.match("my firefox crashed", hits);
  CHECK_FALSE(hits[fire]);
  set.match("campfire", hits);
  CHECK_FALSE(hits[fire]);
  set.match("the charger caught fire.", hits);
  CHECK(hits[fire]);
  set.match("充電器がfireした", hits);  // Japanese around it is a boundary
  CHECK(hits[fire]);
  set.match("it is on fire", hits);
  CHECK(hits[on_fire]);
  CHECK(hits[fire]);
  set.match("the 4k tv", hits);
  CHECK(hits[tv]);
  set.match("14k gold", hits);
  CHECK_FALSE(hits[tv]);
}

TEST_CASE("text: keyword set matches Japanese keywords anywhere") {
  KeywordSet set;
  const auto smoke = set.add("煙");
  const auto kemuri = set.add(normalize("ケムリ"));
  set.compile();
  std::vector<bool> hits;
  set.match(normalize("黒煙が"), hits);
  CHECK(hits[smoke]);
  set.match(normalize("ｹﾑﾘが出ました"), hits);
  CHECK(hits[kemuri]);
  set.match(normalize("けむりが"), hits);
  CHECK(hits[kemuri]);
}

TEST_CASE("text: keyword set deduplicates and quotes keywords") {
  KeywordSet set;
  const auto a = set.add("a+b");
  const auto b = set.add("(c)");
  CHECK(set.add("a+b") == a);
  CHECK(set.size() == 2);
  set.compile();
  std::vector<bool> hits;
  set.match("x a+b y", hits);
  CHECK(hits[a]);
  set.match("aab", hits);
  CHECK_FALSE(hits[a]);  // '+' is literal
  set.match("(c)", hits);
  CHECK(hits[b]);
  set.match("c", hits);
  CHECK_FALSE(hits[b]);
}

TEST_CASE("text: empty keyword set matches nothing") {
  KeywordSet set;
  set.compile();
  std::vector<bool> hits{true};
  set.match("anything at all", hits);
  CHECK(hits.empty());
  std::vector<std::uint32_t> ids{1};
  set.match_ids("anything", ids);
  CHECK(ids.empty());
}

TEST_CASE("text: keyword set rejects misuse") {
  KeywordSet set;
  CHECK_THROWS_AS(set.add(""), std::invalid_argument);
  set.add("x");
  std::vector<bool> hits;
  CHECK_THROWS_AS(set.match("x", hits), std::logic_error);
  set.compile();
  CHECK_THROWS_AS(set.add("y"), std::logic_error);
  CHECK(set.add("x") == 0);  // an existing keyword is still found

  KeywordSet moved = std::move(set);
  moved.match("x", hits);
  CHECK(hits == std::vector<bool>{true});
}

TEST_CASE("text: keyword set scales to many keywords") {
  KeywordSet set;
  for (int i = 0; i < 3000; ++i) set.add("kw" + std::to_string(i));
  const auto smoke = set.add("煙");
  set.compile();
  std::vector<bool> hits;
  set.match("kw42 and kw2999 with 煙 but not kw30000", hits);
  CHECK(hits[42]);
  CHECK(hits[2999]);
  CHECK(hits[smoke]);
  CHECK_FALSE(hits[43]);
  CHECK(std::count(hits.begin(), hits.end(), true) == 3);
}

namespace {

std::vector<std::uint32_t> ids_in(const KeywordSet& set, std::string_view text) {
  std::vector<std::uint32_t> ids;
  set.match_ids(text, ids);
  return ids;
}

}  // namespace

TEST_CASE("text: keyword set finds overlapping keywords and keywords inside others") {
  KeywordSet set;
  const auto charger = set.add("充電器");
  const auto charge = set.add("充電");     // a prefix of another
  const auto appliance = set.add("電器");  // a suffix of another
  const auto tail = set.add("器が");       // overlaps the end of another
  set.add("冷蔵庫");
  set.compile();
  CHECK(ids_in(set, "充電器が熱い") ==
        std::vector<std::uint32_t>{charger, charge, appliance, tail});
  CHECK(ids_in(set, "電器") == std::vector<std::uint32_t>{appliance});

  // ASCII keywords inside others are still held to their word boundaries.
  KeywordSet ascii;
  const auto she = ascii.add("she");
  const auto he = ascii.add("he");
  const auto hers = ascii.add("hers");
  ascii.compile();
  CHECK(ids_in(ascii, "she said hers") == std::vector<std::uint32_t>{she, hers});
  CHECK(ids_in(ascii, "he, she") == std::vector<std::uint32_t>{she, he});
}

TEST_CASE("text: keyword set finds a keyword on another's failure path") {
  // Reading 東京都 follows the first keyword; at 府 the match falls back to 京都 and goes on.
  KeywordSet set;
  const auto office = set.add("東京都庁");
  const auto prefecture = set.add("京都府");
  const auto capital = set.add("都");
  set.compile();
  CHECK(ids_in(set, "東京都府") == std::vector<std::uint32_t>{prefecture, capital});
  CHECK(ids_in(set, "東京都庁") == std::vector<std::uint32_t>{office, capital});
  CHECK(ids_in(set, "東京") == std::vector<std::uint32_t>{});

  KeywordSet ascii;
  const auto long_one = ascii.add("a-bcx");
  const auto short_one = ascii.add("-bcd");  // bounded on the right only
  ascii.compile();
  CHECK(ids_in(ascii, "a-bcd") == std::vector<std::uint32_t>{short_one});
  CHECK(ids_in(ascii, "a-bcde") == std::vector<std::uint32_t>{});
  CHECK(ids_in(ascii, "a-bcx-bcd") == std::vector<std::uint32_t>{long_one, short_one});
}

TEST_CASE("text: keyword set checks word boundaries at the ends of the text") {
  KeywordSet set;
  const auto fire = set.add("fire");
  const auto tv = set.add("4k");
  const auto open_end = set.add("fire_");  // '_' is not a letter or digit: no boundary after
  set.compile();
  CHECK(ids_in(set, "fire") == std::vector<std::uint32_t>{fire});
  CHECK(ids_in(set, "fire!") == std::vector<std::uint32_t>{fire});
  CHECK(ids_in(set, "!fire") == std::vector<std::uint32_t>{fire});
  CHECK(ids_in(set, "4k") == std::vector<std::uint32_t>{tv});
  CHECK(ids_in(set, "_fire") == std::vector<std::uint32_t>{});  // '_' is a word character
  CHECK(ids_in(set, "firefire") == std::vector<std::uint32_t>{});
  CHECK(ids_in(set, "fire_x") == std::vector<std::uint32_t>{open_end});
  CHECK(ids_in(set, "afire_") == std::vector<std::uint32_t>{});
  // Found once although it is there twice, the first time inside a word.
  CHECK(ids_in(set, "firefox fire") == std::vector<std::uint32_t>{fire});
  CHECK(ids_in(set, "") == std::vector<std::uint32_t>{});
}

TEST_CASE("text: keyword set matches multibyte UTF-8 keywords") {
  KeywordSet set;
  const auto cafe = set.add("café");  // bounded before 'c' only
  const auto e = set.add("é");
  const auto rare = set.add("𠀋");  // four bytes
  const auto fire = set.add("fire");
  set.compile();
  CHECK(ids_in(set, "cafés") == std::vector<std::uint32_t>{cafe, e});
  CHECK(ids_in(set, "xcafé") == std::vector<std::uint32_t>{e});
  CHECK(ids_in(set, "𠀋𠀋") == std::vector<std::uint32_t>{rare});
  CHECK(ids_in(set, "煙fire煙") == std::vector<std::uint32_t>{fire});
  CHECK_THROWS_AS(KeywordSet().add("\xE7\x85"), std::runtime_error);  // cut UTF-8
}

TEST_CASE("text: keyword set agrees with a plain search on random keywords and texts") {
  const std::vector<std::string> pieces = {"a", "b", "1", "_", " ", "煙", "火", "é", "𠀋"};
  auto is_word = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  auto bounded = [&](char c) { return is_word(c) && c != '_'; };
  std::mt19937 rng(2024);
  auto random_string = [&](std::size_t max_pieces) {
    std::string s;
    for (std::size_t n = rng() % max_pieces; n > 0; --n) s += pieces[rng() % pieces.size()];
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    KeywordSet set;
    std::vector<std::string> keywords;
    for (int i = 0; i < 20; ++i) {
      std::string k = random_string(5);
      if (k.empty()) continue;
      if (set.add(k) == keywords.size()) keywords.push_back(k);
    }
    set.compile();
    for (int t = 0; t < 20; ++t) {
      const std::string text = random_string(30);
      std::vector<std::uint32_t> expected;
      for (std::uint32_t id = 0; id < keywords.size(); ++id) {
        const std::string& k = keywords[id];
        for (auto at = text.find(k); at != std::string::npos; at = text.find(k, at + 1)) {
          const auto end = at + k.size();
          if (bounded(k.front()) && at > 0 && is_word(text[at - 1])) continue;
          if (bounded(k.back()) && end < text.size() && is_word(text[end])) continue;
          expected.push_back(id);
          break;
        }
      }
      INFO("text: ", text);
      CHECK(ids_in(set, text) == expected);
      std::vector<bool> hits;
      set.match(text, hits);
      for (std::uint32_t id = 0; id < keywords.size(); ++id) {
        CHECK(hits[id] == std::binary_search(expected.begin(), expected.end(), id));
      }
    }
  }
}

}  // namespace text_keyword_set_test
