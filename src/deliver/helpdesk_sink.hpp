#pragma once

#include <array>
#include <boost/beast/http/verb.hpp>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ackd/notice/formats.hpp"
#include "deliver/http_sink.hpp"

namespace ackd::deliver {

// What the sinks that open helpdesk tickets share (zendesk, zammad). Every notice of a case
// goes to the case's one ticket: the sink finds it (remembered, else asked of the helpdesk,
// which knows it by the case id ackd set on it), opens it with the first notice that finds
// none, and adds each later notice to it as an internal note. Asking before opening is what
// keeps a retry, or a restart after an attempt whose answer was lost, from opening a second
// ticket. The delivery that opens a ticket reports it as its remote id, "<type>:<ticket id>".
class HelpdeskSink : public HttpSink {
 public:
  HelpdeskSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string type,
               std::string authorization);

  void send(const Delivery& delivery, Done done) final;

 protected:
  // The request that asks the helpdesk for the ticket of case `case_id`.
  virtual HttpRequest find_request(const std::string& case_id) const = 0;
  // Its answer read: the ticket's id, "" when there is none, nullopt when unreadable.
  virtual std::optional<std::string> found_ticket(const nlohmann::json& answer) const = 0;
  // The request that opens the ticket with `notice`, and the new ticket's id in its answer.
  virtual HttpRequest open_request(const notice::Notice& notice, const Delivery& delivery,
                                   const notice::View& view) const = 0;
  virtual std::string opened_ticket(const nlohmann::json& answer) const = 0;
  // The request that adds `notice` to `ticket` as an internal note.
  virtual HttpRequest note_request(const std::string& ticket, const notice::Notice& notice,
                                   const notice::View& view) const = 0;

  // A request for `path` under base_url with the helpdesk's authorization, and `body` as
  // JSON when it is not null.
  HttpRequest request(boost::beast::http::verb method, std::string_view path,
                      std::string_view query = {}, const nlohmann::json& body = nullptr) const;

 private:
  struct Job;
  void start(std::shared_ptr<Job> job);
  void next(const std::string& case_id);
  void find(std::shared_ptr<Job> job);
  // The case's ticket is known: a handoff is done, another notice is a note on it.
  void to_ticket(std::shared_ptr<Job> job, const std::string& ticket);
  void open(std::shared_ptr<Job> job);
  void note(std::shared_ptr<Job> job, const std::string& ticket);
  void remember(const std::string& case_id, const std::string& ticket);

  std::string type_;
  std::string authorization_;
  std::string console_url_;
  std::map<std::string, std::string> tickets_;  // case id -> ticket id, as found or opened
  // The cases with a notice under way, and their notices waiting for it: one at a time per
  // case, so that two notices of a case never both find no ticket and open two.
  std::map<std::string, std::deque<std::shared_ptr<Job>>> waiting_;
};

// The helpdesk's priority for a case's "P1".."P4" (`names` in that order); "" for another.
std::string priority_name(std::string_view priority, const std::array<const char*, 4>& names);

// Zendesk's Authorization for an API token of the agent `user` (an e-mail address).
std::string zendesk_authorization(const std::string& user, const std::string& token);

// A word a helpdesk takes as a tag: lower case, letters, digits, '_' and '-' only.
std::string tag_word(std::string_view text);

}  // namespace ackd::deliver
