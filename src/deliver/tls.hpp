#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <variant>

namespace ackd::deliver {

// How ackd calls out over TLS: TLS 1.2 or later, the server's certificate verified against
// the system's store (or `ca_file`, a private CA), its name checked against the host.
struct TlsOptions {
  std::string ca_file;  // PEM; empty: the system's certificate store
};

using TlsContext = boost::asio::ssl::context;

// A client context for these options, shared by a sink's connections; otherwise why not.
std::variant<std::shared_ptr<TlsContext>, std::string> client_tls(const TlsOptions& options);

}  // namespace ackd::deliver
