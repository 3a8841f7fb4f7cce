#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"

namespace ackd::cli {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    error = path + ": cannot read";
    return std::nullopt;
  }
  return content.str();
}

std::optional<std::vector<policy::SourceFile>> read_yaml_sources(const std::string& path,
                                                                 std::string& error) {
  std::error_code ec;
  std::vector<std::string> paths;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        paths.push_back(entry.path().string());
      }
    }
    if (ec) {
      error = path + ": cannot list: " + ec.message();
      return std::nullopt;
    }
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) {
      error = path + ": no *.yaml files in this directory";
      return std::nullopt;
    }
  } else if (fs::exists(path, ec)) {
    paths.push_back(path);
  } else {
    error = path + ": no such file or directory";
    return std::nullopt;
  }
  std::vector<policy::SourceFile> files;
  for (const auto& p : paths) {
    auto content = read_file(p, error);
    if (!content) return std::nullopt;
    files.push_back({p, std::move(*content)});
  }
  return files;
}

std::shared_ptr<const policy::Policy> load_policy_or_report(const std::string& path) {
  std::string error;
  auto files = read_yaml_sources(path, error);
  if (!files) {
    std::cerr << "ackd: " << error << "\n";
    return nullptr;
  }
  auto result = policy::load_policy(*files);
  for (const auto& d : result.diagnostics.sorted()) std::cerr << d.to_string() << "\n";
  if (!result.policy) {
    std::cerr << result.diagnostics.size() << " error"
              << (result.diagnostics.size() == 1 ? "" : "s") << " in " << path << "\n";
  }
  return result.policy;
}

int usage_error(const std::string& message) {
  std::cerr << "ackd: " << message << "\n(see ackd --help)\n";
  return kUsage;
}

std::optional<Arguments> parse_arguments(const std::vector<std::string>& args,
                                         const std::vector<std::string>& options,
                                         const std::string& usage) {
  Arguments out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) {
      out.positional.push_back(args[i]);
      continue;
    }
    if (std::find(options.begin(), options.end(), args[i]) == options.end()) {
      usage_error("unknown option " + args[i] + "\n" + usage);
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      usage_error(args[i] + " needs a value\n" + usage);
      return std::nullopt;
    }
    out.options[args[i]] = args[i + 1];
    ++i;
  }
  return out;
}

}  // namespace ackd::cli
