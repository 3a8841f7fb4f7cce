#include "ackd/policy/suite.hpp"

#include <algorithm>

#include "ackd/policy/evaluate.hpp"
#include "yaml/reader.hpp"

namespace ackd::policy {
namespace {

// YAML scalars become JSON numbers or booleans only when written plainly; quoted values stay
// strings, so `id: "7"` and `id: 7` both mean what the author wrote.
nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      auto out = nlohmann::json::object();
      for (const auto& item : node) out[item.first.Scalar()] = to_json(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      auto out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      if (node.Tag() == "?") {
        std::int64_t n = 0;
        bool b = false;
        if (YAML::convert<std::int64_t>::decode(node, n)) return n;
        if (YAML::convert<bool>::decode(node, b)) return b;
      }
      return node.Scalar();
    }
    default:
      return nullptr;
  }
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

class CaseRunner {
 public:
  CaseRunner(const Policy& policy, yaml::Reader& reader) : policy_(policy), r_(reader) {}

  std::optional<TestCaseResult> run(const YAML::Node& node, std::size_t index) {
    if (!r_.is_map(node, "a test case")) return std::nullopt;
    r_.check_keys(node, {"name", "at", "complaint", "history", "expect"}, "a test case");
    TestCaseResult result;
    result.where = r_.at(node);
    result.name = node["name"] && node["name"].IsScalar() ? node["name"].Scalar()
                                                          : "case #" + std::to_string(index + 1);
    time::Instant at =
        std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
    if (auto a = node["at"]) {
      auto parsed = a.IsScalar() ? time::parse_rfc3339(a.Scalar()) : std::nullopt;
      if (!parsed) {
        r_.error(a, "at must be an RFC 3339 time like 2026-11-23T22:00:00+09:00");
        return std::nullopt;
      }
      at = *parsed;
    }
    if (!node["complaint"]) {
      r_.error(node, "a test case needs a complaint");
      return std::nullopt;
    }
    auto body = to_json(node["complaint"]);
    if (body.is_object() && !body.contains("external_id")) {
      body["external_id"] = "test-" + std::to_string(index + 1);
    }
    auto complaint = complaint_from_json(body);
    if (!complaint.ok()) {
      r_.error(node["complaint"], "complaint: " + std::string(complaint.status().message()));
      return std::nullopt;
    }
    AuthorHistory history;
    if (auto h = node["history"]; h && !read_history(h, history)) return std::nullopt;
    auto decision = evaluate(policy_, *complaint, history, at);
    if (auto e = node["expect"]; e && r_.is_map(e, "expect")) {
      check(e, decision, result.failures);
    } else if (!e) {
      r_.error(node, "a test case needs expect");
      return std::nullopt;
    }
    return result;
  }

 private:
  bool read_history(const YAML::Node& h, AuthorHistory& history) {
    if (!r_.is_map(h, "history")) return false;
    r_.check_keys(h, {"complaints", "replies", "thread_answered", "echoes_our_reply"}, "history");
    for (auto [key, out] : {std::pair{"thread_answered", &history.thread_answered},
                            std::pair{"echoes_our_reply", &history.echoes_our_reply}}) {
      if (!h[key]) continue;
      auto flag = r_.boolean(h[key], key);
      if (!flag) return false;
      *out = *flag;
    }
    for (auto [key, out] :
         {std::pair{"complaints", &history.complaints}, std::pair{"replies", &history.replies}}) {
      if (!h[key]) continue;
      auto times = r_.strings(h[key], key);
      if (!times) return false;
      for (const auto& t : *times) {
        auto parsed = time::parse_rfc3339(t);
        if (!parsed) {
          r_.error(h[key], "'" + t + "' is not an RFC 3339 time");
          return false;
        }
        out->push_back(*parsed);
      }
    }
    return true;
  }

  void expect_equal(const std::string& what, const std::string& expected, const std::string& actual,
                    std::vector<std::string>& failures) {
    if (expected != actual) {
      failures.push_back(what + ": expected " + quoted(expected) + ", got " + quoted(actual));
    }
  }

  void check(const YAML::Node& e, const Decision& d, std::vector<std::string>& failures) {
    r_.check_keys(e, {"rule", "priority", "reply", "handoff"}, "expect");
    if (auto rule = e["rule"]) expect_equal("rule", rule.Scalar(), d.rule_id, failures);
    if (auto p = e["priority"]) expect_equal("priority", p.Scalar(), d.priority, failures);
    if (auto reply = e["reply"]) check_reply(reply, d, failures);
    if (auto handoff = e["handoff"]) check_handoff(handoff, d, failures);
  }

  void check_reply(const YAML::Node& e, const Decision& d, std::vector<std::string>& failures) {
    const std::string actual_status(to_string(d.reply_status));
    if (e.IsScalar()) {
      // reply: none | queued | suppressed
      expect_equal("reply", e.Scalar(), actual_status, failures);
      return;
    }
    if (!r_.is_map(e, "expect.reply")) return;
    r_.check_keys(e, {"status", "visibility", "contains", "not_contains", "lang", "template"},
                  "expect.reply");
    if (!d.reply) {
      failures.push_back("reply: expected a reply, got none");
      return;
    }
    if (auto s = e["status"]) expect_equal("reply.status", s.Scalar(), actual_status, failures);
    if (auto v = e["visibility"]) {
      expect_equal("reply.visibility", v.Scalar(), d.reply->direct_message ? "dm" : "public",
                   failures);
    }
    if (auto l = e["lang"]) expect_equal("reply.lang", l.Scalar(), d.reply->lang, failures);
    if (auto t = e["template"]) {
      expect_equal("reply.template", t.Scalar(), d.reply->template_name, failures);
    }
    if (auto c = e["contains"]) {
      for (const auto& s : r_.strings(c, "contains").value_or(std::vector<std::string>{})) {
        if (d.reply->text.find(s) == std::string::npos) {
          failures.push_back("reply.contains: " + quoted(s) + " not in " + quoted(d.reply->text));
        }
      }
    }
    if (auto c = e["not_contains"]) {
      for (const auto& s : r_.strings(c, "not_contains").value_or(std::vector<std::string>{})) {
        if (d.reply->text.find(s) != std::string::npos) {
          failures.push_back("reply.not_contains: " + quoted(s) + " is in " +
                             quoted(d.reply->text));
        }
      }
    }
  }

  void check_handoff(const YAML::Node& e, const Decision& d, std::vector<std::string>& failures) {
    if (e.IsScalar() && e.Scalar() == "none") {
      if (d.handoff)
        failures.push_back("handoff: expected none, got team " + quoted(d.handoff->team));
      return;
    }
    if (!r_.is_map(e, "expect.handoff (or none)")) return;
    r_.check_keys(e, {"team", "deadline"}, "expect.handoff");
    if (!d.handoff) {
      failures.push_back("handoff: expected a handoff, got none");
      return;
    }
    if (auto t = e["team"]) expect_equal("handoff.team", t.Scalar(), d.handoff->team, failures);
    if (auto dl = e["deadline"]) {
      auto expected = dl.IsScalar() ? time::parse_rfc3339(dl.Scalar()) : std::nullopt;
      if (!expected) {
        r_.error(dl, "deadline must be an RFC 3339 time");
      } else if (*expected != d.handoff->deadline) {
        failures.push_back("handoff.deadline: expected " + quoted(dl.Scalar()) + ", got " +
                           quoted(d.handoff->deadline_text));
      }
    }
  }

  const Policy& policy_;
  yaml::Reader& r_;
};

}  // namespace

std::vector<TestCaseResult> run_policy_tests(const Policy& policy, const SourceFile& tests,
                                             Diagnostics& diagnostics) {
  yaml::Reader reader(tests.path, diagnostics);
  std::vector<TestCaseResult> results;
  YAML::Node root = reader.parse(tests.content);
  if (!root.IsDefined()) return results;
  if (!reader.is_map(root, "a test file")) return results;
  reader.check_keys(root, {"cases"}, "a test file");
  auto cases = root["cases"];
  if (!cases || !reader.is_sequence(cases, "cases")) {
    if (!cases) reader.error(root, "a test file needs cases:");
    return results;
  }
  CaseRunner runner(policy, reader);
  std::size_t index = 0;
  for (const auto& c : cases) {
    if (auto result = runner.run(c, index)) results.push_back(std::move(*result));
    ++index;
  }
  return results;
}

}  // namespace ackd::policy
