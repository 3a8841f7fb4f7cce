#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ackd/time/instant.hpp"
#include "nlohmann/json.hpp"

namespace ackd {

enum class Visibility { public_post, private_message };

struct Author {
  std::string id;
  std::string handle;
  std::string name;
  std::optional<std::int64_t> followers;
  bool verified = false;
  bool bot = false;  // the platform marks the author as automated
  // Why, when a connector knows ("Auto-Submitted: auto-replied (RFC 3834)"): for the
  // decision's reason. Not part of the API's JSON.
  std::string bot_reason;
};

// A complaint as a connector posts it (CONTRACT.md, POST /v1/complaints).
struct Complaint {
  std::string external_id;
  std::string channel;  // normalised (NFKC, case-folded): "X" is "x"
  Author author;
  std::string text;
  std::optional<time::Instant> received_at;
  std::string thread_id;  // the thread it belongs to; its own external_id when it starts one
  Visibility visibility = Visibility::public_post;
  std::optional<std::string> lang;
  nlohmann::json metadata = nlohmann::json::object();
};

// What the store knows of the author's past: the times of their earlier complaints and
// of the automatic replies they were sent. Evaluation counts these within windows.
struct AuthorHistory {
  std::vector<time::Instant> complaints;
  std::vector<time::Instant> replies;
  // An automatic reply already went (or is owed) in this complaint's thread: one per thread,
  // so two bots answering each other stop after one reply each.
  bool thread_answered = false;
  // The text reads as a reply ackd sent within the last 24 hours: a bot quoting us back.
  bool echoes_our_reply = false;
};

// Validates and converts a parsed JSON body. Errors are InvalidArgument with a message
// that starts with the offending field: "author.id: must be a non-empty string".
absl::StatusOr<Complaint> complaint_from_json(const nlohmann::json& body);

// The same from raw bytes, adding JSON syntax and UTF-8 errors.
absl::StatusOr<Complaint> parse_complaint(std::string_view body);

nlohmann::json to_json(const Complaint& complaint);

// A short case reference customers can quote ("AK-7KQ2M9"), stable for a complaint.
std::string case_reference(std::string_view channel, std::string_view external_id);
// Whether `text` has a reference's shape ("AK-" and six of its letters), not a case id.
bool looks_like_case_reference(std::string_view text);

std::string_view to_string(Visibility v);

}  // namespace ackd
