#include "store/policy_history.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace ackd::store {
namespace {

constexpr std::array<std::pair<Served, std::string_view>, 3> kHow{{
    {Served::start, "start"},
    {Served::reload, "reload"},
    {Served::fallback, "fallback"},
}};

Served served_from(std::string_view name) {
  for (const auto& [how, n] : kHow) {
    if (n == name) return how;
  }
  return Served::start;
}

StoredPolicy policy_from(sqlite::Query& q) {
  StoredPolicy p{q.text(0), q.text(1), {}};
  for (const auto& f : nlohmann::json::parse(q.text(2))) {
    p.files.push_back({f.at("path").get<std::string>(), f.at("content").get<std::string>()});
  }
  return p;
}

}  // namespace

std::string_view to_string(Served how) {
  for (const auto& [h, name] : kHow) {
    if (h == how) return name;
  }
  return "start";
}

namespace policy_history {

void save_served(sqlite::Connection& db, const StoredPolicy& policy, Served how, time::Instant at) {
  auto files = nlohmann::json::array();
  for (const auto& f : policy.files) files.push_back({{"path", f.path}, {"content", f.content}});
  const auto unix_at = at.time_since_epoch().count();
  db.query(
        "INSERT INTO policy_versions (version, root, files, first_served_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (version) DO NOTHING")
      .bind_all(policy.version, policy.root, files.dump(), unix_at)
      .run();
  db.query("INSERT INTO policy_served (at, version, how, root) VALUES (?, ?, ?, ?)")
      .bind_all(unix_at, policy.version, to_string(how), policy.root)
      .run();
}

std::optional<StoredPolicy> last_served(sqlite::Connection& db) {
  auto q = db.query(
      "SELECT v.version, s.root, v.files FROM policy_served s "
      "JOIN policy_versions v ON v.version = s.version ORDER BY s.id DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  return policy_from(q);
}

std::vector<PolicyServed> served(sqlite::Connection& db) {
  auto q = db.query(
      "SELECT s.at, s.version, s.how, s.root, json_array_length(v.files) FROM policy_served s "
      "JOIN policy_versions v ON v.version = s.version ORDER BY s.id");
  std::vector<PolicyServed> out;
  while (q.step()) {
    out.push_back({time::Instant(time::Seconds(q.integer(0))), q.text(1), served_from(q.text(2)),
                   q.text(3), static_cast<std::size_t>(q.integer(4))});
  }
  return out;
}

std::vector<StoredPolicy> versions_starting(sqlite::Connection& db, std::string_view prefix) {
  // substr rather than LIKE: a version is hex, but a prefix typed by someone need not be.
  auto q = db.query(
      "SELECT version, root, files FROM policy_versions "
      "WHERE substr(version, 1, length(?1)) = ?1 ORDER BY first_served_at DESC LIMIT 2");
  q.bind_all(prefix);
  std::vector<StoredPolicy> out;
  while (q.step()) out.push_back(policy_from(q));
  return out;
}

}  // namespace policy_history
}  // namespace ackd::store
