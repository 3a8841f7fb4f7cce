#include "ackd/text/pii.hpp"

#include <re2/re2.h>

#include <stdexcept>

namespace ackd::text {

namespace {

// Patterns run on normalized text: digits and Latin letters are ASCII and lower case,
// full-width punctuation is ASCII, katakana is hiragana. RE2 has no look-around, so digit
// boundaries are written as consumed "^|[^0-9]" / "[^0-9]|$".

// Between the groups of a phone number: hyphens and dashes people type (including the
// long-vowel mark), dots (also the middle dots of "03・1234・5678"), spaces, parentheses;
// at most three in a row.
constexpr std::string_view kSep = R"([-\x{2010}-\x{2015}\x{2212}\x{30fc}\x{30fb}\x{b7}.()\s]{0,3})";

std::string japanese_phone() {
  const std::string s(kSep);
  // Domestic numbers have 10 digits (11 for mobile, IP and some toll-free ones) and start
  // with a single 0; the groupings below are the ones in use. Counting the digits is what
  // keeps dates (2026-11-22), times and prices from matching.
  const std::string groups[] = {
      "0[1-9]" + s + R"(\d{4})" + s + R"(\d{4})",            // 03-1234-5678
      R"(0[1-9]\d)" + s + R"(\d{3,4})" + s + R"(\d{4})",     // 045-123-4567, 090-1234-5678
      R"(0[1-9]\d{2})" + s + R"(\d{2})" + s + R"(\d{4})",    // 0466-12-3456
      R"(0[1-9]\d{2})" + s + R"(\d{3})" + s + R"(\d{3,4})",  // 0120-123-456, 0800-123-4567
      R"(0[1-9]\d{3})" + s + R"(\d)" + s + R"(\d{4})",       // 01267-2-1234
      "0[1-9]" + s + R"(\d{8})",                             // 03-12345678
      R"(0[1-9]\d)" + s + R"(\d{7,8})",                      // 090-12345678
      R"(0[1-9]\d{2})" + s + R"(\d{6,7})",                   // 0120-123456
      R"(0[1-9]\d{3})" + s + R"(\d{5})",
  };
  std::string alternation;
  for (const auto& g : groups) {
    if (!alternation.empty()) alternation += '|';
    alternation += g;
  }
  return R"((?:^|[^0-9])\(?(?:)" + alternation + R"()(?:$|[^0-9]))";
}

std::string international_phone() {
  // "+" and a country code, then 6 to 13 more digits, each optionally preceded by
  // separators: counting digits rather than groups accepts every national grouping.
  // A number followed by a currency or magnitude is an amount, not a phone.
  return R"((?:^|[^0-9+])\+[1-9]\d{0,2}(?:)" + std::string(kSep) +
         R"(\d){6,13}(?:$|[^0-9円万千億%$]))";
}

std::string north_american_phone() {
  // (415) 555-0100, 415-555-0100, 415.555.0100: area code and exchange never start with
  // 0 or 1, and a dash or dot before the last four digits keeps plain numbers
  // ("300 500 1000回") out.
  return R"((?:^|[^0-9+])(?:\([2-9]\d{2}\)|[2-9]\d{2})[-\x{2010}-\x{2015}\x{2212}.\s]{0,2})"
         R"([2-9]\d{2}[-\x{2010}-\x{2015}\x{2212}.]\d{4}(?:$|[^0-9]))";
}

std::string email() {
  // The ideographic full stop survives NFKC, and people type it in addresses.
  return R"([a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:[.\x{3002}][a-z0-9\-]+)*)"
         R"([.\x{3002}][a-z]{2,})";
}

std::string order() {
  // After normalization "オーダー" reads "おーだー" and "アカウント" "あかうんと".
  const std::string japanese =
      "(?:ご?注文(?:番号|no|id|#)|受注番号|発注番号|購入番号|おーだー(?:番号|no|id)?"
      "|会員(?:番号|id|no)|顧客(?:番号|id|no)|お客様(?:番号|id)|予約番号|受付番号"
      "|お?問い?合わ?せ番号|伝票番号|追跡番号|配送番号|契約番号|口座番号|取引番号|管理番号"
      "|請求番号|あかうんと(?:番号|id)?|ゆーざー(?:番号|id))";
  const std::string english =
      R"(\b(?:order|account|acct|customer|member(?:ship)?|booking|reservation)"
      R"(|confirmation|tracking|invoice|transaction)s?)";
  // "order no. 123", "注文番号は: 123", "会員番号【123】", "order #a123".
  const std::string connector = R"((?:[\s:#=.\-]|no|nr|num|number|id|code|は|が|「|【|\[|\()*)";
  // At least six digits (prices and quantities are shorter), optionally after a short
  // letter prefix, or the dashed forms of retailers ("123-4567890-1234567").
  const std::string id = R"((?:(?:[a-z]{1,3}-?)?\d{6,}|\d{2,4}-\d{4,}|\d{4}\s\d{4}))";
  return "(?:" + japanese + "|" + english + ")" + connector + id;
}

}  // namespace

std::vector<PiiPattern> default_pii_patterns() {
  // One pattern per kind, since a policy overrides or disables a default by its kind. Most
  // specific first: an e-mail address may hold a phone number, and a number after
  // "注文番号" is an order number even when it looks like a phone number.
  return {
      {"email", email()},
      {"order", order()},
      {"phone", "(?:" + japanese_phone() + ")|(?:" + international_phone() +
                    ")|(?:" + north_american_phone() + ")"},
  };
}

PiiDetector::PiiDetector(const std::vector<PiiPattern>& patterns) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  options.set_max_mem(int64_t{64} << 20);
  kinds_.reserve(patterns.size());
  regexes_.reserve(patterns.size());
  std::string any;
  for (const auto& p : patterns) {
    auto re = std::make_unique<RE2>(p.regex, options);
    if (!re->ok()) {
      throw std::invalid_argument("invalid regex for PII kind '" + p.kind + "': " + re->error());
    }
    if (!any.empty()) any += '|';
    any += "(?:" + p.regex + ")";  // flags set inside a group stay inside it
    kinds_.push_back(p.kind);
    regexes_.push_back(std::move(re));
  }
  if (!patterns.empty()) {
    options.set_never_capture(true);
    any_ = std::make_unique<RE2>(any, options);
    if (!any_->ok()) any_.reset();  // e.g. too large together: fall back to one by one
  }
}

PiiDetector::~PiiDetector() = default;
PiiDetector::PiiDetector(PiiDetector&&) noexcept = default;
PiiDetector& PiiDetector::operator=(PiiDetector&&) noexcept = default;

std::optional<std::string_view> PiiDetector::find(std::string_view normalized_text) const {
  const re2::StringPiece text(normalized_text.data(), normalized_text.size());
  if (any_ && !RE2::PartialMatch(text, *any_)) return std::nullopt;
  for (std::size_t i = 0; i < regexes_.size(); ++i) {
    if (RE2::PartialMatch(text, *regexes_[i])) return kinds_[i];
  }
  return std::nullopt;
}

}  // namespace ackd::text
