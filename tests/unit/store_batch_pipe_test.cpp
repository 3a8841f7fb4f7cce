#include <doctest/doctest.h>

#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/batch_pipe.hpp"

namespace store_batch_pipe_test {

using ackd::store::BatchPipe;

TEST_CASE("store: a batch pipe hands every item over, in order, on another thread") {
  std::vector<int> seen;
  std::thread::id consumer;
  {
    BatchPipe<int> pipe(
        [&](std::span<const int> batch) {
          seen.insert(seen.end(), batch.begin(), batch.end());
          consumer = std::this_thread::get_id();
        },
        /*batch=*/7);
    for (int n = 0; n < 1000; ++n) pipe.put(n);  // more than the batches that may wait
    pipe.finish();
    REQUIRE(seen.size() == 1000);
  }
  for (int n = 0; n < 1000; ++n) REQUIRE(seen[static_cast<std::size_t>(n)] == n);
  CHECK(consumer != std::this_thread::get_id());
}

TEST_CASE("store: a batch pipe gives the consumer's failure to whoever finishes it") {
  BatchPipe<std::string> pipe(
      [](std::span<const std::string> batch) {
        for (const auto& s : batch) {
          if (s == "bad") throw std::runtime_error("cannot add " + s);
        }
      },
      /*batch=*/2);
  for (int n = 0; n < 100; ++n) pipe.put(n == 3 ? "bad" : "good");  // never stuck
  CHECK_THROWS_WITH(pipe.finish(), "cannot add bad");
  pipe.finish();  // once only
}

TEST_CASE("store: a batch pipe left without finishing stops, whatever its consumer did") {
  int consumed = 0;
  {
    BatchPipe<int> pipe(
        [&](std::span<const int> batch) {
          for (int n : batch) {
            if (n == 5) throw std::runtime_error("cannot add 5");
            ++consumed;
          }
        },
        /*batch=*/2);
    for (int n = 0; n < 50; ++n) pipe.put(n);
  }  // as when reading fails: no finish(), no exception out of the destructor
  CHECK(consumed <= 5);
}

TEST_CASE("store: a batch pipe fills items of batches already consumed") {
  // What a reader assigns reuses the storage of the rows before (no allocation a row).
  std::size_t reused = 0, items = 0;
  {
    BatchPipe<std::string> pipe([&](std::span<const std::string> batch) { items += batch.size(); },
                                /*batch=*/3);
    for (int n = 0; n < 300; ++n) {
      pipe.put_with([&](std::string& slot) {
        if (!slot.empty()) ++reused;
        slot.assign("a row long enough to need storage of its own " + std::to_string(n));
      });
    }
    pipe.finish();
  }
  CHECK(items == 300);
  CHECK(reused > 250);  // all but the first few batches
}

}  // namespace store_batch_pipe_test
