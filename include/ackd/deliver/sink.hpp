#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ackd/plan/outbox.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::deliver {

// One delivery: an outbox row as the case plan made it and the store keeps it (its id is
// the row's, for DeliveryLog).
using Delivery = plan::OutboxItem;

// What happened to one delivery attempt.
struct Attempt {
  bool delivered = false;
  bool retryable = true;  // false: a 4xx other than 408/429, never worth repeating
  std::string error;      // "HTTP 500", "timeout", "connection refused", ...
  // The sink is out of quota (a 429 with Retry-After, a platform's rate limit at zero): it
  // takes nothing more for this long, and this attempt does not count against max_attempts.
  std::optional<std::chrono::milliseconds> wait;
  // What a delivered attempt made at its destination, named "<sink type>:<its id>"
  // ("zendesk:35436", the ticket it opened), kept with the case; "" when nothing to keep.
  std::string remote_id;
};

// A report for people, mailed on a schedule (ackd.yaml `report.mail`): not an outbox row;
// sinks whose type takes reports (config::Takes::reports) send one.
struct ReportMail {
  std::vector<std::string> to;
  std::string subject;
  std::string text;                 // the figures as text, the mail's body
  std::string html, html_filename;  // the report's page, attached
  std::string key;                  // the same on every attempt: "report.2026-11-23"
};

// Where deliveries go: one configured sink of some type (sink_registry.hpp). The dispatcher
// never has more than capacity() attempts under way on one sink. Used on the io_context
// thread only.
class Sink {
 public:
  using Done = std::function<void(Attempt)>;

  virtual ~Sink() = default;
  virtual std::size_t capacity() const = 0;
  // Calls `done` on the io_context thread, unless abort() comes first.
  virtual void send(const Delivery& delivery, Done done) = 0;
  // Gives up on every attempt under way; their `done` is never called.
  virtual void abort() = 0;
  // Like send(); a sink that does not mail reports says so at once.
  virtual void send_report(const ReportMail& /*report*/, Done done) {
    Attempt refused;
    refused.retryable = false;
    refused.error = "this sink does not mail reports";
    done(std::move(refused));
  }
};

// Sinks by name, or why one cannot be used (its deliveries are then marked failed).
using SinkOrError = std::variant<std::unique_ptr<Sink>, std::string>;
using Sinks = std::map<std::string, SinkOrError>;

}  // namespace ackd::deliver
