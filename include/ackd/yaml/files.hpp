#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ackd/yaml/diagnostic.hpp"

// Reading sources from disk: the one part of the YAML base that does I/O, so it is built
// with the daemon's libraries (CMakeLists.txt) and the core is only ever handed contents.
namespace ackd::yaml {

// The whole file, or nullopt and `error` ("PATH: cannot open: REASON").
std::optional<std::string> read_file(const std::string& path, std::string& error);

// The *.yaml files of a directory in name order, or the one file named; nullopt and
// `error` ("PATH: REASON") when one cannot be read.
std::optional<std::vector<SourceFile>> read_sources(const std::string& path, std::string& error);

// The same, reporting a file that cannot be read like any other problem, at `path`.
std::optional<std::vector<SourceFile>> read_sources(const std::string& path,
                                                    Diagnostics& diagnostics);

// `path` as written in the file `relative_to`: relative paths start at that file's folder.
std::string resolve_path(const std::string& path, const std::string& relative_to);

}  // namespace ackd::yaml
