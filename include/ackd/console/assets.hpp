#pragma once

#include <optional>
#include <string_view>

namespace ackd::console {

// A file of the console (src/console/assets/), compiled into the binary: nothing is read
// from disk or fetched from elsewhere at run time.
struct Asset {
  std::string_view name;          // "console.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// The file of that name, or none.
std::optional<Asset> find_asset(std::string_view name);

}  // namespace ackd::console
