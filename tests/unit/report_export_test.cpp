#include <doctest/doctest.h>

#include <map>

#include "ackd/report/export.hpp"

namespace report_export_test {

using ackd::report::anonymise;
using ackd::report::exported_complaint;
using nlohmann::json;

TEST_CASE("export: a stored complaint comes back with the time it was received") {
  auto stored = json::parse(R"({"external_id":"1","channel":"x","author":{"id":"42"},"text":"t"})");
  auto out = exported_complaint(stored, ackd::time::Instant(ackd::time::Seconds(1764226800)));
  CHECK(out["received_at"] == "2025-11-27T07:00:00Z");
  out.erase("received_at");
  CHECK(out == stored);
}

TEST_CASE("export: anonymised, the author's id, handle and name are pseudonyms, the rest stays") {
  auto c = json::parse(
      R"({"channel":"x","author":{"id":"42","handle":"taro","name":"山田","followers":5},"text":"山田です"})");
  std::map<std::string, int> asked;
  anonymise(c, [&](std::string_view kind, std::string_view value) {
    ++asked[std::string(kind)];
    return "p-" + std::string(kind) + "-" + std::to_string(value.size());
  });
  CHECK(c["author"] ==
        json::parse(R"({"id":"p-id-2","handle":"p-handle-4","name":"p-name-6","followers":5})"));
  CHECK(c["text"] == "山田です");
  CHECK(asked.size() == 3);
  auto without = json::parse(R"({"channel":"x","text":"t"})");
  anonymise(without, [](std::string_view, std::string_view) { return std::string("x"); });
  CHECK(without == json::parse(R"({"channel":"x","text":"t"})"));
}

}  // namespace report_export_test
