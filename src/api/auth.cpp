#include "ackd/api/auth.hpp"

#include <algorithm>
#include <array>

#include "ackd/yaml/diagnostic.hpp"
#include "ackd/yaml/files.hpp"

namespace ackd::api {
namespace {

constexpr std::array<std::pair<Scope, std::string_view>, 5> kScopes = {{{Scope::metrics, "metrics"},
                                                                        {Scope::read, "read"},
                                                                        {Scope::agent, "agent"},
                                                                        {Scope::admin, "admin"},
                                                                        {Scope::ingest, "ingest"}}};

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    const auto start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<Scope> scope_from_string(std::string_view name) {
  for (const auto& [scope, text] : kScopes) {
    if (text == name) return scope;
  }
  return std::nullopt;
}

std::string_view to_string(Scope scope) {
  for (const auto& [s, text] : kScopes) {
    if (s == scope) return text;
  }
  return "?";
}

bool allows(Scope held, Scope needed) {
  if (held == Scope::admin || held == needed) return true;
  if (held == Scope::ingest || needed == Scope::ingest) return false;
  return static_cast<int>(held) >= static_cast<int>(needed);
}

std::variant<std::vector<Token>, std::string> parse_tokens(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t number = 0;
  for (std::size_t start = 0; start <= text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const auto w = words(line);
    if (w.empty() || w.front().front() == '#') continue;
    const std::string where = "line " + std::to_string(number);
    if (w.size() > 2) return where + ": expected \"SCOPE TOKEN\" or \"TOKEN\"";
    if (w.size() == 1) {
      tokens.push_back({std::string(w[0]), Scope::admin});
      continue;
    }
    const auto scope = scope_from_string(w[0]);
    if (!scope) {
      std::vector<std::string> names;
      for (const auto& [_, name] : kScopes) names.emplace_back(name);
      std::string message = where + ": unknown scope '" + std::string(w[0]) +
                            "' (metrics, read, agent, admin or ingest)";
      if (auto near = yaml::closest_match(std::string(w[0]), names); !near.empty()) {
        message += "; did you mean '" + near + "'?";
      }
      return message;
    }
    tokens.push_back({std::string(w[1]), *scope});
  }
  if (tokens.empty()) return std::string("holds no token");
  return tokens;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

std::optional<Scope> bearer_scope(const http::Request& request, const std::vector<Token>& tokens) {
  auto header = request[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  auto presented = header.substr(kBearer.size());
  std::optional<Scope> found;
  for (const auto& t : tokens) {
    if (constant_time_equal(presented, t.secret) && !found) found = t.scope;
  }
  return found;
}

absl::StatusOr<std::vector<Token>> read_tokens_file(const std::string& path) {
  std::string error;
  auto content = yaml::read_file(path, error);
  if (!content) return absl::InvalidArgumentError("auth.tokens_file: " + error);
  auto tokens = parse_tokens(*content);
  if (auto* problem = std::get_if<std::string>(&tokens)) {
    return absl::InvalidArgumentError("auth.tokens_file: " + path + ": " + *problem);
  }
  return std::get<std::vector<Token>>(std::move(tokens));
}

}  // namespace ackd::api
