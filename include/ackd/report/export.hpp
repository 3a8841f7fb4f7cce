#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ackd/time/instant.hpp"

namespace ackd::report {

// A stored complaint as POST /v1/complaints accepts it again, with the time ackd received
// it, so that `ackd replay` decides it at the time it was decided.
nlohmann::json exported_complaint(nlohmann::json stored, time::Instant received_at);

// Makes a pseudonym for a value of one kind ("id", "handle", "name"): the same value gets
// the same pseudonym.
using Pseudonym = std::function<std::string(std::string_view kind, std::string_view value)>;

// Replaces who wrote a complaint (the author's id, handle and name) by pseudonyms, for
// sharing traffic with people outside support. The text is left as it is.
void anonymise(nlohmann::json& complaint, const Pseudonym& pseudonym);

}  // namespace ackd::report
