#include <iostream>

#include "ackd/daemon/daemon.hpp"
#include "ackd/log/log.hpp"
#include "commands.hpp"

namespace ackd::cli {

int serve(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd serve --config FILE";
  auto parse = parse_arguments(args, {"--config"}, usage);
  if (!parse.arguments) return parse.exit_status;
  const Arguments& arguments = *parse.arguments;
  const auto config = arguments.option("--config");
  if (!config || !arguments.positional.empty()) return usage_error(usage);
  log::setup("info");  // ackd.yaml's log_level applies once it is read
  auto daemon = daemon::Daemon::create(*config);
  if (!daemon.ok()) {
    std::cerr << "ackd: " << std::string(daemon.status().message()) << "\n";
    return kFailed;
  }
  return (*daemon)->run();
}

}  // namespace ackd::cli
