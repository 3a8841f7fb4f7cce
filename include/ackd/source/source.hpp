#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ackd/complaint/complaint.hpp"
#include "ackd/time/clock.hpp"

namespace ackd::source {

// A request to a source's endpoint, /v1/sources/{name}, as the router hands it over.
struct Request {
  std::string method;  // "POST"; some platforms check an endpoint with a "GET" first
  std::string target;  // path and query, as received
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;

  // The first header of that name (names compare case-insensitively), or "".
  std::string_view header(std::string_view name) const;
  // A query parameter of the target, percent-decoded; nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Events of a verified request that are not complaints (types ackd does not handle, the
  // account's own posts): answered 200 all the same, and counted.
  std::size_t skipped = 0;
};
using Respond = std::function<void(Response)>;

// The intake's answer for one complaint, as POST /v1/complaints gives it to a connector:
// 202 stored, 200 a duplicate, 400 refused (the body says which field), 503 unavailable.
struct IntakeAnswer {
  unsigned status = 0;
  std::string body;  // JSON
};
// Hands one complaint to ackd's intake (the same path as POST /v1/complaints); `done` runs
// on the io_context thread once the complaint is stored or refused.
using Intake = std::function<void(Complaint complaint, std::function<void(IntakeAnswer)> done)>;

// What a helpdesk's source does to the case of a ticket ackd opened: the API's claim and
// resolve (the same code, the same answers: status and JSON body). Each `done` runs on the
// io_context thread.
struct CaseAnswer {
  unsigned status = 0;
  std::string body;  // JSON
};
struct CaseActions {
  // The case one of whose deliveries opened `remote_id` ("zendesk:35436"): "" when none
  // did, nullopt when the store could not say.
  std::function<void(std::string remote_id, std::function<void(std::optional<std::string>)> done)>
      find;
  std::function<void(std::string case_id, std::string agent, std::function<void(CaseAnswer)> done)>
      claim;
  // Resolves whoever holds the case: the helpdesk is where the team works.
  std::function<void(std::string case_id, std::string agent, std::string note,
                     std::function<void(CaseAnswer)> done)>
      resolve;
  // Adds an event to the case's timeline (a bounce of the mail ackd sent for it): NotFound
  // when there is no such case.
  std::function<void(std::string case_id, std::string event, nlohmann::json detail,
                     std::function<void(absl::Status)> done)>
      record;
};

// Where a source that reads from elsewhere stands (a mailbox's UIDVALIDITY and last UID),
// kept in the store under the source's name so that a restart goes on from there. Each
// `done` runs on the io_context thread; `save`'s once the state is durable.
struct SourceState {
  std::function<void(std::string source,
                     std::function<void(absl::StatusOr<std::optional<std::string>>)> done)>
      load;
  std::function<void(std::string source, std::string state, std::function<void(absl::Status)> done)>
      save;
};

// What a source may use.
struct SourceContext {
  boost::asio::io_context& io;
  time::Clock& clock;
  Intake intake;
  CaseActions cases{};
  SourceState state{};
  // Counts what a source took, by its name and the outcome (metrics).
  std::function<void(const std::string& source, const std::string& outcome)> counted{};
};

// Where complaints come from besides POST /v1/complaints: a platform's webhook, a mailbox.
// A source turns what it receives into complaints and hands each to its context's intake.
// Used on the io_context thread only.
class Source {
 public:
  virtual ~Source() = default;
  // One request to /v1/sources/{name}: check it (a platform's signature, say), hand what it
  // carries to the intake, and answer once through `respond`. A platform that retries until
  // it gets a 2xx should get it only after the intake has stored its complaints.
  virtual void handle(Request request, Respond respond) = 0;
  // A source that reads from elsewhere (a mailbox) starts once ackd serves, and stops
  // when it drains: from then on it takes nothing new.
  virtual void start() {}
  virtual void stop() {}
  // For those: whether it is connected and watching now; nullopt for a webhook's source.
  virtual std::optional<bool> watching() const { return std::nullopt; }
};

}  // namespace ackd::source
