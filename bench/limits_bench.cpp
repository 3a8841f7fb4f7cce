// How long the worst inputs take: the speed side of tests that assert only behaviour.
// Run: scripts/bench.sh (see bench/README.md).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ackd/complaint/complaint.hpp"
#include "ackd/policy/evaluate.hpp"
#include "ackd/policy/load.hpp"
#include "ackd/time/calendar.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/time/zone.hpp"

namespace {

using namespace ackd;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A calendar with no open hours walks its ~10 years of days and gives up
// (time_calendar_test.cpp checks that it does).
void BM_CalendarNeverOpen(benchmark::State& state) {
  const auto tokyo = time::Zone::load("Asia/Tokyo");
  if (!tokyo) {
    state.SkipWithError("no Asia/Tokyo zone");
    return;
  }
  const time::Calendar closed(*tokyo, {}, {});
  const auto start = *time::parse_rfc3339("2026-11-30T09:00:00+09:00");
  for (auto _ : state) {
    auto end = closed.add_open_time(start, time::Seconds{60});
    benchmark::DoNotOptimize(end);
  }
}

// Every complaint of the adversarial corpus (tests/data/adversarial) decided by the
// integration tests' policy; `slowest_us` is the slowest single decision seen
// (adversarial_test.py checks only that each is answered).
void BM_EvaluateAdversarial(benchmark::State& state) {
  const std::string root = ACKD_SOURCE_DIR;
  auto loaded = policy::load_policy(
      {{"policy.yaml", read_file(root + "/tests/integration/policy/policy.yaml")}});
  if (!loaded.policy) {
    state.SkipWithError(loaded.diagnostics.items().at(0).to_string().c_str());
    return;
  }
  std::vector<Complaint> corpus;
  std::istringstream lines(read_file(root + "/tests/data/adversarial/complaints.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (auto c = parse_complaint(line); c.ok()) corpus.push_back(std::move(*c));
  }
  if (corpus.empty()) {
    state.SkipWithError("no adversarial corpus");
    return;
  }
  const auto now = *time::parse_rfc3339("2026-11-27T17:30:00+09:00");
  const AuthorHistory history;
  std::chrono::nanoseconds slowest{0};
  for (auto _ : state) {
    for (const auto& c : corpus) {
      const auto begin = std::chrono::steady_clock::now();
      auto d = policy::evaluate(*loaded.policy, c, history, now);
      benchmark::DoNotOptimize(d);
      slowest = std::max(slowest, std::chrono::steady_clock::now() - begin);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(corpus.size()));
  state.counters["complaints"] = static_cast<double>(corpus.size());
  state.counters["slowest_us"] = std::chrono::duration<double, std::micro>(slowest).count();
}

}  // namespace

BENCHMARK(BM_CalendarNeverOpen);
BENCHMARK(BM_EvaluateAdversarial);
BENCHMARK_MAIN();
