#pragma once

// The console's files as src/console/embed.cmake writes them into the build tree.

#include <cstddef>
#include <string_view>

namespace ackd::console {

struct EmbeddedFile {
  std::string_view name;
  std::string_view body;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

}  // namespace ackd::console
