#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ackd/config/section.hpp"
#include "ackd/notice/formats.hpp"
#include "deliver/http_sink.hpp"

namespace ackd::deliver {

// What the sinks that post notices into a team's chat tool share (slack, teams,
// google-chat, chatwork): the notice read from its delivery and formatted by the type, one
// POST, the answer read the usual way (a 429 waits out Retry-After). Replies are never
// theirs: check_references() refuses a chat sink as a channel's reply_sink.
class ChatSink : public HttpSink {
 public:
  ChatSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string type);

  void send(const Delivery& delivery, Done done) final;

 protected:
  // The request that posts `notice`, formatted with `view`.
  virtual HttpRequest request(const notice::Notice& notice, const Delivery& delivery,
                              const notice::View& view) const = 0;
  // What the tool's answer means.
  virtual Attempt read(const HttpOutcome& outcome) { return attempt_of(outcome); }
  // A wait to answer with instead of calling (a quota known to be spent).
  virtual std::optional<Attempt> hold() { return std::nullopt; }

  // A POST of `body` to `target` (HttpSink::target()).
  HttpRequest post(std::string target, std::string_view content_type, std::string body) const;

 private:
  std::string type_;
  std::string console_url_;
};

// A chat tool's webhook settings: its URL, which carries the tool's token and so is a
// secret ({credential: NAME}), and the usual HTTP settings.
std::optional<HttpSettings> read_webhook_url_settings(config::SectionReader& section);

}  // namespace ackd::deliver
