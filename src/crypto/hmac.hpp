#pragma once

#include <string>
#include <string_view>

namespace ackd::crypto {

// What platforms sign their webhooks with, and APIs' credentials are written in (OpenSSL
// underneath).
std::string hmac_sha256(std::string_view key, std::string_view data);  // the raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // the raw 20 bytes
std::string base64(std::string_view bytes);
std::string hex(std::string_view bytes);  // lower case
// Compares in time that does not depend on where they differ.
bool same_secret_text(std::string_view a, std::string_view b);

}  // namespace ackd::crypto
