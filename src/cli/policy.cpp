// `ackd policy history|diff|rollback`: the versions that served, kept in the store.
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "ackd/store/store.hpp"
#include "ackd/time/instant.hpp"
#include "ackd/yaml/files.hpp"
#include "stored.hpp"

extern char** environ;

namespace ackd::cli {
namespace {

namespace fs = std::filesystem;

const char* kPolicyUsage =
    "usage: ackd policy history --config FILE\n"
    "       ackd policy diff VERSION [VERSION|disk] --config FILE\n"
    "       ackd policy rollback VERSION --config FILE";

// The version `prefix` names, or why not (unknown, ambiguous).
std::optional<store::StoredPolicy> find_version(store::Store& store, const std::string& prefix) {
  auto found = wait_for<std::vector<store::StoredPolicy>>(
      [&](auto done) { store.policy_versions(prefix, std::move(done)); });
  if (!found.ok()) {
    std::cerr << found.status().message() << "\n";
    return std::nullopt;
  }
  if (found->empty()) {
    std::cerr << "no policy version " << prefix << " has served (ackd policy history)\n";
    return std::nullopt;
  }
  if (found->size() > 1) {
    std::cerr << "'" << prefix << "' names more than one version: give more of it\n";
    return std::nullopt;
  }
  return std::move(found->front());
}

// The policy as it is on disk now, as a version would be kept.
std::optional<store::StoredPolicy> on_disk(const Stored& c) {
  const auto root = yaml::resolve_path(c.config.policy, c.config_path);
  std::string error;
  auto files = yaml::read_sources(root, error);
  if (!files) {
    std::cerr << error << "\n";
    return std::nullopt;
  }
  store::StoredPolicy p{"disk", root, {}};
  for (auto& f : *files) p.files.push_back({std::move(f.path), std::move(f.content)});
  return p;
}

int history(const Stored& c) {
  auto served = wait_for<std::vector<store::PolicyServed>>(
      [&](auto done) { c.store->policy_history(std::move(done)); });
  if (!served.ok()) {
    std::cerr << served.status().message() << "\n";
    return kFailed;
  }
  if (served->empty()) {
    std::cout << "no policy has served yet\n";
    return kOk;
  }
  for (const auto& s : *served) {
    std::cout << time::format_rfc3339_utc(s.at) << "  " << s.version << "  "
              << std::string(store::to_string(s.how))
              << std::string(9 - store::to_string(s.how).size(), ' ') << s.files
              << (s.files == 1 ? " file   " : " files  ") << s.root << "\n";
  }
  return kOk;
}

// Runs diff(1) on two files, labelled; its status: 0 the same, 1 different.
int run_diff(const std::string& a, const std::string& b, const std::string& label_a,
             const std::string& label_b) {
  std::vector<std::string> argv = {"diff", "-u", "--label", label_a, "--label", label_b, a, b};
  std::vector<char*> raw;
  for (auto& s : argv) raw.push_back(s.data());
  raw.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "diff", nullptr, nullptr, raw.data(), environ) != 0) {
    std::cerr << "cannot run diff(1)\n";
    return 2;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

// The files of a version by name in its root, written under `dir`.
std::map<std::string, fs::path> write_out(const store::StoredPolicy& p, const fs::path& dir) {
  std::map<std::string, fs::path> out;
  fs::create_directories(dir);
  for (const auto& f : p.files) {
    const auto name = fs::path(f.path).filename().string();
    std::ofstream(dir / name, std::ios::binary) << f.content;
    out[name] = dir / name;
  }
  return out;
}

int diff(const Stored& c, const std::string& a, const std::string& b) {
  auto from = find_version(*c.store, a);
  auto to = b == "disk" ? on_disk(c) : find_version(*c.store, b);
  if (!from || !to) return kFailed;
  const auto tmp = fs::temp_directory_path() / ("ackd-policy-diff." + std::to_string(getpid()));
  auto files_a = write_out(*from, tmp / "a");
  auto files_b = write_out(*to, tmp / "b");
  std::set<std::string> names;
  for (const auto& [n, _] : files_a) names.insert(n);
  for (const auto& [n, _] : files_b) names.insert(n);
  int status = kOk;
  for (const auto& name : names) {
    const auto pa = files_a.count(name) ? files_a[name].string() : "/dev/null";
    const auto pb = files_b.count(name) ? files_b[name].string() : "/dev/null";
    const int rc = run_diff(pa, pb, from->version + "/" + name, to->version + "/" + name);
    if (rc > 1) status = kUsage;
    if (rc == 1 && status == kOk) status = kFailed;
  }
  fs::remove_all(tmp);
  return status;
}

int rollback(const Stored& c, const std::string& version) {
  auto old = find_version(*c.store, version);
  auto now = on_disk(c);
  if (!old || !now) return kFailed;
  const fs::path root = yaml::resolve_path(c.config.policy, c.config_path);
  const bool single_file = !fs::is_directory(root);
  // What is there now is kept beside it, so that nothing is lost by a rollback.
  auto stamp = time::format_rfc3339_utc(
      std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now()));
  std::erase_if(stamp, [](char ch) { return ch == '-' || ch == ':'; });  // 20261127T130938Z
  fs::path backup = root;
  backup += ".before-rollback-" + stamp;
  std::error_code ec;
  fs::create_directories(backup, ec);
  for (const auto& f : now->files) {
    std::ofstream copy(backup / fs::path(f.path).filename(), std::ios::binary);
    copy << f.content;
    if (ec || !copy) {
      std::cerr << backup.string() << ": cannot keep the files there now; nothing changed\n";
      return kFailed;
    }
  }
  // A file the old version does not have must go, or it would load beside it.
  if (!single_file) {
    for (const auto& f : now->files) fs::remove(f.path, ec);
  }
  for (const auto& f : old->files) {
    const fs::path target = single_file ? root : root / fs::path(f.path).filename();
    std::ofstream out(target, std::ios::binary);
    out << f.content;
    if (!out) {
      std::cerr << target.string() << ": cannot write\n";
      return kFailed;
    }
  }
  std::cout << "wrote version " << old->version << " (" << old->files.size() << " files) to "
            << root.string() << "; what was there is in " << backup.string()
            << "\nnothing serves it yet: review it, then\n  ackd check --config " << c.config_path
            << " && systemctl reload ackd\n";
  return kOk;
}

}  // namespace

int policy_command(const std::vector<std::string>& args) {
  auto parse = parse_arguments(args, {"--config"}, kPolicyUsage);
  if (!parse.arguments) return parse.exit_status;
  const auto& positional = parse.arguments->positional;
  const auto config = parse.arguments->option("--config");
  if (positional.empty() || !config) return usage_error(kPolicyUsage);
  const auto& what = positional[0];
  const std::size_t operands = positional.size() - 1;
  if (!((what == "history" && operands == 0) ||
        (what == "diff" && operands >= 1 && operands <= 2) ||
        (what == "rollback" && operands == 1))) {
    return usage_error(kPolicyUsage);
  }
  auto context = open_stored(*config);
  if (!context) return kFailed;
  if (what == "history") return history(*context);
  if (what == "diff") return diff(*context, positional[1], operands == 2 ? positional[2] : "disk");
  return rollback(*context, positional[1]);
}

}  // namespace ackd::cli
