#include "deliver/tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>

namespace ackd::deliver {

namespace ssl = boost::asio::ssl;

std::variant<std::shared_ptr<TlsContext>, std::string> client_tls(const TlsOptions& options) {
  auto context = std::make_shared<TlsContext>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (options.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return "cannot read the system's certificate store: " + ec.message();
  } else {
    context->load_verify_file(options.ca_file, ec);
    if (ec) return "tls.ca_file '" + options.ca_file + "': " + ec.message();
  }
  return context;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code not_an_address;
  (void)boost::asio::ip::make_address(host, not_an_address);
  return !not_an_address;
}

}  // namespace ackd::deliver
