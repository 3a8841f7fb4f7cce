#include "ackd/complaint/complaint.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"

namespace ackd {
namespace {

using nlohmann::json;

absl::Status field_error(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(std::string(field) + ": " + std::string(message));
}

// A required or optional string member; ids may also arrive as JSON numbers.
absl::Status read_string(const json& object, const char* key, std::string_view field, bool required,
                         bool allow_number, std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return required ? field_error(field, "is required") : absl::OkStatus();
  }
  if (it->is_string()) {
    out = it->get<std::string>();
  } else if (allow_number && it->is_number_integer()) {
    out = it->dump();
  } else {
    return field_error(field, "must be a string");
  }
  if (required && out.empty()) return field_error(field, "must not be empty");
  return absl::OkStatus();
}

// Whether `value` nests arrays and objects deeper than `limit`. Counted without recursion:
// a body within the size limit can nest half a million levels.
bool nested_deeper_than(const json& value, std::size_t limit) {
  std::vector<std::pair<const json*, std::size_t>> pending = {{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth > limit) return true;
    for (const auto& child : *node) pending.emplace_back(&child, depth + 1);
  }
  return false;
}

// Metadata is copied, compared and written out by recursive code (nlohmann::json's copy
// and dump), which a deeply nested value would run out of stack.
constexpr std::size_t kMaxMetadataDepth = 32;

}  // namespace

absl::StatusOr<Complaint> complaint_from_json(const json& body) {
  if (!body.is_object()) return absl::InvalidArgumentError("body: must be a JSON object");
  Complaint c;
  absl::Status s;
  if (!(s = read_string(body, "external_id", "external_id", true, true, c.external_id)).ok()) {
    return s;
  }
  if (!(s = read_string(body, "channel", "channel", true, false, c.channel)).ok()) return s;
  // "X", "x" and a full-width "Ｘ" name one channel: the policy and ackd.yaml use the
  // normalised form.
  c.channel = text::normalize(c.channel);
  std::erase_if(c.channel, [](char ch) { return ch == ' ' || ch == '\t'; });
  if (c.channel.empty()) return field_error("channel", "must not be empty");
  auto author = body.find("author");
  if (author == body.end() || author->is_null()) return field_error("author", "is required");
  if (!author->is_object()) return field_error("author", "must be an object");
  if (!(s = read_string(*author, "id", "author.id", true, true, c.author.id)).ok()) return s;
  if (!(s = read_string(*author, "handle", "author.handle", false, false, c.author.handle)).ok()) {
    return s;
  }
  if (!(s = read_string(*author, "name", "author.name", false, false, c.author.name)).ok()) {
    return s;
  }
  if (auto f = author->find("followers"); f != author->end() && !f->is_null()) {
    if (!f->is_number_integer() || f->get<std::int64_t>() < 0) {
      return field_error("author.followers", "must be a whole number, 0 or more");
    }
    c.author.followers = f->get<std::int64_t>();
  }
  for (auto [key, flag] : {std::pair{"verified", &c.author.verified}, {"bot", &c.author.bot}}) {
    if (auto f = author->find(key); f != author->end() && !f->is_null()) {
      if (!f->is_boolean())
        return field_error(std::string("author.") + key, "must be true or false");
      *flag = f->get<bool>();
    }
  }
  auto text = body.find("text");
  if (text == body.end() || text->is_null()) return field_error("text", "is required");
  if (!text->is_string()) return field_error("text", "must be a string");
  c.text = text->get<std::string>();
  if (auto r = body.find("received_at"); r != body.end() && !r->is_null()) {
    if (!r->is_string()) return field_error("received_at", "must be an RFC 3339 time string");
    c.received_at = time::parse_rfc3339(r->get<std::string>());
    if (!c.received_at) {
      return field_error("received_at", "must be an RFC 3339 time like 2026-11-22T10:00:00+09:00");
    }
  }
  if (!(s = read_string(body, "thread_id", "thread_id", false, true, c.thread_id)).ok()) return s;
  // A post that starts a thread is its own thread, so that the replies to it are recognised
  // as the same thread whether or not the connector said so.
  if (c.thread_id.empty()) c.thread_id = c.external_id;
  std::string visibility;
  if (!(s = read_string(body, "visibility", "visibility", false, false, visibility)).ok()) return s;
  if (visibility == "private") {
    c.visibility = Visibility::private_message;
  } else if (!visibility.empty() && visibility != "public") {
    return field_error("visibility", "must be \"public\" or \"private\"");
  }
  std::string lang;
  if (!(s = read_string(body, "lang", "lang", false, false, lang)).ok()) return s;
  if (!lang.empty()) {
    if (lang.size() > 16) return field_error("lang", "must be a language code like ja or en");
    c.lang = lang;
  }
  if (auto m = body.find("metadata"); m != body.end() && !m->is_null()) {
    if (!m->is_object()) return field_error("metadata", "must be an object");
    if (nested_deeper_than(*m, kMaxMetadataDepth)) {
      return field_error(
          "metadata", "must not nest deeper than " + std::to_string(kMaxMetadataDepth) + " levels");
    }
    c.metadata = *m;
  }
  return c;
}

absl::StatusOr<Complaint> parse_complaint(std::string_view body) {
  if (auto bad = text::find_invalid_utf8(body)) {
    return absl::InvalidArgumentError("body: invalid UTF-8 at byte " + std::to_string(*bad));
  }
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError("body: malformed JSON at byte " + std::to_string(e.byte));
  } catch (const json::exception&) {
    // The parser throws more than parse_error: out_of_range for a number no double holds.
    return absl::InvalidArgumentError("body: malformed JSON: a number is out of range");
  }
  return complaint_from_json(parsed);
}

json to_json(const Complaint& c) {
  json author = {{"id", c.author.id}};
  if (!c.author.handle.empty()) author["handle"] = c.author.handle;
  if (!c.author.name.empty()) author["name"] = c.author.name;
  if (c.author.followers) author["followers"] = *c.author.followers;
  if (c.author.verified) author["verified"] = true;
  if (c.author.bot) author["bot"] = true;
  json out = {{"external_id", c.external_id},
              {"channel", c.channel},
              {"author", author},
              {"text", c.text},
              {"visibility", c.visibility == Visibility::public_post ? "public" : "private"}};
  if (c.received_at) out["received_at"] = time::format_rfc3339_utc(*c.received_at);
  if (!c.thread_id.empty()) out["thread_id"] = c.thread_id;
  if (c.lang) out["lang"] = *c.lang;
  if (!c.metadata.empty()) out["metadata"] = c.metadata;
  return out;
}

// A reference's letters: Crockford base32 without look-alikes (no I, L, O, U).
constexpr std::string_view kReferenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::string case_reference(std::string_view channel, std::string_view external_id) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: the same reference on every host
  for (std::string_view part : {channel, std::string_view("\0", 1), external_id}) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  }
  std::string out = "AK-";
  for (int i = 0; i < 6; ++i) {
    out += kReferenceAlphabet[h & 31];
    h >>= 5;
  }
  return out;
}

bool looks_like_case_reference(std::string_view text) {
  return text.size() == 9 && text.substr(0, 3) == "AK-" &&
         std::all_of(text.begin() + 3, text.end(),
                     [](char c) { return kReferenceAlphabet.find(c) != std::string_view::npos; });
}

std::string_view to_string(Visibility v) {
  return v == Visibility::public_post ? "public" : "private";
}

}  // namespace ackd
