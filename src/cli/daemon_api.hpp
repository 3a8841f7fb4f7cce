#pragma once

// The running daemon's own API, for the tools that change what it holds in memory (ackd
// queue): at ackd.yaml's `listen` (a wildcard address is reached on loopback), with the
// first admin token of its auth.tokens_file.

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "ackd/config/config.hpp"

namespace ackd::cli {

struct DaemonAnswer {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
};

absl::StatusOr<DaemonAnswer> call_daemon(const config::Config& config,
                                         const std::string& config_path,
                                         boost::beast::http::verb method, const std::string& target,
                                         const nlohmann::json& body = nullptr);

}  // namespace ackd::cli
