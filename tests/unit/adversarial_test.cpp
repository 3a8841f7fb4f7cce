// Every hostile complaint of tests/data/adversarial/ through the bundled policy: whatever
// the display name holds, an automatic reply says only the template's own words, a safe
// name or the polite fallback.

#include <doctest/doctest.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/text/length.hpp"
#include "ackd/text/name.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"
#include "ackd/yaml/files.hpp"
#include "text/tld.hpp"

namespace adversarial_test {

namespace {

using namespace ackd;

constexpr std::size_t kMinCorpusSize = 200;

struct CorpusLine {
  std::size_t number = 0;  // 1-based, as an editor shows it
  std::string json;
};

std::vector<CorpusLine> read_corpus() {
  std::ifstream in(ACKD_TEST_DATA "/adversarial/complaints.jsonl", std::ios::binary);
  std::vector<CorpusLine> lines;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty()) lines.push_back({number, line});
  }
  return lines;
}

std::u32string code_points(std::string_view utf8) {
  std::u32string out;
  for (std::size_t pos = 0; pos < utf8.size();) out.push_back(text::next_code_point(utf8, pos));
  return out;
}

std::string to_utf8(std::u32string_view cps) {
  std::string out;
  for (const char32_t c : cps) text::append_utf8(out, c);
  return out;
}

bool is_cjk(char32_t c) {
  if ((c >= 0x3000U && c <= 0x30FFU) || (c >= 0xFF00U && c <= 0xFFEFU)) return true;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
  return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
         script == USCRIPT_HANGUL;
}

// The text as a reader or a link detector takes it: normalized (full width and case
// folded), every ideographic full stop a dot, and letters of other scripts that pass for
// ASCII read as such (UTS #39 skeletons), so "еvil．cоm" reads "evil.com".
std::string reading_form(std::string_view utf8) {
  static USpoofChecker* const checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    return uspoof_open(&status);
  }();
  std::u32string out;
  for (char32_t c : code_points(text::normalize(utf8))) {
    if (c == 0x3002U) c = '.';
    if (c >= 0x80U && !is_cjk(c)) {
      UChar source[2];
      int32_t length = 0;
      U16_APPEND_UNSAFE(source, length, static_cast<UChar32>(c));
      UChar skeleton[8];
      UErrorCode status = U_ZERO_ERROR;
      const int32_t n = uspoof_getSkeleton(checker, 0, source, length, skeleton, 8, &status);
      if (U_SUCCESS(status) && n == 1 && skeleton[0] > 0x20U && skeleton[0] < 0x80U) {
        c = skeleton[0] >= 'A' && skeleton[0] <= 'Z' ? skeleton[0] - 'A' + 'a' : skeleton[0];
      }
    }
    out.push_back(c);
  }
  return to_utf8(out);
}

std::string without_spaces(std::string_view s) {
  std::string out;
  std::remove_copy_if(s.begin(), s.end(), std::back_inserter(out),
                      [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; });
  return out;
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

// A link a platform would make, or a reader would follow.
std::string link_in(std::string_view reply) {
  const std::string read = reading_form(reply);
  for (const char* marker : {"://", "www.", "xn--", "http", "hxxp"}) {
    if (read.find(marker) != std::string::npos) return marker;
  }
  const std::u32string cps = code_points(read);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] != '.') continue;
    std::size_t j = i + 1;
    while (j < cps.size() && cps[j] >= 'a' && cps[j] <= 'z') ++j;
    if (j == i + 1 || (j < cps.size() && (is_ascii_alnum(cps[j]) || cps[j] == '-'))) continue;
    const std::string tld = to_utf8(cps.substr(i + 1, j - i - 1));
    if (text::detail::is_known_tld(tld)) return "." + tld;
  }
  return "";
}

// A character nobody sees, or that changes how the rest of the line is shown.
bool is_invisible(char32_t c) {
  const auto u = static_cast<UChar32>(c);
  switch (u_charType(u)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
    case U_SURROGATE:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return true;
    default:
      break;
  }
  return u_hasBinaryProperty(u, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || c == 0x2800U ||
         c == 0x3164U || c == 0x115FU || c == 0x1160U || c == 0xFFA0U;
}

bool is_mark(char32_t c) {
  const int type = u_charType(static_cast<UChar32>(c));
  return type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK;
}

std::size_t pictographs_in(std::u32string_view cps) {
  std::size_t count = 0;
  bool half_flag = false;
  for (const char32_t c : cps) {
    const auto u = static_cast<UChar32>(c);
    if (u_hasBinaryProperty(u, UCHAR_REGIONAL_INDICATOR)) {
      if (!half_flag) ++count;
      half_flag = !half_flag;
      continue;
    }
    half_flag = false;
    if (u_hasBinaryProperty(u, UCHAR_EXTENDED_PICTOGRAPHIC)) ++count;
  }
  return count;
}

// A run of the complaint's own text in the name: 4 characters in a row, or 3 when one is
// Japanese (a word there is often 2 or 3 characters). Shorter runs are everywhere in any
// two English texts ("the", "ing"); spaces are ignored on both sides.
std::string quoted_run(std::string_view name, std::string_view complaint_text) {
  const std::u32string n = code_points(without_spaces(text::normalize(name)));
  const std::string haystack = without_spaces(text::normalize(complaint_text));
  for (std::size_t i = 0; i < n.size(); ++i) {
    for (std::size_t length : {std::size_t{3}, std::size_t{4}}) {
      if (i + length > n.size()) continue;
      const std::u32string run = n.substr(i, length);
      if (length == 3 && std::none_of(run.begin(), run.end(), is_cjk)) continue;
      if (haystack.find(to_utf8(run)) != std::string::npos) return to_utf8(run);
    }
  }
  return "";
}

// The name the reply shows: the reply must be its template with the values ackd fills in
// itself, and only the name left to vary. Empty with `problems` told when it is not.
std::string shown_name(const policy::Policy& p, const Complaint& c, const policy::Decision& d,
                       time::Instant now, std::vector<std::string>& problems) {
  const policy::Reply& reply = *d.reply;
  const policy::ReplyTemplate* tmpl = p.reply_template(reply.template_name);
  if (tmpl == nullptr || tmpl->by_lang.count(reply.lang) == 0) {
    problems.push_back("no template '" + reply.template_name + "' in '" + reply.lang + "'");
    return "";
  }
  constexpr std::string_view kSlot = "\x01";
  render::Values values;
  values.name = std::string(kSlot);
  values.handle = text::sanitize_handle(c.author.handle);
  values.ref = case_reference(c.channel, c.external_id);
  if (d.handoff) {
    values.handoff_by = p.timezone.format_for_reader(d.handoff->deadline, reply.lang, now);
    values.team = d.handoff->team;
  }
  const std::string shape = tmpl->by_lang.at(reply.lang).render(values);
  std::vector<std::string> fixed;
  std::size_t from = 0;
  for (std::size_t at; (at = shape.find(kSlot, from)) != std::string::npos; from = at + 1) {
    fixed.push_back(shape.substr(from, at - from));
  }
  fixed.push_back(shape.substr(from));
  std::size_t fixed_size = 0;
  for (const auto& part : fixed) fixed_size += part.size();
  const std::size_t slots = fixed.size() - 1;
  if (slots == 0 || reply.text.size() < fixed_size || (reply.text.size() - fixed_size) % slots) {
    problems.push_back("the reply is not its template with a name in it");
    return "";
  }
  const std::size_t name_size = (reply.text.size() - fixed_size) / slots;
  const std::string name = reply.text.substr(fixed[0].size(), name_size);
  std::string rebuilt = fixed[0];
  for (std::size_t k = 1; k < fixed.size(); ++k) rebuilt += name + fixed[k];
  if (rebuilt != reply.text) {
    problems.push_back("the reply is not its template with a name in it");
    return "";
  }
  return name;
}

bool holds_phrase(std::string_view text, const std::vector<std::string>& normalized_phrases,
                  std::string& which) {
  const std::string normalized = text::normalize(text);
  const std::string compact = without_spaces(normalized);
  const std::string read = without_spaces(reading_form(text));
  for (const auto& phrase : normalized_phrases) {
    const std::string compact_phrase = without_spaces(phrase);
    if (normalized.find(phrase) != std::string::npos ||
        compact.find(compact_phrase) != std::string::npos ||
        read.find(compact_phrase) != std::string::npos) {
      which = phrase;
      return true;
    }
  }
  return false;
}

// What is wrong with the reply; `name` is set to the customer's name when it shows one.
std::vector<std::string> problems_with_reply(const policy::Policy& p, const Complaint& c,
                                             const policy::Decision& d, time::Instant now,
                                             std::string& name) {
  std::vector<std::string> problems;
  const std::string& reply = d.reply->text;
  if (text::find_invalid_utf8(reply)) return {"the reply is not valid UTF-8"};

  const auto channel = p.channels.find(c.channel);
  if (channel != p.channels.end() && channel->second.max_chars > 0) {
    const std::size_t length = text::platform_length(reply, channel->second.counting);
    if (length > channel->second.max_chars) {
      problems.push_back("the reply counts " + std::to_string(length) + " on '" + c.channel +
                         "' (limit " + std::to_string(channel->second.max_chars) + ")");
    }
  }
  if (text::normalize(reply).find('@') != std::string::npos) problems.push_back("an '@'");
  if (auto link = link_in(reply); !link.empty()) problems.push_back("a link ('" + link + "')");
  for (const char* syntax : {"{{", "}}", "{%", "${"}) {
    if (reply.find(syntax) != std::string::npos) {
      problems.push_back(std::string("template syntax '") + syntax + "'");
    }
  }
  std::string phrase;
  if (holds_phrase(reply, p.safety.banned_normalized, phrase)) {
    problems.push_back("the banned phrase '" + phrase + "'");
  }
  // The case reference is ours; what else reads as personal data came from the customer.
  std::string scanned = reply;
  const std::string ref = case_reference(c.channel, c.external_id);
  if (auto at = scanned.find(ref); at != std::string::npos) scanned.erase(at, ref.size());
  if (auto kind = p.pii->find(text::normalize(scanned))) {
    problems.push_back("personal data (" + std::string(*kind) + ")");
  }
  std::size_t marks = 0;
  for (const char32_t cp : code_points(reply)) {
    if (is_invisible(cp)) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
      problems.push_back(std::string("the invisible or control character ") + hex);
      break;
    }
    marks = is_mark(cp) ? marks + 1 : 0;
    if (marks > 2) {
      problems.push_back("more than 2 combining marks on one character");
      break;
    }
  }

  name = shown_name(p, c, d, now, problems);
  const auto fallback = p.safety.name_fallback.find(d.reply->lang);
  if (fallback != p.safety.name_fallback.end() && name == fallback->second) name.clear();
  if (name.empty()) return problems;
  if (text::code_point_count(name) > p.safety.name.max_chars) {
    problems.push_back("the name '" + name + "' is longer than safety.name.max_chars");
  }
  if (pictographs_in(code_points(name)) > 3) problems.push_back("more than 3 emoji in the name");
  if (name.find_first_of("{}<>") != std::string::npos) {
    problems.push_back("braces or markup in the name '" + name + "'");
  }
  if (holds_phrase(name, p.safety.name.deny, phrase)) {
    problems.push_back("the denied word '" + phrase + "' in the name '" + name + "'");
  }
  if (auto run = quoted_run(name, c.text); !run.empty()) {
    problems.push_back("the name '" + name + "' quotes the complaint ('" + run + "')");
  }
  return problems;
}

std::string category_of(const Complaint& c) {
  const auto found = c.metadata.find("category");
  return found != c.metadata.end() && found->is_string() ? found->get<std::string>() : "?";
}

}  // namespace

TEST_CASE("adversarial: no automatic reply to a hostile complaint embarrasses the company") {
  std::string error;
  const auto files = yaml::read_sources(ACKD_SOURCE_DIR "/rules", error);
  REQUIRE_MESSAGE(files, error);
  const policy::LoadResult loaded = policy::load_policy(*files);
  REQUIRE_MESSAGE(loaded.policy, "the bundled policy does not load");
  const policy::Policy& p = *loaded.policy;

  const std::vector<CorpusLine> corpus = read_corpus();
  CHECK(corpus.size() >= kMinCorpusSize);

  std::size_t replies = 0;
  std::size_t names_shown = 0;
  for (const auto& line : corpus) {
    const std::string where = "complaints.jsonl:" + std::to_string(line.number);
    auto complaint = parse_complaint(line.json);
    CHECK_MESSAGE(complaint.ok(), (where + ": " + std::string(complaint.status().message())));
    if (!complaint.ok()) continue;
    const Complaint& c = *complaint;
    // What is shown is safe as it is: sanitizing it again changes nothing.
    const std::string once = text::sanitize_name(c.author.name, p.safety.name);
    CHECK_MESSAGE(text::sanitize_name(once, p.safety.name) == once,
                  (where + ": sanitizing '" + once + "' again changes it"));
    const time::Instant now = c.received_at.value_or(time::Instant{});
    const policy::Decision d = policy::evaluate(p, c, AuthorHistory{}, now);
    if (!d.reply) continue;
    ++replies;

    std::string name;
    const std::vector<std::string> problems = problems_with_reply(p, c, d, now, name);
    std::string message = where + " (" + category_of(c) + ", rule " + d.rule_id + "):";
    for (const auto& problem : problems) message += "\n  " + problem;
    message += "\n  reply: " + d.reply->text;
    CHECK_MESSAGE(problems.empty(), message);
    if (!name.empty()) ++names_shown;
  }
  // The checks above must have had replies to look at, names included, not only fallbacks.
  CHECK(replies >= corpus.size() * 3 / 4);
  CHECK(names_shown >= 50);
  MESSAGE(replies << " replies, " << names_shown << " with the customer's name");
}

}  // namespace adversarial_test
