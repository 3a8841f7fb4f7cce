#include "source/helpdesk.hpp"

#include <spdlog/spdlog.h>

#include "source/webhook.hpp"

namespace ackd::source {
namespace {

Response nothing_to_do() {
  return {200, "application/json", "{}", 1};
}

}  // namespace

void apply(const CaseActions& cases, TicketChange change, std::string_view kind, Respond respond) {
  if (change.what == TicketChange::What::none) return respond(nothing_to_do());
  if (!cases.find) {
    return respond(error_response(503, "unavailable", "this source cannot reach the cases"));
  }
  cases.find(change.remote_id, [cases, change, kind = std::string(kind),
                                respond = std::move(respond)](std::optional<std::string> id) {
    if (!id) return respond(error_response(503, "store_unavailable", "retry later"));
    if (id->empty()) {
      spdlog::info("{} source: ticket {} was not opened by ackd; ignored", kind, change.remote_id);
      return respond(nothing_to_do());
    }
    auto done = [kind, id = *id, respond](CaseAnswer answer) {
      if (answer.status == 503) {
        return respond(error_response(503, "store_unavailable", "retry later"));
      }
      if (answer.status != 200) {
        spdlog::info("{} source: case {} unchanged: {}", kind, id, answer.body);
        return respond(nothing_to_do());
      }
      respond({200, "application/json", std::move(answer.body)});
    };
    if (change.what == TicketChange::What::assigned) {
      cases.claim(*id, change.agent, std::move(done));
    } else {
      cases.resolve(*id, change.agent, "ticket " + change.remote_id + " solved", std::move(done));
    }
  });
}

}  // namespace ackd::source
