// Fills an ackd store with a month (or any span) of made-up traffic, through the store's own
// code: each complaint is decided by the policy and planned as POST /v1/complaints would
// (plan::plan_case, the author's history read from the store), then its life is played at
// the times it would have happened: the reply and the handoff notice delivered (a few given
// up), escalations delivered while nobody claimed, most cases claimed and resolved by an
// agent, the follow-ups delivered. The report benchmark (scripts/bench-report.sh) measures
// `ackd report` on what this writes.
//
//   ackd_bench_fill --config ackd.yaml [--complaints 1000000] [--days 30] [--seed 1]
//
// The config names the state directory, the policy and the channels' reply sinks. The
// complaints end at the current time, so `ackd report --since 30d` covers them.
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <semaphore>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/config/read.hpp"
#include "ackd/plan/case_plan.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/store/store.hpp"
#include "ackd/yaml/files.hpp"

namespace {

using namespace ackd;
using std::chrono::hours;
using std::chrono::minutes;

struct Options {
  std::string config;
  long complaints = 1'000'000;
  int days = 30;
  unsigned seed = 1;
};

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--config") {
      o.config = value;
    } else if (name == "--complaints") {
      o.complaints = std::stol(value);
    } else if (name == "--days") {
      o.days = std::stoi(value);
    } else if (name == "--seed") {
      o.seed = static_cast<unsigned>(std::stoul(value));
    } else {
      return std::nullopt;
    }
  }
  if (o.config.empty() || argc % 2 == 0) return std::nullopt;
  return o;
}

// What customers write, with the weight of each: most are ordinary complaints; billing,
// safety, legal and abusive ones come less often (rules/00-base.yaml's lists).
struct Text {
  const char* text;
  const char* lang;
  int weight;
};
constexpr std::array kTexts{
    Text{"注文した商品がまだ届きません。いつ届きますか", "ja", 20},
    Text{"アプリにログインできません。どうなっていますか", "ja", 14},
    Text{"サポートに電話がつながらない。何回かけても話し中です", "ja", 8},
    Text{"届いた商品が壊れていました。箱もへこんでいます", "ja", 8},
    Text{"先月の請求が二重になっています。確認してください", "ja", 7},
    Text{"解約したのにまだ課金されています", "ja", 4},
    Text{"充電中に本体が熱くなって焦げ臭いです。発煙しました", "ja", 1},
    Text{"対応がひどいので弁護士に相談します", "ja", 1},
    Text{"My order still has not arrived after two weeks", "en", 10},
    Text{"The app keeps crashing after the update", "en", 8},
    Text{"I was charged twice for my subscription this month", "en", 4},
    Text{"The charger started to smoke while plugged in", "en", 1},
    Text{"Worst service ever, scam company", "en", 1},
    Text{"Nobody answers the support line, please call me back", "en", 5},
};

struct Channel {
  const char* name;
  const char* visibility;
  int weight;
};
constexpr std::array kChannels{Channel{"x", "public", 35},       Channel{"instagram", "public", 10},
                               Channel{"facebook", "public", 5}, Channel{"line", "private", 15},
                               Channel{"chat", "private", 20},   Channel{"email", "private", 15}};

constexpr std::array kNames{"佐藤", "鈴木", "高橋", "田中", "伊藤",   "渡辺", "山本",  "中村",
                            "小林", "加藤", "Emma", "Liam", "Olivia", "Noah", "Sofia", "Kenji"};

template <class Array>
std::discrete_distribution<std::size_t> weighted(const Array& items) {
  std::vector<int> weights;
  for (const auto& item : items) weights.push_back(item.weight);
  return {weights.begin(), weights.end()};
}

std::string complaint_json(long n, const Channel& channel, const std::string& author,
                           const Text& text, time::Instant received_at) {
  nlohmann::json c = {
      {"external_id", "bench-" + std::to_string(n)},
      {"channel", channel.name},
      {"author",
       {{"id", author},
        {"handle", "h" + author},
        {"name", std::string(kNames[std::hash<std::string>{}(author) % kNames.size()])}}},
      {"text", std::string(text.text) + " #" + std::to_string(n % 997)},
      {"received_at", time::format_rfc3339_utc(received_at)},
      {"visibility", channel.visibility},
      {"lang", text.lang},
  };
  return c.dump();
}

// The results of the store's jobs come back on its writer thread; the main thread plays
// each case's life from them.
struct Results {
  std::mutex mutex;
  std::deque<absl::StatusOr<store::IngestResult>> ready;
  std::counting_semaphore<> in_flight{4096};

  void put(absl::StatusOr<store::IngestResult> r) {
    {
      std::lock_guard lock(mutex);
      ready.push_back(std::move(r));
    }
    in_flight.release();
  }
  std::deque<absl::StatusOr<store::IngestResult>> take() {
    std::lock_guard lock(mutex);
    return std::exchange(ready, {});
  }
};

class Life {
 public:
  Life(store::Store& store, time::Instant now, std::mt19937_64& rng)
      : store_(store), now_(now), rng_(rng) {}

  void play(const store::IngestResult& result) {
    if (result.duplicate || !result.plan) return;
    const auto& plan = *result.plan;
    const auto received = plan.received_at;
    // Whoever takes the case, and when (nobody has taken the newest ones yet).
    const auto claimed = received + seconds_around(minutes(25));
    const auto resolved = claimed + seconds_around(hours(4));
    const bool claims = plan.handoff && claimed < now_ && chance(0.92);
    const bool resolves = claims && resolved < now_ && chance(0.9);
    const auto until = claims ? claimed : now_;
    for (const auto& item : plan.outbox) {
      if (item.held) continue;
      switch (item.kind) {
        case plan::Kind::reply:
          if (chance(0.003)) {
            store_.mark_failed(item.id, 5, received + minutes(10), "HTTP 503 from the platform");
          } else {
            store_.mark_delivered(item.id, received + seconds_around(std::chrono::seconds(1)));
          }
          break;
        case plan::Kind::escalation:
        case plan::Kind::breach:
          if (item.due_at < until)
            store_.mark_delivered(item.id, item.due_at + std::chrono::seconds(1));
          break;
        default:
          if (item.due_at < now_)
            store_.mark_delivered(item.id, item.due_at + std::chrono::seconds(1));
          break;
      }
    }
    if (!claims) return;
    const auto agent = plan.handoff->team + "-agent-" + std::to_string(rng_() % 12);
    store_.claim(plan.id, agent, claimed, [](auto) {});
    if (resolves) store_.resolve(plan.id, agent, "answered", false, resolved, [](auto) {});
  }

 private:
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  // Exponentially distributed around `mean`, at least a second.
  time::Seconds seconds_around(time::Seconds mean) {
    std::exponential_distribution<double> d(1.0 / static_cast<double>(mean.count()));
    return time::Seconds(1 + static_cast<long>(d(rng_)));
  }

  store::Store& store_;
  time::Instant now_;
  std::mt19937_64& rng_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse(argc, argv);
  if (!options) {
    std::cerr << "usage: ackd_bench_fill --config ackd.yaml [--complaints N] [--days D] "
                 "[--seed S]\n";
    return 2;
  }
  std::string error;
  auto content = yaml::read_file(options->config, error);
  if (!content) {
    std::cerr << error << "\n";
    return 1;
  }
  auto config = config::read_config({options->config, *content});
  if (!config.config) {
    for (const auto& d : config.diagnostics.sorted()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  yaml::Diagnostics diagnostics;
  auto files =
      yaml::read_sources(yaml::resolve_path(config.config->policy, options->config), diagnostics);
  auto loaded = files ? policy::load_policy(*files) : policy::LoadResult{};
  if (!loaded.policy) {
    std::cerr << "the policy does not load (ackd check)\n";
    return 1;
  }
  const auto& policy = *loaded.policy;
  store::StoreOptions store_options;
  store_options.directory = yaml::resolve_path(config.config->state, options->config);
  auto opened = store::Store::open(store_options);
  if (!opened.ok()) {
    std::cerr << opened.status().message() << "\n";
    return 1;
  }
  auto& store = **opened;

  const auto started = std::chrono::steady_clock::now();
  const auto now = std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
  const auto span = std::chrono::duration_cast<time::Seconds>(hours(24) * options->days);
  const auto first = now - span;
  std::mt19937_64 rng(options->seed);
  auto pick_text = weighted(kTexts);
  auto pick_channel = weighted(kChannels);
  // A quarter of the complaints come from a few thousand people who write again and again.
  std::uniform_int_distribution<long> regular(0, 299'999), repeat(0, 2'999);
  Results results;
  Life life(store, now, rng);
  long failures = 0;
  auto drain = [&] {
    for (auto& r : results.take()) {
      if (!r.ok()) {
        if (++failures == 1) std::cerr << r.status().message() << "\n";
        continue;
      }
      life.play(*r);
    }
  };
  for (long n = 0; n < options->complaints; ++n) {
    const auto received = first + span * n / options->complaints;
    const auto& channel = kChannels[pick_channel(rng)];
    const auto author = std::bernoulli_distribution(0.25)(rng) ? "r" + std::to_string(repeat(rng))
                                                               : "u" + std::to_string(regular(rng));
    auto complaint =
        parse_complaint(complaint_json(n, channel, author, kTexts[pick_text(rng)], received));
    if (!complaint.ok()) {
      std::cerr << complaint.status().message() << "\n";
      ++failures;
      break;
    }
    plan::Mode mode;
    if (auto route = config.config->channels.find(channel.name);
        route != config.config->channels.end()) {
      mode.reply_sink = route->second.reply_sink;
    }
    char id[33];
    std::snprintf(id, sizeof id, "%012llx%020ld",
                  static_cast<unsigned long long>(received.time_since_epoch().count() * 1000), n);
    results.in_flight.acquire();
    store.ingest(
        complaint->channel, complaint->external_id, complaint->author.id, received,
        [&policy, c = *complaint, received, mode, id = std::string(id)](
            const AuthorHistory& history, const std::optional<store::Pause>& pause) {
          return plan::plan_case(policy, c, history, received, pause, mode, nullptr, id);
        },
        [&results](absl::StatusOr<store::IngestResult> r) { results.put(std::move(r)); },
        store::Store::LoopKeys{complaint->thread_id, std::nullopt});
    if (n % 4096 == 0) drain();
    if (n % 100'000 == 0 && n > 0) {
      std::cerr << n << " complaints, "
                << std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - started)
                       .count()
                << " s\n";
    }
  }
  store.flush();
  drain();
  store.flush();
  // Follow-ups scheduled at the resolutions, and anything else due by now.
  for (int round = 0; round < 100; ++round) {
    auto owed = std::make_shared<std::promise<absl::StatusOr<std::vector<plan::OutboxItem>>>>();
    auto future = owed->get_future();
    store.owed(plan::DueOrder{}, now, 100'000, [owed](auto r) { owed->set_value(std::move(r)); });
    auto items = future.get();
    if (!items.ok()) {
      std::cerr << items.status().message() << "\n";
      ++failures;
      break;
    }
    for (const auto& item : *items) {
      store.mark_delivered(item.id, item.due_at + std::chrono::seconds(1));
    }
    store.flush();
    if (items->empty()) break;
  }
  std::cerr << options->complaints << " complaints in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s (" << failures << " not stored)\n";
  return failures == 0 ? 0 : 1;
}
