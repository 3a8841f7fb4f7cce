#include "ackd/policy/evaluate.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "ackd/text/lang.hpp"
#include "ackd/text/name.hpp"
#include "ackd/text/normalize.hpp"

namespace ackd::policy {

std::string_view to_string(ReplyStatus s) {
  switch (s) {
    case ReplyStatus::none:
      return "none";
    case ReplyStatus::queued:
      return "queued";
    case ReplyStatus::suppressed:
      return "suppressed";
  }
  return "none";
}

namespace {

// What is known about one complaint, computed once and shared by every rule.
struct Facts {
  std::array<std::string, kTextFieldCount> text;
  std::array<std::vector<std::uint32_t>, kTextFieldCount> hits;  // sorted keyword ids
  std::optional<std::string_view> pii;
  std::string_view lang_source;  // how the reader's language was found; "" for the default
  const Complaint* complaint = nullptr;
  const AuthorHistory* history = nullptr;
  time::Instant at;   // when the customer posted it (received_at, at most now)
  time::Instant now;  // when it reached ackd
};

// The language to answer in: the one given with the complaint, else the one its text is
// written in, else the policy's default. `source` says which, for the decision's notes.
std::string reader_lang(const Policy& p, const Complaint& c, std::string_view& source) {
  if (c.lang) {
    std::string lang;
    for (char ch : *c.lang) {
      if (ch == '-' || ch == '_') break;
      lang += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    if (!lang.empty()) {
      source = "given with the complaint";
      return lang;
    }
  }
  if (auto detected = text::detect_language(c.text)) {
    source = detected->reliable ? "detected in the text" : "guessed from a short text";
    return std::string(detected->code);
  }
  source = {};
  return p.default_lang;
}

std::size_t count_within(const std::vector<time::Instant>& times, time::Instant at,
                         time::Seconds window) {
  return static_cast<std::size_t>(std::count_if(
      times.begin(), times.end(), [&](time::Instant t) { return t <= at && at - t < window; }));
}

bool compare(std::int64_t value, Comparison op, std::int64_t bound) {
  switch (op) {
    case Comparison::gte:
      return value >= bound;
    case Comparison::gt:
      return value > bound;
    case Comparison::lte:
      return value <= bound;
    case Comparison::lt:
      return value < bound;
    case Comparison::eq:
      return value == bound;
  }
  return false;
}

class RuleMatcher {
 public:
  RuleMatcher(const Policy& p, const Facts& f, std::vector<std::string>* reasons)
      : p_(p), f_(f), reasons_(reasons) {}

  bool holds(const Condition& c) {
    switch (c.kind) {
      case Condition::Kind::all_of:
        for (const auto& child : c.children) {
          if (!holds(child)) return false;
        }
        return true;
      case Condition::Kind::any_of: {
        for (const auto& child : c.children) {
          if (holds(child)) return true;
        }
        note(c, false, "no alternative held");
        return false;
      }
      case Condition::Kind::negation: {
        // The child's own reasons would read backwards here, so only the outcome is noted.
        RuleMatcher quiet(p_, f_, nullptr);
        bool inner = quiet.holds(c.children.front());
        note(c, !inner, inner ? "the inner condition held" : "the inner condition did not hold");
        return !inner;
      }
      case Condition::Kind::equals: {
        const std::string& value = f_.text[static_cast<std::size_t>(c.field)];
        bool ok = std::find(c.values.begin(), c.values.end(), value) != c.values.end();
        note(c, ok, "is '" + value + "'");
        return ok;
      }
      case Condition::Kind::keywords:
        return keywords(c);
      case Condition::Kind::regex: {
        bool ok = RE2::PartialMatch(f_.text[static_cast<std::size_t>(c.field)], *c.regex);
        note(c, ok, ok ? "matched" : "no match");
        return ok;
      }
      case Condition::Kind::number: {
        const auto& followers = f_.complaint->author.followers;
        bool ok = followers && compare(*followers, c.comparison, c.number);
        note(c, ok, followers ? "is " + std::to_string(*followers) : "is not given");
        return ok;
      }
      case Condition::Kind::boolean: {
        bool value = c.field == Field::pii ? f_.pii.has_value() : f_.complaint->author.verified;
        bool ok = value == c.flag;
        std::string detail = c.field == Field::pii && f_.pii
                                 ? "found " + std::string(*f_.pii)
                                 : std::string(value ? "is true" : "is false");
        note(c, ok, detail);
        return ok;
      }
      case Condition::Kind::repeat: {
        // This complaint counts as one of the author's complaints in the window.
        auto n =
            static_cast<std::int64_t>(count_within(f_.history->complaints, f_.at, c.window)) + 1;
        bool ok = compare(n, c.comparison, c.number);
        note(c, ok, std::to_string(n) + " complaints in the window");
        return ok;
      }
      case Condition::Kind::time: {
        const auto& cal = p_.calendars[c.calendar].calendar;
        bool open = cal.is_open(f_.at);
        bool ok = open == c.flag;
        note(c, ok,
             std::string(open ? "open" : "closed") + " at " + cal.zone().format_rfc3339(f_.at));
        return ok;
      }
    }
    return false;
  }

 private:
  bool keywords(const Condition& c) {
    const auto& set = p_.keywords[static_cast<std::size_t>(c.field)];
    const auto& hits = f_.hits[static_cast<std::size_t>(c.field)];
    // Both lists are sorted; walking them together costs the shorter one's length in
    // practice, so a list of 10,000 keywords is not read when a text holds two.
    std::size_t found = 0;
    std::string which;
    for (auto id : hits) {
      if (!std::binary_search(c.keyword_ids.begin(), c.keyword_ids.end(), id)) continue;
      ++found;
      if (reasons_) which += (which.empty() ? "'" : ", '") + set.keyword(id) + "'";
    }
    bool ok = c.mode == KeywordMode::any   ? found > 0
              : c.mode == KeywordMode::all ? found == c.keyword_ids.size()
                                           : found == 0;
    if (reasons_) note(c, ok, found ? "found " + which : "found none");
    return ok;
  }

  void note(const Condition& c, bool ok, const std::string& detail) {
    if (!reasons_) return;
    reasons_->push_back((ok ? "yes  " : "no   ") + c.label + ": " + detail);
  }

  const Policy& p_;
  const Facts& f_;
  std::vector<std::string>* reasons_;
};

void gather_facts(const Policy& p, const Complaint& c, Facts& f) {
  const std::array<std::string_view, kTextFieldCount> raw = {
      c.channel,    c.visibility == Visibility::public_post ? "public" : "private",
      "",           c.text,
      c.author.id,  c.author.handle,
      c.author.name};
  for (std::size_t i = 0; i < kTextFieldCount; ++i) {
    if (static_cast<Field>(i) == Field::lang) continue;
    text::normalize_into(raw[i], f.text[i]);
    // `f` outlives the policy it was last filled for (a reload, replay --compare): hits
    // left from another policy would name keywords, and index rules, this one lacks.
    f.hits[i].clear();
    if (p.field_has_keywords[i]) p.keywords[i].match_ids(f.text[i], f.hits[i]);
  }
  f.pii = p.pii->find(f.text[static_cast<std::size_t>(Field::text)]);
}

// The rules worth trying, in order: those whose required keyword was found, and the rest.
void candidate_rules(const Policy& p, const Facts& f, std::vector<std::uint32_t>& out) {
  out = p.unindexed_rules;
  for (auto id : f.hits[static_cast<std::size_t>(Field::text)]) {
    const auto& rules = p.rules_by_text_keyword[id];
    out.insert(out.end(), rules.begin(), rules.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// The name as the reply shows it, or the policy's polite fallback when there is no safe
// one. A name that repeats the complaint's words would quote the customer in public.
std::string display_name(const Policy& p, const Complaint& c, std::string_view normalized_text,
                         const std::string& lang) {
  std::string name = text::sanitize_name(c.author.name, p.safety.name);
  if (!name.empty() && !text::repeats_text(name, normalized_text)) return name;
  if (auto f = p.safety.name_fallback.find(lang); f != p.safety.name_fallback.end()) {
    return f->second;
  }
  if (auto f = p.safety.name_fallback.find(p.default_lang); f != p.safety.name_fallback.end()) {
    return f->second;
  }
  return {};
}

Handoff plan_handoff(const Policy& p, const HandoffSpec& spec, time::Instant start) {
  const Team& team = p.teams[spec.team];
  const NamedCalendar& cal = p.calendars[spec.calendar];
  // A validated calendar opens every week; wall-clock time is the fallback if a decade
  // of holidays ever leaves no open time.
  auto on_calendar = [&](time::Seconds d) {
    return cal.calendar.add_open_time(start, d).value_or(start + d);
  };
  Handoff h;
  h.team = team.name;
  h.sink = team.notify;
  h.calendar = cal.name;
  h.deadline = on_calendar(spec.within);
  h.deadline_text = cal.calendar.zone().format_rfc3339(h.deadline);
  h.time_zone = cal.calendar.zone().name();
  int level = 1;
  for (const auto& step : team.escalate) {
    h.escalations.push_back({level++, on_calendar(step.after), step.sink});
  }
  h.breach_sink = team.escalate.empty() ? team.notify : team.escalate.back().sink;
  return h;
}

// The author's handle or id when it is one of the policy's own accounts.
std::optional<std::string> own_account(const Policy& p, const Complaint& c) {
  if (p.safety.own_accounts.empty()) return std::nullopt;
  const std::string handle = account_key(c.author.handle);
  const std::string id = account_key(c.author.id);
  for (const auto& own : p.safety.own_accounts) {
    if ((!handle.empty() && own == handle) || own == id) return own;
  }
  return std::nullopt;
}

void decide_reply(const Policy& p, const Rule& rule, const Facts& f, bool storming, Decision& d) {
  const Complaint& c = *f.complaint;
  bool direct_message = rule.reply->visibility == ReplyVisibility::direct_message;
  if (rule.reply->visibility == ReplyVisibility::as_received) {
    direct_message = c.visibility == Visibility::private_message;
  }
  if (!direct_message && c.visibility == Visibility::private_message) {
    direct_message = true;
    d.notes.push_back("the complaint is private: the reply goes by direct message");
  }
  if (!direct_message && f.pii) {
    direct_message = true;
    d.notes.push_back("personal data (" + std::string(*f.pii) +
                      ") in a public post: the reply goes by direct message");
  }
  // In a storm a hundred identical public answers make things worse: the rule's public
  // replies take the storm template, or none at all. Direct messages still go.
  const bool storm_in_public = storming && !direct_message;
  const ReplyTemplate* chosen = &p.templates[rule.reply->template_index];
  if (storm_in_public && p.safety.storm->template_index) {
    chosen = &p.templates[*p.safety.storm->template_index];
    d.notes.push_back("storm mode: rule '" + rule.id + "' answers in public with template '" +
                      chosen->name + "'");
  }
  const ReplyTemplate& t = *chosen;
  auto text = t.by_lang.find(d.lang);
  if (text == t.by_lang.end()) {
    const std::string_view source = f.lang_source.empty() ? "the default" : f.lang_source;
    d.notes.push_back("language '" + d.lang + "' (" + std::string(source) + "): template '" +
                      t.name + "' has no '" + d.lang +
                      "' text, answered in the policy's default_lang '" + p.default_lang + "'");
    d.lang = p.default_lang;
    text = t.by_lang.find(d.lang);
  } else if (f.lang_source.empty()) {
    d.notes.push_back(
        "the text's language could not be told (no letters, or too few kanji to "
        "tell Japanese from Chinese): answered in the policy's default_lang '" +
        p.default_lang + "'");
  }
  Reply reply;
  reply.template_name = t.name;
  reply.lang = d.lang;
  reply.direct_message = direct_message;
  render::Values values;
  values.name = display_name(p, c, f.text[static_cast<std::size_t>(Field::text)], d.lang);
  values.handle = text::sanitize_handle(c.author.handle);
  values.ref = case_reference(c.channel, c.external_id);
  if (d.handoff) {
    values.handoff_by = p.timezone.format_for_reader(d.handoff->deadline, d.lang, f.now);
    values.team = d.handoff->team;
  }
  reply.text = text->second.render(values);
  d.reply = std::move(reply);
  d.reply_status = ReplyStatus::queued;

  // Loop guards first: an automatic reply to a bot, to ourselves or twice in one thread is
  // how two bots end up answering each other forever.
  if (f.now - f.at > p.safety.stale_after) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "stale: posted " + time::format_duration(f.now - f.at) +
               " before it reached ackd (safety.stale_after " +
               time::format_duration(p.safety.stale_after) + "): no automatic reply";
  } else if (auto own = own_account(p, c)) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "loop guard: '" + *own + "' is one of our own accounts (safety.own_accounts)";
  } else if (c.author.bot) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = c.author.bot_reason.empty()
                   ? "loop guard: the author is marked as a bot"
                   : "loop guard: " + c.author.bot_reason + ": no automatic reply";
  } else if (f.history->echoes_our_reply) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "loop guard: the text repeats a reply we sent within 24 hours";
  } else if (f.history->thread_answered) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "loop guard: this thread already had its automatic reply";
  } else if (storm_in_public && !p.safety.storm->template_index) {
    d.reply_status = ReplyStatus::suppressed;
    d.reason = "storm mode: more than " + std::to_string(p.safety.storm->threshold) +
               " complaints of rule '" + rule.id + "' within " +
               time::format_duration(p.safety.storm->within) +
               "; public replies stop until it calms down";
  } else if (const auto& limit = p.safety.replies_per_author) {
    auto sent = count_within(f.history->replies, f.at, limit->per);
    if (static_cast<std::int64_t>(sent) >= limit->max) {
      d.reply_status = ReplyStatus::suppressed;
      d.reason = "replies_per_author: " + std::to_string(sent) + " automatic repl" +
                 (sent == 1 ? "y" : "ies") + " to this author within " +
                 time::format_duration(limit->per);
    }
  }
}

// The text's topics in the policy's words: its keywords found, and the lists they are on.
void note_topics(const Policy& p, const std::vector<std::uint32_t>& hits, Decision& d) {
  if (hits.empty()) return;
  const auto& set = p.keywords[static_cast<std::size_t>(Field::text)];
  for (auto id : hits) d.keywords.push_back(set.keyword(id));
  for (const auto& list : p.text_lists) {
    // Both sorted: one walk.
    auto a = list.keyword_ids.begin();
    auto b = hits.begin();
    while (a != list.keyword_ids.end() && b != hits.end() && *a != *b) {
      if (*a < *b) {
        ++a;
      } else {
        ++b;
      }
    }
    if (a != list.keyword_ids.end() && b != hits.end()) d.lists.push_back(list.name);
  }
}

}  // namespace

Decision evaluate(const Policy& p, const Complaint& c, const AuthorHistory& history,
                  time::Instant now, const EvaluateOptions& options) {
  // Buffers reused across calls on the same thread: evaluation is on the ingest hot path.
  thread_local Facts f;
  thread_local std::vector<std::uint32_t> candidates;
  f.complaint = &c;
  f.history = &history;
  f.at = c.received_at && *c.received_at < now ? *c.received_at : now;
  f.now = now;
  gather_facts(p, c, f);

  Decision d;
  d.lang = reader_lang(p, c, f.lang_source);
  f.text[static_cast<std::size_t>(Field::lang)] = d.lang;
  d.received = f.at;
  d.started = f.at;
  if (f.pii) d.pii_kind = std::string(*f.pii);
  note_topics(p, f.hits[static_cast<std::size_t>(Field::text)], d);

  const Rule* chosen = nullptr;
  if (options.trace) {
    for (const auto& rule : p.rules) {
      RuleTrace trace{rule.id, false, {}};
      RuleMatcher matcher(p, f, &trace.reasons);
      trace.matched = !rule.when || matcher.holds(*rule.when);
      if (!rule.when) trace.reasons.push_back("yes  no `when`: matches every complaint");
      if (trace.matched && !chosen) chosen = &rule;
      d.trace.push_back(std::move(trace));
    }
  } else {
    candidate_rules(p, f, candidates);
    RuleMatcher matcher(p, f, nullptr);
    for (auto index : candidates) {
      const Rule& rule = p.rules[index];
      if (!rule.when || matcher.holds(*rule.when)) {
        chosen = &rule;
        break;
      }
    }
  }
  // The loader guarantees the last rule matches everything.
  if (!chosen) chosen = &p.rules.back();

  d.rule_id = chosen->id;
  d.priority = chosen->priority;
  d.followup = chosen->followup;
  if (chosen->handoff) {
    d.handoff = plan_handoff(p, *chosen->handoff, d.started);
    // A complaint that reaches ackd after its deadline had passed (a connector catching up,
    // a backlog replayed) has its clock start on arrival: otherwise its escalations and
    // breach would all page at once, for time nobody at ackd could have used.
    if (d.handoff->deadline <= now && f.at < now) {
      d.started = now;
      d.handoff = plan_handoff(p, *chosen->handoff, d.started);
      d.notes.push_back("posted " + time::format_duration(now - f.at) +
                        " before it reached ackd, past its deadline: the handoff clock starts "
                        "at its arrival");
    }
  }
  if (chosen->reply) {
    const bool storming =
        p.safety.storm && std::find(options.storming.begin(), options.storming.end(), chosen->id) !=
                              options.storming.end();
    decide_reply(p, *chosen, f, storming, d);
  }
  return d;
}

struct RuleProbe::State {
  const Policy& policy;
  AuthorHistory history;
  Facts facts;
};

RuleProbe::RuleProbe(const Policy& policy, const Complaint& complaint, time::Instant now)
    : state_(new State{policy, {}, {}}) {
  Facts& f = state_->facts;
  f.complaint = &complaint;
  f.history = &state_->history;
  f.at = f.now = now;
  gather_facts(policy, complaint, f);
  f.text[static_cast<std::size_t>(Field::lang)] = reader_lang(policy, complaint, f.lang_source);
}

RuleProbe::~RuleProbe() = default;

bool RuleProbe::matches(const Rule& rule) const {
  RuleMatcher matcher(state_->policy, state_->facts, nullptr);
  return !rule.when || matcher.holds(*rule.when);
}

nlohmann::json to_json(const Decision& d) {
  nlohmann::json out = {{"rule", d.rule_id},
                        {"priority", d.priority},
                        {"lang", d.lang},
                        {"reply", to_string(d.reply_status)}};
  if (!d.reason.empty()) out["reason"] = d.reason;
  if (d.reply) {
    out["reply_text"] = d.reply->text;
    out["visibility"] = d.reply->direct_message ? "dm" : "public";
    out["template"] = d.reply->template_name;
  }
  if (d.handoff) {
    nlohmann::json escalations = nlohmann::json::array();
    for (const auto& e : d.handoff->escalations) {
      escalations.push_back(
          {{"level", e.level}, {"at", time::format_rfc3339_utc(e.at)}, {"notify", e.sink}});
    }
    out["handoff"] = {{"team", d.handoff->team},         {"notify", d.handoff->sink},
                      {"calendar", d.handoff->calendar}, {"deadline", d.handoff->deadline_text},
                      {"escalations", escalations},      {"breach_notify", d.handoff->breach_sink}};
  } else {
    out["handoff"] = nullptr;
  }
  if (d.followup) out["followup"] = time::format_duration(*d.followup);
  if (d.pii_kind) out["pii"] = *d.pii_kind;
  if (!d.notes.empty()) out["notes"] = d.notes;
  if (!d.lists.empty()) out["lists"] = d.lists;
  if (!d.keywords.empty()) out["keywords"] = d.keywords;
  return out;
}

}  // namespace ackd::policy
