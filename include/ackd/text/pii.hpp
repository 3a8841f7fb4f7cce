#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace ackd::text {

// What a match must pass besides its regex, so that any 16 digits are not a card number.
// It reads the first capture group when that group took part in the match (the whole
// match otherwise); an alternative without the group (one that needs a context word such
// as "マイナンバー") stands on its own.
enum class PiiCheck {
  none,
  luhn,       // 13 to 19 digits with a valid Luhn check digit and a card network's first digit
  my_number,  // 12 digits with a valid Individual Number check digit
  address,    // block numbers that do not read as a date ("2026-11-26")
};

struct PiiPattern {
  PiiPattern(std::string kind_, std::string regex_, PiiCheck check_ = PiiCheck::none)
      : kind(std::move(kind_)), regex(std::move(regex_)), check(check_) {}

  std::string kind;   // "phone", "email", "order", ...
  std::string regex;  // RE2 syntax, applied to normalized text
  PiiCheck check;     // kept when a policy replaces the regex of a default kind
};

// E-mail addresses, card numbers, order and account numbers, bank accounts, phone numbers
// (Japanese and international forms), My Number-like 12-digit ids, Japanese postal codes
// and street addresses.
std::vector<PiiPattern> default_pii_patterns();

// Whether `digits` (separators allowed, ignored) passes the Luhn check.
bool luhn_valid(std::string_view digits);
// Whether `digits` (12 of them, separators ignored) ends with a valid check digit of
// Japan's Individual Number (マイナンバー).
bool my_number_valid(std::string_view digits);

class PiiDetector {
 public:
  // Every pattern must be a valid RE2 regex (the policy loader checks this first).
  explicit PiiDetector(const std::vector<PiiPattern>& patterns);
  ~PiiDetector();
  PiiDetector(PiiDetector&&) noexcept;
  PiiDetector& operator=(PiiDetector&&) noexcept;

  // The kind of the first pattern found in `normalized_text`, if any.
  std::optional<std::string_view> find(std::string_view normalized_text) const;

 private:
  bool passes(std::size_t pattern, std::string_view normalized_text) const;

  std::vector<std::string> kinds_;
  std::vector<PiiCheck> checks_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::unique_ptr<re2::RE2> any_;  // all patterns at once: one pass for the common no-hit case
};

}  // namespace ackd::text
