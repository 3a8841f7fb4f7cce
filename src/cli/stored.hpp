#pragma once

// What the tools that read ackd's store start from: ackd.yaml, the store it names (opened
// read-only unless the tool writes; the daemon may be running on it), and the period asked
// for.

#include <future>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ackd/config/config.hpp"
#include "ackd/report/period.hpp"
#include "ackd/store/store.hpp"
#include "commands.hpp"

namespace ackd::cli {

struct Stored {
  config::Config config;
  std::string config_path;
  std::unique_ptr<store::Store> store;
};

// The tools only read, except `ackd forget` and `ackd queue`'s actions.
enum class Access { read, write };
// ackd.yaml, or null after printing why (to stderr).
std::optional<config::Config> read_config_at(const std::string& config_path);
// Null after printing why (to stderr).
std::optional<Stored> open_stored(const std::string& config_path, Access access = Access::read);
// The same with ackd.yaml already read.
std::optional<Stored> open_stored(config::Config config, const std::string& config_path,
                                  Access access);

// Waits for a store job: the tools have no event loop.
template <class T, class Start>
absl::StatusOr<T> wait_for(Start start) {
  std::promise<absl::StatusOr<T>> promise;
  auto result = promise.get_future();
  start([&promise](absl::StatusOr<T> r) { promise.set_value(std::move(r)); });
  return result.get();
}

// The period of `--since`, `--from` and `--to` (report/period.hpp); null after a usage error.
std::optional<report::Period> period_of(const Arguments& arguments, time::Instant now);

}  // namespace ackd::cli
