#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/render/template.hpp"
#include "ackd/text/keyword_set.hpp"
#include "ackd/text/length.hpp"
#include "ackd/text/name.hpp"
#include "ackd/text/pii.hpp"
#include "ackd/time/calendar.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/yaml/diagnostic.hpp"

namespace re2 {
class RE2;
}

namespace ackd::policy {

// A policy's places and problems are those of the YAML base (file:line:col, did-you-mean).
using yaml::Diagnostic;
using yaml::Diagnostics;
using yaml::SourceLocation;

// What a `when` condition can look at.
enum class Field : std::uint8_t {
  channel,
  visibility,
  lang,
  text,
  author_id,
  author_handle,
  author_name,
  author_followers,
  author_verified,
  pii,
  repeat,
  time,
};
inline constexpr std::size_t kTextFieldCount = 7;  // channel .. author_name hold text
std::string_view name_of(Field f);

enum class KeywordMode { any, all, none };
enum class Comparison { gte, gt, lte, lt, eq };

struct Condition {
  enum class Kind {
    all_of,
    any_of,
    negation,
    equals,
    keywords,
    regex,
    number,
    boolean,
    repeat,
    time
  };
  Kind kind = Kind::all_of;
  Field field = Field::text;
  SourceLocation where;
  std::string label;  // how explain names it: "text any $safety"

  std::vector<Condition> children;         // all_of, any_of, negation (one child)
  std::vector<std::string> values;         // equals: normalized accepted values
  KeywordMode mode = KeywordMode::any;     // keywords
  std::vector<std::uint32_t> keyword_ids;  // keywords: ids in the field's KeywordSet
  std::shared_ptr<const re2::RE2> regex;   // regex
  Comparison comparison = Comparison::eq;  // number, repeat
  std::int64_t number = 0;                 // number, repeat (count)
  bool flag = false;                       // boolean; time: true = inside
  time::Seconds window{0};                 // repeat
  std::size_t calendar = 0;                // time
};

struct ChannelLimit {
  std::string name;
  std::size_t max_chars = 0;  // 0: no limit
  text::Counting counting = text::Counting::code_points;
};

struct NamedCalendar {
  std::string name;
  time::Calendar calendar;
  SourceLocation where;
};

struct Escalation {
  time::Seconds after{0};
  std::string sink;
  SourceLocation where;  // of the sink's name
};

struct Team {
  std::string name;
  std::string notify;                   // a sink of ackd.yaml
  std::vector<Escalation> escalate;     // in increasing `after` order
  std::optional<std::size_t> calendar;  // the default for handoffs to this team
  // Escalation and breach notices of one level that come due within this of the first go
  // out as one notice; 0: each alone.
  time::Seconds group_wait{0};
  SourceLocation where;
  SourceLocation notify_where;
};

struct ReplyTemplate {
  std::string name;
  std::map<std::string, render::Template> by_lang;
  std::map<std::string, SourceLocation> where_by_lang;
  SourceLocation where;
};

enum class ReplyVisibility { as_received, public_post, direct_message };

struct ReplySpec {
  std::size_t template_index = 0;
  ReplyVisibility visibility = ReplyVisibility::as_received;
};

struct HandoffSpec {
  std::size_t team = 0;
  time::Seconds within{0};
  std::size_t calendar = 0;
};

struct Rule {
  std::string id;
  std::string priority = "P3";
  SourceLocation where;
  std::optional<Condition> when;          // none: matches everything
  std::optional<ReplySpec> reply;         // none: no automatic reply
  std::optional<HandoffSpec> handoff;     // none: no human is told
  std::optional<time::Seconds> followup;  // after resolution
  std::vector<std::string> tags;
};

struct RateLimit {
  std::int64_t max = 0;
  time::Seconds per{0};
};

// Flame (炎上) mode: when more than `threshold` complaints match one rule within `within`,
// that rule's public replies switch to a storm template, or stop (DMs still go), and one
// incident notice goes to `notify`. It ends by itself when the rate falls back.
struct StormMode {
  std::int64_t threshold = 0;
  time::Seconds within{0};
  std::optional<std::size_t> template_index;  // none: public replies stop during a storm
  std::string notify;                         // a sink of ackd.yaml; "" for none
  SourceLocation notify_where;
  // While the storm is on, the notices of its rule's cases are grouped with at least this
  // wait (Team::group_wait); 0: as the team says.
  time::Seconds group_wait{0};
};

// How an account is compared: without a leading '@', in ASCII lower case, so that
// "@Acme_Support" in a policy and "acme_support" from a platform are one account.
inline std::string account_key(std::string_view account) {
  if (!account.empty() && account.front() == '@') account.remove_prefix(1);
  std::string key(account);
  for (char& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return key;
}

struct Safety {
  std::vector<std::string> banned;             // as written
  std::vector<std::string> banned_normalized;  // what texts are compared against
  std::optional<RateLimit> replies_per_author;
  // The company's own accounts (handles or author ids, as account_key): never answered, so
  // ackd cannot reply to itself or to a colleague's post.
  std::vector<std::string> own_accounts;
  // A complaint that reaches ackd longer than this after it was posted gets no automatic
  // reply: the customer has moved on, and a backlog must not be answered in bulk.
  time::Seconds stale_after{24 * 3600};
  std::optional<StormMode> storm;
  text::NameRules name;
  std::map<std::string, std::string> name_fallback;  // by language
  std::vector<text::PiiPattern> pii_patterns;
};

// A list that a text condition names: a complaint whose text holds one of its terms is on
// that topic, whichever rule it matched (reports count them).
struct TopicList {
  std::string name;
  std::vector<std::uint32_t> keyword_ids;  // in the text field's KeywordSet, sorted
};

// A compiled policy: immutable once built, shared by every evaluation.
struct Policy {
  std::string version;               // a hash of the sources
  std::vector<std::string> sources;  // file names, in load order
  std::string default_lang = "ja";
  // The customers' time zone: {{handoff_by}} is written in it (`timezone`, else the first
  // calendar's, else UTC).
  time::Zone timezone = time::Zone::utc();
  std::map<std::string, ChannelLimit> channels;
  std::vector<NamedCalendar> calendars;  // [0] is the built-in "always"
  std::map<std::string, std::vector<std::string>> lists;
  std::vector<Team> teams;
  std::vector<ReplyTemplate> templates;
  Safety safety;
  std::vector<Rule> rules;

  // Every keyword of every rule, one matcher per text field, so a complaint is scanned
  // once per field whatever the number of keywords.
  std::array<text::KeywordSet, kTextFieldCount> keywords;
  std::array<bool, kTextFieldCount> field_has_keywords{};
  std::vector<TopicList> text_lists;  // by name
  std::unique_ptr<text::PiiDetector> pii;

  // Rule index: a rule whose `when` requires one of some text keywords can only match
  // when one of them was found, so only those rules (and the unindexed ones) are tried.
  std::vector<std::vector<std::uint32_t>> rules_by_text_keyword;
  std::vector<std::uint32_t> unindexed_rules;

  const NamedCalendar* calendar(const std::string& name) const;
  const Team* team(const std::string& name) const;
  const ReplyTemplate* reply_template(const std::string& name) const;
  const Rule* rule(const std::string& id) const;
};

}  // namespace ackd::policy
