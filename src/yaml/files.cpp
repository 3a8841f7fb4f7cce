#include "ackd/yaml/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ackd::yaml {

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

std::optional<std::vector<SourceFile>> read_sources(const std::string& path, std::string& error) {
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
  std::vector<SourceFile> files;
  for (const auto& p : paths) {
    auto content = read_file(p, error);
    if (!content) return std::nullopt;
    files.push_back({p, std::move(*content)});
  }
  return files;
}

std::optional<std::vector<SourceFile>> read_sources(const std::string& path,
                                                    Diagnostics& diagnostics) {
  std::string error;
  auto files = read_sources(path, error);
  if (files) return files;
  const std::string prefix = path + ": ";
  if (error.rfind(prefix, 0) == 0) error.erase(0, prefix.size());
  diagnostics.error({path, 0, 0}, error, Code::unreadable);
  return std::nullopt;
}

std::string resolve_path(const std::string& path, const std::string& relative_to) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(relative_to).parent_path() / p;
  return p.lexically_normal().string();
}

}  // namespace ackd::yaml
