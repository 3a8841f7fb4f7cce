// A policy file as a support lead might write it, or as a broken editor might save it:
// loading must report problems as diagnostics (never throw, crash or exhaust the stack),
// and a policy that loads must decide every complaint within the promises `ackd check`
// makes (a reply fits its channel, the chosen rule exists). The same text also goes
// through the daemon's configuration parser, which reads YAML the same way.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/config/config.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/text/length.hpp"
#include "ackd/text/utf8.hpp"
#include "ackd/time/instant.hpp"

namespace {

using ackd::time::Instant;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

Instant at(const char* rfc3339) {
  return *ackd::time::parse_rfc3339(rfc3339);
}

ackd::Complaint complaint(std::string channel, std::string lang, std::string name,
                          std::string text) {
  ackd::Complaint c;
  c.external_id = "1790000000000000001";
  c.channel = std::move(channel);
  c.author.id = "42";
  c.author.handle = "@taro_y";
  c.author.name = std::move(name);
  c.text = std::move(text);
  if (!lang.empty()) c.lang = std::move(lang);
  return c;
}

// A few complaints that between them reach most kinds of condition and every reply path.
const std::vector<ackd::Complaint>& complaints() {
  static const std::vector<ackd::Complaint> all = [] {
    std::vector<ackd::Complaint> v;
    v.push_back(complaint("x", "", "山田太郎", "充電器から煙が出ました。返金してください"));
    v.back().received_at = at("2026-11-23T22:00:00+09:00");
    v.back().author.followers = 120000;
    v.back().author.verified = true;
    v.push_back(complaint("email", "en-GB", "Jane @jane https://evil.example {{ref}}",
                          "I was charged twice, call me at 090-1234-5678 or jane@example.com"));
    v.back().visibility = ackd::Visibility::private_message;
    v.push_back(complaint("chat", "de", "\xE2\x80\xAE\xE2\x80\x8B", "Lieferung fehlt"));
    v.back().author.bot = true;
    v.back().author.followers = 0;
    v.push_back(complaint("instagram", "ja", "ＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷＷ",
                          "ｹﾑﾘ が出た ＦＩＲＥ"));
    return v;
  }();
  return all;
}

const ackd::AuthorHistory& history() {
  static const ackd::AuthorHistory h = {
      {at("2026-11-23T10:00:00+09:00"), at("2026-11-23T21:00:00+09:00")},
      {at("2026-11-23T10:00:05+09:00")}};
  return h;
}

void evaluate_all(const ackd::policy::Policy& policy) {
  const Instant now = at("2026-11-24T09:30:00+09:00");
  for (const auto& c : complaints()) {
    for (bool trace : {false, true}) {
      auto d = ackd::policy::evaluate(policy, c, history(), now, {trace});
      check(policy.rule(d.rule_id) != nullptr);
      (void)ackd::policy::to_json(d).dump();
      if (!d.reply) continue;
      check(!ackd::text::find_invalid_utf8(d.reply->text));
      auto channel = policy.channels.find(c.channel);
      if (channel != policy.channels.end() && channel->second.max_chars > 0) {
        check(ackd::text::platform_length(d.reply->text, channel->second.counting) <=
              channel->second.max_chars);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = ackd::policy::load_policy({{"fuzz.yaml", text}});
  check(loaded.policy == nullptr || loaded.diagnostics.empty());
  check(loaded.policy != nullptr || !loaded.diagnostics.empty());
  for (const auto& d : loaded.diagnostics.sorted()) {
    check(d.to_string().rfind("fuzz.yaml:", 0) == 0);
  }
  if (loaded.policy) evaluate_all(*loaded.policy);

  auto config = ackd::config::parse_config({"ackd.yaml", text});
  check(config.config.has_value() == config.diagnostics.empty());
  if (config.config && loaded.policy) {
    ackd::policy::Diagnostics references;
    ackd::config::check_references(*config.config, *loaded.policy, references);
  }
  return 0;
}
