#include "deliver/helpdesk_sink.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/beast/http/field.hpp>
#include <variant>

namespace ackd::deliver {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

// Tickets remembered at most; past it the sink asks the helpdesk again.
constexpr std::size_t kRememberedTickets = 10000;

// The JSON body of a 2xx answer, or the Attempt that says why there is none.
std::variant<json, Attempt> answer_body(const HttpOutcome& outcome, std::string_view type) {
  Attempt attempt = attempt_of(outcome);
  if (!attempt.delivered) return attempt;
  auto body = json::parse(outcome.response.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    attempt.delivered = false;
    attempt.error = std::string(type) + " answered " +
                    std::to_string(outcome.response.result_int()) + " with a body that is not JSON";
    return attempt;
  }
  return body;
}

}  // namespace

struct HelpdeskSink::Job {
  Delivery delivery;
  notice::Notice notice;
  notice::View view;
  Done done;
};

HelpdeskSink::HelpdeskSink(const SinkContext& context, std::unique_ptr<HttpClient> client,
                           std::string type, std::string authorization)
    : HttpSink(context, std::move(client)),
      type_(std::move(type)),
      authorization_(std::move(authorization)),
      console_url_(context.console_url) {}

HttpRequest HelpdeskSink::request(http::verb method, std::string_view path, std::string_view query,
                                  const json& body) const {
  auto out = client_->request(method, target(path, query));
  out.set(http::field::authorization, authorization_);
  out.set(http::field::accept, "application/json");
  if (!body.is_null()) {
    out.set(http::field::content_type, "application/json");
    out.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

void HelpdeskSink::send(const Delivery& delivery, Done done) {
  auto read_back = notice::read_notice(delivery.kind, delivery.payload);
  if (auto* error = std::get_if<std::string>(&read_back)) {
    return answer(std::move(done), cannot_send("a " + type_ + " sink: " + *error));
  }
  const std::string case_id = delivery.complaint_id;
  // The next notice of the case starts once this one is done.
  auto job = std::make_shared<Job>(
      Job{delivery, std::get<notice::Notice>(std::move(read_back)),
          notice::View{std::chrono::floor<std::chrono::seconds>(clock_.wall()), console_url_},
          [this, case_id, done = std::move(done)](Attempt attempt) {
            done(std::move(attempt));
            next(case_id);
          }});
  auto [waiting, first] = waiting_.try_emplace(case_id);
  if (!first) return waiting->second.push_back(std::move(job));
  start(std::move(job));
}

void HelpdeskSink::next(const std::string& case_id) {
  auto waiting = waiting_.find(case_id);
  if (waiting == waiting_.end()) return;
  if (waiting->second.empty()) {
    waiting_.erase(waiting);
    return;
  }
  auto job = std::move(waiting->second.front());
  waiting->second.pop_front();
  start(std::move(job));
}

void HelpdeskSink::start(std::shared_ptr<Job> job) {
  if (auto known = tickets_.find(job->delivery.complaint_id); known != tickets_.end()) {
    const std::string ticket = known->second;
    return to_ticket(std::move(job), ticket);
  }
  find(std::move(job));
}

void HelpdeskSink::to_ticket(std::shared_ptr<Job> job, const std::string& ticket) {
  if (job->delivery.kind != plan::Kind::handoff) return note(std::move(job), ticket);
  // An earlier attempt opened it, and its answer was lost: nothing more to do.
  Attempt attempt;
  attempt.delivered = true;
  attempt.remote_id = type_ + ":" + ticket;
  answer(std::move(job->done), std::move(attempt));
}

void HelpdeskSink::find(std::shared_ptr<Job> job) {
  client_->send(find_request(job->delivery.complaint_id), [this, job](HttpOutcome outcome) {
    auto body = answer_body(outcome, type_);
    if (auto* failed = std::get_if<Attempt>(&body)) return job->done(std::move(*failed));
    auto ticket = found_ticket(std::get<json>(body));
    if (!ticket) {
      Attempt attempt;
      attempt.error = type_ + ": the ticket search answered in a shape ackd does not know";
      return job->done(std::move(attempt));
    }
    if (ticket->empty()) return open(job);
    remember(job->delivery.complaint_id, *ticket);
    to_ticket(job, *ticket);
  });
}

void HelpdeskSink::open(std::shared_ptr<Job> job) {
  client_->send(open_request(job->notice, job->delivery, job->view),
                [this, job](HttpOutcome outcome) {
                  auto body = answer_body(outcome, type_);
                  if (auto* failed = std::get_if<Attempt>(&body)) {
                    return job->done(std::move(*failed));
                  }
                  Attempt attempt;
                  attempt.delivered = true;
                  const std::string ticket = opened_ticket(std::get<json>(body));
                  if (ticket.empty()) {
                    // Opened all the same: a retry would find it rather than open another.
                    spdlog::warn("{}: a ticket for case {} opened, its id not in the answer", type_,
                                 job->delivery.complaint_id);
                  } else {
                    remember(job->delivery.complaint_id, ticket);
                    attempt.remote_id = type_ + ":" + ticket;
                  }
                  job->done(std::move(attempt));
                });
}

void HelpdeskSink::note(std::shared_ptr<Job> job, const std::string& ticket) {
  client_->send(note_request(ticket, job->notice, job->view),
                [job](HttpOutcome outcome) { job->done(attempt_of(outcome)); });
}

void HelpdeskSink::remember(const std::string& case_id, const std::string& ticket) {
  if (tickets_.size() >= kRememberedTickets) tickets_.clear();
  tickets_[case_id] = ticket;
}

std::string priority_name(std::string_view priority, const std::array<const char*, 4>& names) {
  if (priority.size() == 2 && priority[0] == 'P' && priority[1] >= '1' && priority[1] <= '4') {
    return names[static_cast<std::size_t>(priority[1] - '1')];
  }
  return "";
}

std::string tag_word(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      out += static_cast<char>(std::tolower(u));
    } else if (c == '-' || c == '_') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

}  // namespace ackd::deliver
