#include "ackd/policy/load.hpp"

#include <cstdint>
#include <cstdio>

#include "loader.hpp"
#include "policy/lint.hpp"

namespace ackd::policy {

namespace {

// A policy's files are the root's direct children (or the one file): the name alone is its
// path relative to the root, the same however the root was written.
std::string_view name_in_root(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Of the names and bytes in load order, not of where the files were read from.
std::string version_hash(const std::vector<SourceFile>& files) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const auto& f : files) {
    mix(name_in_root(f.path));
    mix(f.content);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace

Loader::Loader(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

std::shared_ptr<Policy> Loader::build() {
  Policy& p = *policy_;
  compile_basics();
  p.calendars.push_back({"always", time::Calendar::always(), {}});
  compile_lists();
  compile_channels();
  compile_calendars();
  compile_timezone();
  compile_safety();
  compile_templates();
  compile_storm();
  compile_teams();
  compile_rules();
  lint_policy(p, diagnostics_, last_rule_compiled_);
  if (!diagnostics_.empty()) return nullptr;
  index_rules();
  // A fixed working-day morning (Monday 10:00 in Tokyo): the same warnings every time.
  lint_rule_order(
      p,
      time::Instant{std::chrono::sys_days{std::chrono::year{2026} / 1 / 5}} + std::chrono::hours(1),
      diagnostics_);
  return policy_;
}

LoadResult load_policy(const std::vector<SourceFile>& files) {
  LoadResult result;
  Loader loader(result.diagnostics);
  for (const auto& f : files) loader.read(f);
  if (loader.unreadable()) return result;  // its syntax error is the one to fix first
  auto policy = loader.build();
  if (policy && result.diagnostics.empty()) {
    policy->version = version_hash(files);
    for (const auto& f : files) policy->sources.push_back(f.path);
    result.policy = std::move(policy);
  }
  return result;
}

}  // namespace ackd::policy
