// safety: banned phrases, own accounts, the reply rate limit, names, personal data, and
// storm (flame) mode.
#include <re2/re2.h>

#include <algorithm>

#include "ackd/text/normalize.hpp"
#include "loader.hpp"

namespace ackd::policy {

void Loader::compile_storm() {
  // A safety that is not a mapping is reported by compile_safety; indexing it would throw.
  if (!safety_ || !safety_->value.IsMap()) return;
  yaml::Reader& r = *safety_->reader;
  const YAML::Node& storm = safety_->value["storm"];
  if (!storm || !r.is_map(storm, "safety.storm")) return;
  r.check_keys(storm, {"threshold", "within", "template", "notify", "group_wait"}, "safety.storm");
  StormMode mode;
  bool ok = true;
  if (auto t = storm["threshold"]) {
    auto n = r.integer(t, "threshold");
    if (n && *n < 1) r.error(t, "threshold must be at least 1");
    ok = ok && n && *n >= 1;
    if (n) mode.threshold = *n;
  } else {
    r.error(storm, "safety.storm needs threshold and within", yaml::Code::missing);
    ok = false;
  }
  if (auto w = storm["within"]) {
    auto d = r.duration(w, "within");
    ok = ok && d.has_value();
    if (d) mode.within = *d;
  } else if (ok) {
    r.error(storm, "safety.storm needs threshold and within", yaml::Code::missing);
    ok = false;
  }
  if (auto t = storm["template"]; t && !(t.IsScalar() && t.Scalar() == "none")) {
    mode.template_index = template_named(t, r);
    ok = ok && mode.template_index;
  }
  if (auto n = storm["notify"]) {
    if (auto sink = r.string(n, "notify")) {
      mode.notify = *sink;
      mode.notify_where = r.at(n);
    }
  }
  if (auto g = storm["group_wait"]) {
    auto d = r.duration(g, "group_wait");
    ok = ok && d.has_value();
    if (d) mode.group_wait = *d;
  }
  if (ok) policy_->safety.storm = mode;
}

void Loader::compile_safety() {
  Safety& s = policy_->safety;
  s.pii_patterns = text::default_pii_patterns();
  s.name_fallback = {{"ja", "お客"}, {"en", "valued customer"}};
  if (!safety_) return;
  yaml::Reader& r = *safety_->reader;
  const YAML::Node& node = safety_->value;
  if (!r.is_map(node, "safety")) return;
  r.check_keys(
      node, {"banned", "replies_per_author", "name", "pii", "own_accounts", "storm", "stale_after"},
      "safety");
  if (auto stale = node["stale_after"]) {
    if (auto after = r.duration(stale, "stale_after")) {
      if (after->count() <= 0) {
        r.error(stale, "stale_after must be above 0");
      } else {
        s.stale_after = *after;
      }
    }
  }
  if (auto own = node["own_accounts"]) {
    if (auto accounts = expand(own, "own_accounts", r)) {
      for (const auto& account : *accounts) {
        if (auto key = account_key(account); !key.empty()) s.own_accounts.push_back(key);
      }
    }
  }
  if (auto banned = node["banned"]) {
    if (auto phrases = expand(banned, "banned", r)) {
      for (const auto& phrase : *phrases) {
        std::string folded = text::normalize(phrase);
        if (folded.empty()) continue;
        s.banned.push_back(phrase);
        s.banned_normalized.push_back(folded);
      }
    }
  }
  s.name.banned = s.banned_normalized;
  if (auto limit = node["replies_per_author"]; limit && r.is_map(limit, "replies_per_author")) {
    r.check_keys(limit, {"max", "per"}, "replies_per_author");
    if (!limit["max"] || !limit["per"]) {
      r.error(limit, "replies_per_author needs max and per", yaml::Code::missing);
    } else {
      auto max = r.integer(limit["max"], "max");
      auto per = r.duration(limit["per"], "per");
      if (max && *max < 0) {
        r.error(limit["max"], "max must be 0 or more");
      } else if (max && per) {
        s.replies_per_author = RateLimit{*max, *per};
      }
    }
  }
  if (auto name = node["name"]; name && r.is_map(name, "name")) {
    r.check_keys(name, {"max_chars", "fallback", "deny"}, "safety.name");
    if (auto m = name["max_chars"]) {
      auto v = r.integer(m, "max_chars");
      if (v && (*v < 1 || *v > 100)) r.error(m, "name max_chars must be between 1 and 100");
      if (v && *v >= 1 && *v <= 100) s.name.max_chars = static_cast<std::size_t>(*v);
    }
    if (auto f = name["fallback"]; f && r.is_map(f, "fallback")) {
      for (const auto& item : f) {
        auto lang = item.first.Scalar();
        if (!is_lang_code(lang)) r.error(item.first, "'" + lang + "' is not a language code");
        if (auto text = r.string(item.second, "fallback")) s.name_fallback[lang] = *text;
      }
    }
    if (auto deny = name["deny"]) {
      if (auto words = expand(deny, "deny", r)) {
        for (const auto& word : *words) text::deny_word(s.name, word);
      }
    }
  }
  if (auto pii = node["pii"]; pii && r.is_map(pii, "pii")) {
    for (const auto& item : pii) {
      const std::string kind = item.first.Scalar();
      auto regex = r.string(item.second, "pii pattern '" + kind + "'");
      if (!regex) continue;
      auto& patterns = s.pii_patterns;
      auto same = std::find_if(patterns.begin(), patterns.end(),
                               [&](const auto& p) { return p.kind == kind; });
      if (*regex == "none") {
        if (same != patterns.end()) patterns.erase(same);
        continue;
      }
      RE2 compiled(*regex, RE2::Quiet);
      if (!compiled.ok()) {
        r.error(item.second, "invalid regex for pii '" + kind + "': " + compiled.error());
        continue;
      }
      if (same != patterns.end()) {
        same->regex = *regex;
      } else {
        patterns.push_back({kind, *regex});
      }
    }
  }
}

}  // namespace ackd::policy
