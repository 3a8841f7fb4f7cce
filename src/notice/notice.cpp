#include "ackd/notice/notice.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "ackd/json/member.hpp"
#include "ackd/text/excerpt.hpp"
#include "ackd/time/zone.hpp"

namespace ackd::notice {
namespace {

using nlohmann::json;

SentReply read_reply(const json& payload) {
  SentReply out;
  auto it = payload.find("reply");
  if (it == payload.end() || !it->is_object()) return out;
  out.sent = json_text(*it, "status") == "queued";
  out.direct = json_text(*it, "visibility") == "dm";
  out.text = json_text(*it, "text");
  out.reason = json_text(*it, "reason");
  return out;
}

Case read_case(const json& payload) {
  Case c;
  c.id = json_text(payload, "complaint_id");
  c.reference = json_text(payload, "reference");
  c.priority = json_text(payload, "priority");
  c.rule = json_text(payload, "rule");
  c.channel = json_text(payload, "channel");
  if (auto a = payload.find("author"); a != payload.end() && a->is_object()) {
    c.author_id = json_text(*a, "id");
    c.author_name = json_text(*a, "name");
  }
  c.text = json_text(payload, "text");
  c.deadline_text = json_text(payload, "deadline");
  c.deadline = time::parse_rfc3339(c.deadline_text);
  c.time_zone = json_text(payload, "time_zone");
  c.reply = read_reply(payload);
  return c;
}

std::string plural(std::size_t n, std::string_view one) {
  return std::to_string(n) + " " + std::string(one) + (n == 1 ? "" : "s");
}

// "1h 25m", "2d 3h", "under a minute": how long, to the minute.
std::string span(std::chrono::seconds d) {
  using namespace std::chrono;
  const auto m = duration_cast<minutes>(d).count();
  if (m < 1) return "under a minute";
  const auto days = m / (24 * 60);
  const auto hours = (m / 60) % 24;
  const auto mins = m % 60;
  std::string out;
  if (days > 0) out += std::to_string(days) + "d";
  if (hours > 0) out += (out.empty() ? "" : " ") + std::to_string(hours) + "h";
  if (mins > 0 && days == 0) out += (out.empty() ? "" : " ") + std::to_string(mins) + "m";
  return out;
}

}  // namespace

std::variant<Notice, std::string> read_notice(plan::Kind kind, std::string_view payload) {
  if (kind == plan::Kind::reply) return std::string("a reply is not a notice");
  auto doc = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::string("the notice's payload is not a JSON object");
  Notice n;
  n.kind = kind;
  if (kind == plan::Kind::incident) {
    Storm s;
    s.rule = json_text(doc, "rule");
    if (auto t = doc.find("threshold"); t != doc.end() && t->is_number_integer()) {
      s.threshold = t->get<long long>();
    }
    s.within = json_text(doc, "within");
    s.public_replies = json_text(doc, "public_replies");
    n.storm = std::move(s);
    n.cases.push_back(read_case(doc));
    return n;
  }
  n.team = json_text(doc, "team");
  n.priority = json_text(doc, "priority");
  if (auto l = doc.find("level"); l != doc.end() && l->is_number_integer()) n.level = l->get<int>();
  if (auto cases = doc.find("cases"); cases != doc.end() && cases->is_array()) {
    for (const auto& c : *cases) {
      if (c.is_object()) n.cases.push_back(read_case(c));
    }
    n.count = n.cases.size();
    if (auto count = doc.find("count"); count != doc.end() && count->is_number_unsigned()) {
      n.count = std::max(n.count, count->get<std::size_t>());
    }
  } else {
    n.cases.push_back(read_case(doc));
  }
  if (n.cases.empty()) return std::string("the notice names no case");
  return n;
}

std::string headline(const Notice& n) {
  if (n.storm) {
    return "STORM · rule " + n.storm->rule + ": " + std::to_string(n.storm->threshold) +
           " complaints within " + n.storm->within;
  }
  const std::string cases = n.count > 1 ? plural(n.count, "case") : "case";
  const std::string lead = (n.priority.empty() ? "" : n.priority + " · ");
  switch (n.kind) {
    case plan::Kind::handoff:
      return lead + "New " + cases + " for " + n.team;
    case plan::Kind::escalation:
      return lead + "ESCALATION level " + std::to_string(n.level) + " · " + n.team +
             (n.count > 1 ? " has not claimed " + cases : " has not claimed it");
    case plan::Kind::breach:
      return lead + "BREACHED · " + n.team + " missed the deadline" +
             (n.count > 1 ? " on " + cases : "");
    case plan::Kind::followup:
      return lead + "Follow-up due · " + n.team;
    default:
      return lead + std::string(plan::to_string(n.kind)) + " · " + n.team;
  }
}

std::string_view marker(const Notice& n) {
  if (n.storm) return "\U0001F329\uFE0F";  // cloud with lightning
  switch (n.kind) {
    case plan::Kind::escalation:
      return "\u26A0\uFE0F";  // warning sign
    case plan::Kind::breach:
      return "\U0001F6A8";  // rotating light
    case plan::Kind::followup:
      return "\U0001F501";  // repeat
    default:
      return "\U0001F4E8";  // incoming envelope
  }
}

int severity(const Notice& n) {
  if (n.storm || n.kind == plan::Kind::breach) return 2;
  return n.kind == plan::Kind::escalation ? 1 : 0;
}

std::string time_left(const Case& c, time::Instant now) {
  if (!c.deadline) return "";
  const auto zone = time::Zone::load(c.time_zone);
  const std::string at =
      "(" + (zone ? zone->format_for_reader(*c.deadline, "en", now) : c.deadline_text) + ")";
  if (*c.deadline >= now) return "due in " + span(*c.deadline - now) + " " + at;
  return "overdue by " + span(now - *c.deadline) + " " + at;
}

std::string case_link(std::string_view console_url, std::string_view case_id) {
  if (console_url.empty() || case_id.empty()) return "";
  std::string out(console_url);
  if (!out.ends_with('/')) out += '/';
  return out + "cases/" + std::string(case_id);
}

std::string customer(const Case& c) {
  const std::string name = text::excerpt(c.author_name, 100);
  const std::string id = text::excerpt(c.author_id, 100);
  if (name.empty()) return id.empty() ? "unknown customer" : id;
  return id.empty() ? name : name + " (" + id + ")";
}

std::string where(const Case& c) {
  const std::string channel = c.channel.empty() ? "unknown channel" : c.channel;
  if (!c.reply.sent) return channel;
  return channel + ", " + (c.reply.direct ? "direct message" : "public");
}

std::vector<Fact> facts(const Case& c, time::Instant now) {
  std::vector<Fact> out;
  if (!c.reference.empty()) out.push_back({"Reference", c.reference});
  if (auto left = time_left(c, now); !left.empty()) out.push_back({"Deadline", std::move(left)});
  if (!c.rule.empty()) out.push_back({"Rule", c.rule});
  out.push_back({"Channel", where(c)});
  return out;
}

std::string answered(const Case& c, std::size_t max_chars) {
  if (c.reply.sent) {
    return std::string("ackd answered ") + (c.reply.direct ? "by direct message" : "in public") +
           ": “" + text::excerpt(c.reply.text, max_chars) + "”" +
           (c.reply.reason.empty() ? "" : " (" + c.reply.reason + ")");
  }
  return "No automatic answer" + (c.reply.reason.empty() ? "" : ": " + c.reply.reason);
}

}  // namespace ackd::notice
