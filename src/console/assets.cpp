#include "ackd/console/assets.hpp"

#include "console/embedded.hpp"

namespace ackd::console {
namespace {

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

std::optional<Asset> find_asset(std::string_view name) {
  for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
    const auto& file = kEmbeddedFiles[i];
    if (file.name == name) return Asset{file.name, content_type(file.name), file.body};
  }
  return std::nullopt;
}

}  // namespace ackd::console
