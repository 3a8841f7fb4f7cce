#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "ackd/http/server.hpp"

namespace ackd::api {

// What a bearer token may do. metrics, read, agent and admin each include the ones before
// them (metrics: /metrics; read: cases, handoffs, reports; agent: claim, release, resolve;
// admin: the kill switch and everything else); ingest, for a connector that posts
// complaints, is only that. Admin may ingest too.
enum class Scope { metrics, read, agent, admin, ingest };

std::optional<Scope> scope_from_string(std::string_view name);
std::string_view to_string(Scope scope);
bool allows(Scope held, Scope needed);

struct Token {
  std::string secret;
  Scope scope = Scope::admin;
};

// auth.tokens_file: one token a line, "SCOPE TOKEN" or a bare "TOKEN" (admin: what every
// token could do before scopes); blank lines and "#" comments skipped. Why not, naming the
// line and never the token, when a line has an unknown scope or more than two words.
std::variant<std::vector<Token>, std::string> parse_tokens(std::string_view text);
// The file read and parsed; why not, prefixed "auth.tokens_file: ".
absl::StatusOr<std::vector<Token>> read_tokens_file(const std::string& path);

// The scope of the request's "Authorization: Bearer T", T one of `tokens`; none without
// one. Every token is compared in full, so timing tells nothing of a token.
std::optional<Scope> bearer_scope(const http::Request& request, const std::vector<Token>& tokens);

// Compares every byte whatever the first difference.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace ackd::api
