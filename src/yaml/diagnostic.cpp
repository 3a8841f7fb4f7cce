#include "ackd/yaml/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace ackd::yaml {

std::string Diagnostic::to_string() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line) + ':' + std::to_string(std::max(where.column, 1));
  }
  out += warning ? ": warning: " : ": error: ";
  out += message;
  return out;
}

std::string_view to_string(Code code) {
  switch (code) {
    case Code::invalid:
      return "invalid";
    case Code::yaml_syntax:
      return "yaml-syntax";
    case Code::indentation:
      return "indentation";
    case Code::duplicate_key:
      return "duplicate-key";
    case Code::too_complex:
      return "too-complex";
    case Code::not_utf8:
      return "not-utf8";
    case Code::unreadable:
      return "unreadable";
    case Code::unknown_key:
      return "unknown-key";
    case Code::wrong_type:
      return "wrong-type";
    case Code::missing:
      return "missing";
    case Code::unknown_name:
      return "unknown-name";
    case Code::already_defined:
      return "already-defined";
    case Code::banned_phrase:
      return "banned-phrase";
    case Code::too_long:
      return "too-long";
    case Code::unreachable:
      return "unreachable";
    case Code::rule_order:
      return "rule-order";
    case Code::suppressed_reply:
      return "suppressed-reply";
    case Code::short_keyword:
      return "short-keyword";
    case Code::unused:
      return "unused";
  }
  return "invalid";
}

void Diagnostics::error(const SourceLocation& where, std::string message, Code code) {
  items_.push_back({where, std::move(message), false, code});
}

void Diagnostics::warn(const SourceLocation& where, std::string message, Code code) {
  warnings_.push_back({where, std::move(message), true, code});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  warnings_.insert(warnings_.end(), other.warnings_.begin(), other.warnings_.end());
}

namespace {

std::vector<Diagnostic> by_place(std::vector<Diagnostic> out) {
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
  return out;
}

}  // namespace

std::vector<Diagnostic> Diagnostics::sorted() const {
  return by_place(items_);
}

std::vector<Diagnostic> Diagnostics::warnings() const {
  return by_place(warnings_);
}

namespace {

// Optimal string alignment distance: a swap of two neighbours ("akc" for "ack") is one edit.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    std::size_t d = edit_distance(word, candidate);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A third of the word's length, at least one edit: "channle" -> "channel", not "x" -> "ja".
  std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  return best_distance <= allowed ? best : std::string{};
}

}  // namespace ackd::yaml
