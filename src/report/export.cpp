#include "ackd/report/export.hpp"

namespace ackd::report {

nlohmann::json exported_complaint(nlohmann::json stored, time::Instant received_at) {
  stored["received_at"] = time::format_rfc3339_utc(received_at);
  return stored;
}

void anonymise(nlohmann::json& complaint, const Pseudonym& pseudonym) {
  auto author = complaint.find("author");
  if (author == complaint.end() || !author->is_object()) return;
  for (const char* kind : {"id", "handle", "name"}) {
    auto field = author->find(kind);
    if (field != author->end() && field->is_string()) {
      *field = pseudonym(kind, field->get<std::string>());
    }
  }
}

}  // namespace ackd::report
