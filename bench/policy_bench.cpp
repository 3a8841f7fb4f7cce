// Policy evaluation speed on 140-character Japanese complaints, as the keyword list and the
// rule list grow. Run: scripts/bench.sh (see bench/README.md).
#include <benchmark/benchmark.h>

#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/text/lang.hpp"
#include "ackd/text/normalize.hpp"
#include "ackd/text/utf8.hpp"

namespace {

using namespace ackd;

// Words of kanji and kana drawn from 2,000 CJK ideographs, so that, as in real complaints,
// a text holds a keyword because it was put there and rarely by accident.
const std::u32string kKana =
    U"あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん";

char32_t kanji(std::mt19937& rng) {
  return static_cast<char32_t>(0x4E00 + rng() % 2000);
}

std::string utf8(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) text::append_utf8(out, c);
  return out;
}

std::u32string random_word(std::mt19937& rng, int length) {
  std::u32string w;
  for (int i = 0; i < length; ++i) {
    w += (i % 2 == 0) ? kanji(rng) : kKana[rng() % kKana.size()];
  }
  return w;
}

std::vector<std::string> keywords(std::size_t n) {
  std::mt19937 rng(7);
  std::set<std::string> seen;
  std::vector<std::string> out;
  while (out.size() < n) {
    auto w = utf8(random_word(rng, 3 + static_cast<int>(rng() % 2)));
    if (seen.insert(w).second) out.push_back(w);
  }
  return out;
}

// 140 characters; one text in four holds one of the keywords.
std::vector<std::string> texts(const std::vector<std::string>& words) {
  std::mt19937 rng(11);
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) {
    std::string t;
    std::size_t chars = 0;
    if (i % 4 == 0) {
      t = words[rng() % words.size()];
      chars = text::code_point_count(t);
    }
    while (chars < 140) {
      t += utf8(random_word(rng, 1 + static_cast<int>(rng() % 3)));
      t += (rng() % 5 == 0) ? "。" : "";
      chars = text::code_point_count(t);
    }
    out.push_back(t);
  }
  return out;
}

constexpr const char* kHeader = R"(version: 1
default_lang: ja
channels: {x: {max_chars: 280, counting: twitter}}
calendars: {office: {timezone: Asia/Tokyo, hours: {mon-fri: "09:00-18:00"}}}
teams: {support: {notify: chat, calendar: office, escalate: [{after: 2h, notify: lead}]}}
templates: {ack: {ja: "{{name}}様、ご連絡ありがとうございます。{{handoff_by}}までにご連絡いたします。"}}
safety: {banned: [返金, 補償], replies_per_author: {max: 1, per: 24h}}
)";

std::string yaml_list(const std::vector<std::string>& words) {
  std::string s = "[";
  for (std::size_t i = 0; i < words.size(); ++i) s += (i ? ", " : "") + words[i];
  return s + "]";
}

// One rule holding every keyword in a list, then a catch-all.
std::string keyword_policy(const std::vector<std::string>& words) {
  return std::string(kHeader) + "lists: {big: " + yaml_list(words) +
         "}\nrules:\n"
         "  - {id: listed, when: {text: {any: $big}}, reply: {template: ack}, "
         "handoff: {team: support, within: 1h}}\n"
         "  - {id: default, reply: {template: ack}, handoff: {team: support, within: 4h}}\n";
}

// One rule per keyword, then a catch-all.
std::string rule_policy(const std::vector<std::string>& words) {
  std::string s = std::string(kHeader) + "rules:\n";
  for (std::size_t i = 0; i < words.size(); ++i) {
    s += "  - {id: r" + std::to_string(i) + ", when: {channel: x, text: {any: [" + words[i] +
         "]}}, reply: {template: ack}, handoff: {team: support, within: 1h}}\n";
  }
  return s + "  - {id: default, reply: {template: ack}, handoff: {team: support, within: 4h}}\n";
}

// `lang`: given with every complaint, which skips language detection.
void run(benchmark::State& state, const std::string& policy_text,
         const std::vector<std::string>& sample, std::optional<std::string> lang = std::nullopt) {
  auto loaded = policy::load_policy({{"bench.yaml", policy_text}});
  if (!loaded.policy) {
    state.SkipWithError(loaded.diagnostics.items().at(0).to_string().c_str());
    return;
  }
  std::vector<Complaint> complaints;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    Complaint c;
    c.external_id = std::to_string(i);
    c.channel = "x";
    c.author.id = std::to_string(i % 7);
    c.author.name = "山田太郎";
    c.text = sample[i];
    c.lang = lang;
    complaints.push_back(std::move(c));
  }
  const auto now = *time::parse_rfc3339("2026-11-27T17:30:00+09:00");
  const AuthorHistory history;
  std::size_t i = 0, by_keyword = 0;
  for (auto _ : state) {
    auto d = policy::evaluate(*loaded.policy, complaints[i++ % complaints.size()], history, now);
    by_keyword += d.rule_id != "default" ? 1 : 0;
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["keyword_hit_share"] =
      benchmark::Counter(static_cast<double>(by_keyword) / static_cast<double>(state.iterations()));
}

void BM_EvaluateKeywords(benchmark::State& state) {
  auto words = keywords(static_cast<std::size_t>(state.range(0)));
  run(state, keyword_policy(words), texts(words));
}

void BM_EvaluateRules(benchmark::State& state) {
  auto words = keywords(static_cast<std::size_t>(state.range(0)));
  run(state, rule_policy(words), texts(words));
}

// As BM_EvaluateKeywords with the language given: the difference is what detecting the
// language costs per evaluation.
void BM_EvaluateLangGiven(benchmark::State& state) {
  auto words = keywords(static_cast<std::size_t>(state.range(0)));
  run(state, keyword_policy(words), texts(words), "ja");
}

// English complaints of about 140 characters, some with a Japanese word in them.
std::vector<std::string> english_texts() {
  const std::vector<std::string> parts = {
      "The charger I bought last week stopped working after two days. ",
      "My order still hasn't arrived and nobody answers the phone. ",
      "The 抹茶 set I ordered never arrived, please check what happened. ",
      "I was charged twice for the same subscription this month. ",
      "The app logs me out every time I open it, very annoying. ",
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 64; ++i) {
    out.push_back(parts[i % parts.size()] + parts[(i / parts.size() + i + 1) % parts.size()]);
  }
  return out;
}

void detect_each(benchmark::State& state, const std::vector<std::string>& sample) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto lang = text::detect_language(sample[i++ % sample.size()]);
    benchmark::DoNotOptimize(lang);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DetectLanguageJapanese(benchmark::State& state) {
  detect_each(state, texts(keywords(10)));
}

void BM_DetectLanguageEnglish(benchmark::State& state) {
  detect_each(state, english_texts());
}

void BM_Normalize(benchmark::State& state) {
  auto sample = texts(keywords(10));
  std::string out;
  std::size_t i = 0;
  for (auto _ : state) {
    text::normalize_into(sample[i++ % sample.size()], out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_EvaluateKeywords)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EvaluateRules)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EvaluateLangGiven)->Arg(1000);
BENCHMARK(BM_DetectLanguageJapanese);
BENCHMARK(BM_DetectLanguageEnglish);
BENCHMARK(BM_Normalize);
BENCHMARK_MAIN();
