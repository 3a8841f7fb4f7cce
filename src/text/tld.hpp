#pragma once

// Private to src/text: top-level domains used to tell a bare domain ("example.com") from
// ordinary dotted words ("Mr.Smith"). The list is deliberately not exhaustive: all country
// codes (from ICU's ISO 3166 table) plus the generic TLDs seen in practice, including the
// cheap ones favoured by spam.

#include <unicode/locid.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ackd::text::detail {

inline constexpr std::string_view kGenericTlds[] = {
    "com",       "net",        "org",        "info",      "biz",      "edu",       "gov",
    "mil",       "int",        "name",       "pro",       "mobi",     "asia",      "tel",
    "travel",    "jobs",       "aero",       "coop",      "museum",   "cat",       "post",
    "xxx",       "app",        "dev",        "page",      "blog",     "shop",      "store",
    "online",    "site",       "website",    "tech",      "xyz",      "top",       "club",
    "icu",       "buzz",       "click",      "link",      "work",     "works",     "fun",
    "space",     "live",       "life",       "world",     "today",    "news",      "media",
    "video",     "stream",     "cloud",      "digital",   "email",    "host",      "hosting",
    "press",     "social",     "support",    "agency",    "company",  "business",  "services",
    "solutions", "center",     "network",    "systems",   "global",   "group",     "team",
    "zone",      "tokyo",      "osaka",      "nagoya",    "yokohama", "kyoto",     "okinawa",
    "ryukyu",    "moe",        "art",        "design",    "studio",   "photo",     "photos",
    "pics",      "fashion",    "beauty",     "health",    "fit",      "games",     "game",
    "bet",       "casino",     "poker",      "win",       "vip",      "loan",      "loans",
    "money",     "cash",       "finance",    "capital",   "credit",   "bank",      "trade",
    "market",    "marketing",  "deals",      "sale",      "gift",     "gifts",     "free",
    "cheap",     "best",       "guru",       "expert",    "tips",     "help",      "academy",
    "school",    "college",    "university", "education", "training", "ninja",     "sexy",
    "porn",      "adult",      "dating",     "love",      "date",     "chat",      "men",
    "wiki",      "wtf",        "lol",        "fyi",       "ink",      "red",       "blue",
    "pink",      "black",      "green",      "gold",      "plus",     "one",       "bio",
    "eco",       "farm",       "land",       "city",      "town",     "country",   "uno",
    "quest",     "rocks",      "run",        "fan",       "fans",     "lgbt",      "review",
    "reviews",   "download",   "racing",     "party",     "science",  "webcam",    "faith",
    "cricket",   "accountant", "kim",        "ltd",       "llc",      "inc",       "gmbh",
    "shopping",  "sbs",        "cfd",        "cyou",      "rest",     "bar",       "monster",
    "mom",       "lat",        "boo",        "zip",       "mov",      "foo",       "nexus",
    "google",    "amazon",     "youtube",    "yahoo",     "apple",    "microsoft", "windows",
    "nhk",       "rakuten",
};

// Country-code TLDs that are not ISO 3166 country codes.
inline constexpr std::string_view kExtraCountryTlds[] = {"uk", "eu", "ac", "su"};

inline const std::unordered_set<std::string>& country_tlds() {
  static const std::unordered_set<std::string> set = [] {
    std::unordered_set<std::string> s;
    for (const char* const* c = icu::Locale::getISOCountries(); *c != nullptr; ++c) {
      std::string code(*c);
      for (char& ch : code) ch = static_cast<char>(ch - 'A' + 'a');
      s.insert(std::move(code));
    }
    for (const auto tld : kExtraCountryTlds) s.emplace(tld);
    return s;
  }();
  return set;
}

inline const std::unordered_set<std::string>& generic_tlds() {
  static const std::unordered_set<std::string> set = [] {
    std::unordered_set<std::string> s;
    for (const auto tld : kGenericTlds) s.emplace(tld);
    return s;
  }();
  return set;
}

// `tld` in lower-case ASCII.
inline bool is_country_tld(std::string_view tld) {
  return tld.size() == 2 && country_tlds().count(std::string(tld)) != 0;
}
inline bool is_known_tld(std::string_view tld) {
  return is_country_tld(tld) || generic_tlds().count(std::string(tld)) != 0;
}

// Every known TLD as a regex alternation, longest first so that "community" is tried
// before "com".
inline std::string tld_alternation() {
  std::vector<std::string> all(generic_tlds().begin(), generic_tlds().end());
  all.insert(all.end(), country_tlds().begin(), country_tlds().end());
  std::sort(all.begin(), all.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::string alternation;
  for (const auto& tld : all) {
    if (!alternation.empty()) alternation += '|';
    alternation += tld;
  }
  return alternation;
}

}  // namespace ackd::text::detail
