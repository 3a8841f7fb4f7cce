#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
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

bool is_ip_address(const std::string& host);

// Before a client's handshake with `host`: SNI for a name (never for an address), and the
// server's certificate checked against the host. `TlsStream`: Asio's ssl::stream or Beast's
// ssl_stream.
template <class TlsStream>
void expect_server(TlsStream& stream, const std::string& host) {
  if (!is_ip_address(host)) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

// For a protocol that starts in the clear and turns to TLS midway (STARTTLS): runs `op` on
// the layer the connection speaks now, the TLS stream once `tls`, else its TCP socket.
template <class TlsStream, class Op>
void on_current_layer(TlsStream& stream, bool tls, Op&& op) {
  if (tls) {
    op(stream);
  } else {
    op(stream.next_layer());
  }
}

}  // namespace ackd::deliver
