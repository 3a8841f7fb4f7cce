#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ackd/json/member.hpp"  // json_text, json_flag: every source reads with them
#include "ackd/source/source.hpp"

namespace ackd::source {

// What every platform's webhook source does once it has checked a request.

// An error answer in the API's JSON shape.
Response error_response(unsigned status, std::string_view code, const std::string& message);

// The 401 for a request whose `header` is not `expected` (the platform's signature of the
// raw body, compared in constant time), logged for the source `kind`; nothing when it is.
std::optional<Response> signature_refusal(const Request& request, std::string_view header,
                                          const std::string& expected, std::string_view kind);

// Hands each complaint to the intake and answers once all are stored or refused: 503 when
// one could not be stored, so the platform delivers the request again; otherwise 200 (a
// refused one would be refused again, and a webhook that keeps failing gets switched off).
// `skipped` events of the request were not complaints.
void take_all(const Intake& intake, std::vector<Complaint> complaints, std::size_t skipped,
              Respond respond);

}  // namespace ackd::source
