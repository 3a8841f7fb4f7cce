#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace ackd::text {

struct PiiPattern {
  std::string kind;   // "phone", "email", "order", ...
  std::string regex;  // RE2 syntax, applied to normalized text
};

// Phone numbers (Japanese and international forms), e-mail addresses, order and
// account numbers.
std::vector<PiiPattern> default_pii_patterns();

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
  std::vector<std::string> kinds_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::unique_ptr<re2::RE2> any_;  // all patterns at once: one pass for the common no-hit case
};

}  // namespace ackd::text
