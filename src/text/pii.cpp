#include "ackd/text/pii.hpp"

#include <re2/re2.h>

#include <algorithm>
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

// Between the digit groups of a card or id number: one space, hyphen or dash.
constexpr std::string_view kGroupSep = R"([ \-\x{2010}-\x{2015}\x{2212}\x{30fc}])";

// A number standing alone: neither a digit nor a group separator just outside it, so a
// 12-digit id is not read out of a 16-digit card number.
std::string standalone(const std::string& number) {
  const std::string s(kGroupSep);
  const std::string outside = R"([^0-9 \-\x{2010}-\x{2015}\x{2212}\x{30fc}])";
  return "(?:^|" + outside + ")" + s + "*(" + number + ")" + s + "*(?:$|" + outside + ")";
}

// What a number followed by one of these counts: money, time, things, not a person.
constexpr std::string_view kUnitAfter = "円万千億%件個回人日年月時分秒週台歳";

std::string card() {
  const std::string s(kGroupSep);
  // 4-4-4-4 (and 4-4-4-4-3), 4-6-4 (Diners), 4-6-5 (Amex), or the digits alone.
  return standalone(R"(\d{4}(?:)" + s + R"(\d{4}){3}(?:)" + s + R"(\d{3})?|\d{4})" + s +
                    R"(\d{6})" + s + R"(\d{4,5}|\d{13,19})");
}

std::string my_number() {
  const std::string s(kGroupSep);
  const std::string twelve = R"(\d{4})" + s + R"(?\d{4})" + s + R"(?\d{4})";
  // Any 12 digits with a valid check digit, or 12 digits named as such.
  return standalone(twelve) + "|(?:まいなんばー|個人番号|\\bmy ?number)[^0-9]{0,8}" + twelve +
         "(?:$|[^0-9])";
}

std::string bank_account() {
  // Account type, "口座" or a branch, then the 7-digit account number; or the two numbers
  // of a Japan Post Bank account (記号 5 digits, 番号 8 digits).
  const std::string words =
      R"((?:普通預金|当座預金|貯蓄預金|普通|当座|貯蓄|総合口座|口座番号|口座|支店|)"
      R"(\bbank account|\bsavings|\bchecking|\bbranch))";
  const std::string connector =
      R"((?:[\s:#=.\-()\[\]「」【】]|は|の|預金|番号|口座|no|number|account|acct)*)";
  const std::string seven = "\\d{7}(?:$|[^0-9" + std::string(kUnitAfter) + "])";
  const std::string yucho =
      R"(記号[\s:は]*\d{5}[\s\-,、]*番号[\s:は]*\d{8}|ゆうちょ[^0-9]{0,12}\d{5}-\d{8})";
  return words + connector + seven + "|" + yucho;
}

std::string passport() {
  // Japanese passports: two letters and seven digits ("TK1234567"); other countries differ,
  // so up to three letters and 6 to 9 digits after the word.
  return R"((?:ぱすぽーと|旅券|\bpassport)(?:番号|no|number|is|[\s:#.は「【])*[a-z]{0,3}\d{6,9}(?:$|[^a-z0-9]))";
}

// The 47 prefectures, as written before a city in an address.
constexpr std::string_view kPrefectures =
    "(?:北海道|東京都|京都府|大阪府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|"
    "神奈川|新潟|富山|石川|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|"
    "岡山|広島|山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)";

std::string postal_code() {
  const std::string dash = R"([-\x{2010}-\x{2015}\x{2212}\x{30fc}])";
  // "〒100-0005", "郵便番号 1000005", "zip 100-0005", or the NNN-NNNN shape just before
  // a prefecture: alone, it could be any number.
  return R"((?:〒|郵便番号|ゆうびん番号|\bpost(?:al)? ?code|\bzip(?: ?code)?)[\s:は]*\d{3})" +
         dash + R"(?\d{4}(?:$|[^0-9])|(?:^|[^0-9])\d{3})" + dash + R"(\d{4}[\s,]*(?:)" +
         std::string(kPrefectures) + R"(|tokyo|osaka|kyoto|japan))";
}

std::string street_address() {
  const std::string kana_kanji = R"([\p{Han}\p{Hiragana}\p{Katakana}\x{30fc}])";
  const std::string town = R"([\s0-9\p{Han}\p{Hiragana}\p{Katakana}\x{30fc}]{0,16}?)";
  const std::string n = R"((?:\d{1,4}|[〇一二三四五六七八九十百千]{1,5}))";
  const std::string dash = R"((?:[-\x{2010}-\x{2015}\x{2212}\x{30fc}]|の))";
  // "1丁目", "12番地", "3番4号", "1-2-3", and "1-2" when no unit makes it a count.
  const std::string blocks = n + R"((?:丁目|番地|番\s*)" + n + ")|" + n + dash + n + dash + n +
                             "|" + n + dash + n + "(?:$|[^0-9" + std::string(kUnitAfter) + "])";
  const std::string prefecture_city =
      std::string(kPrefectures) + R"(\s*)" + kana_kanji + "{0,8}(?:市|区|町|村|郡)";
  const std::string city = R"(\p{Han}{1,5}(?:市|区))";
  // Romanised: "1-1-1 marunouchi, chiyoda-ku".
  const std::string romanised =
      R"((\d{1,4}-\d{1,4}(?:-\d{1,4})?)[\s,]+(?:[a-z]+[\s,]+){0,3}[a-z]+-(?:ku|shi|cho|machi|gun|mura)\b)";
  return "(?:" + prefecture_city + "|" + city + ")" + town + "(" + blocks + ")|" + romanised;
}

int digit_at(std::string_view s, std::size_t i) {
  return s[i] - '0';
}

std::string digits_of(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

// "2026-11-26", "2026-11": a year and a month, not block numbers.
bool reads_as_date(std::string_view blocks) {
  std::size_t i = 0;
  while (i < blocks.size() && blocks[i] >= '0' && blocks[i] <= '9') ++i;
  if (i != 4 || (blocks.substr(0, 2) != "19" && blocks.substr(0, 2) != "20")) return false;
  // A dash in UTF-8 takes 1 to 3 bytes; the month follows it.
  std::size_t j = i;
  while (j < blocks.size() && j < i + 3 && (blocks[j] < '0' || blocks[j] > '9')) ++j;
  int month = 0;
  std::size_t month_digits = 0;
  while (j < blocks.size() && blocks[j] >= '0' && blocks[j] <= '9' && month_digits < 3) {
    month = month * 10 + digit_at(blocks, j++);
    ++month_digits;
  }
  return month_digits >= 1 && month_digits <= 2 && month >= 1 && month <= 12;
}

bool passes_check(PiiCheck check, std::string_view matched) {
  switch (check) {
    case PiiCheck::none:
      return true;
    case PiiCheck::luhn: {
      const std::string digits = digits_of(matched);
      // Card networks' numbers start with 2 (Mastercard), 3 (Amex, JCB, Diners), 4 (Visa),
      // 5 (Mastercard) or 6 (Discover, UnionPay).
      return digits.size() >= 13 && digits.size() <= 19 && digits[0] >= '2' && digits[0] <= '6' &&
             luhn_valid(digits);
    }
    case PiiCheck::my_number:
      return my_number_valid(matched);
    case PiiCheck::address:
      return !reads_as_date(matched);
  }
  return true;
}

}  // namespace

bool luhn_valid(std::string_view text) {
  const std::string digits = digits_of(text);
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool my_number_valid(std::string_view text) {
  const std::string digits = digits_of(text);
  if (digits.size() != 12) return false;
  // P(n) is the n-th digit left of the check digit, weighted n+1 up to 6 and n-5 after.
  int sum = 0;
  for (int n = 1; n <= 11; ++n) {
    const int p = digit_at(digits, static_cast<std::size_t>(11 - n));
    sum += p * (n <= 6 ? n + 1 : n - 5);
  }
  const int remainder = sum % 11;
  const int check = remainder <= 1 ? 0 : 11 - remainder;
  return digit_at(digits, 11) == check;
}

std::vector<PiiPattern> default_pii_patterns() {
  // One pattern per kind, since a policy overrides or disables a default by its kind. Most
  // specific first: an e-mail address may hold a phone number, and a number after
  // "注文番号" is an order number even when it looks like a phone number.
  return {
      {"email", email()},
      {"card", card(), PiiCheck::luhn},
      {"bank_account", bank_account()},
      {"order", order()},
      {"phone", "(?:" + japanese_phone() + ")|(?:" + international_phone() +
                    ")|(?:" + north_american_phone() + ")"},
      {"my_number", my_number(), PiiCheck::my_number},
      {"passport", passport()},
      {"postal_code", postal_code()},
      {"address", street_address(), PiiCheck::address},
  };
}

PiiDetector::PiiDetector(const std::vector<PiiPattern>& patterns) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  options.set_max_mem(int64_t{64} << 20);
  kinds_.reserve(patterns.size());
  checks_.reserve(patterns.size());
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
    checks_.push_back(p.check);
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
    if (passes(i, normalized_text)) return kinds_[i];
  }
  return std::nullopt;
}

bool PiiDetector::passes(std::size_t pattern, std::string_view normalized_text) const {
  const RE2& re = *regexes_[pattern];
  const re2::StringPiece text(normalized_text.data(), normalized_text.size());
  if (checks_[pattern] == PiiCheck::none) return RE2::PartialMatch(text, re);
  // Every candidate in turn: an invalid card number may come before a valid one.
  const auto groups = static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1;
  std::vector<re2::StringPiece> found(groups);
  std::size_t from = 0;
  while (from <= text.size() && re.Match(text, from, text.size(), RE2::UNANCHORED, found.data(),
                                         static_cast<int>(groups))) {
    re2::StringPiece checked = found[0];
    bool grouped = false;
    for (std::size_t g = 1; g < groups && !grouped; ++g) {
      if (found[g].data() != nullptr) {
        checked = found[g];
        grouped = true;
      }
    }
    if (!grouped ||
        passes_check(checks_[pattern], std::string_view(checked.data(), checked.size()))) {
      return true;
    }
    // On from the end of what was checked: the boundary after it may open the next one.
    const auto end = static_cast<std::size_t>(checked.data() + checked.size() - text.data());
    const auto start = static_cast<std::size_t>(found[0].data() - text.data());
    from = std::max(end, start + 1);
  }
  return false;
}

}  // namespace ackd::text
