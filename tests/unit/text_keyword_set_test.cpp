#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "ackd/text/keyword_set.hpp"
#include "ackd/text/normalize.hpp"

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
