// The `x` sink: answers on X through its API v2 with a user's token. A public reply is
// POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}}; a direct one is
// POST /2/dm_conversations/with/{participant_id}/messages {"text"}. X counts calls per
// window (x-rate-limit-remaining, x-rate-limit-reset in epoch seconds): at zero the sink
// waits for the reset instead of spending attempts.
#include <memory>
#include <string>

#include "ackd/http/query.hpp"
#include "deliver/platform_sink.hpp"

namespace ackd::deliver {
namespace {

using nlohmann::json;

class XSink final : public PlatformSink {
 public:
  using PlatformSink::PlatformSink;

  void send(const Delivery& delivery, Done done) override {
    auto read = read_reply(delivery, "x");
    if (auto* error = std::get_if<std::string>(&read)) {
      return answer(std::move(done), cannot_send(*error));
    }
    const auto& reply = std::get<Reply>(read);
    if (auto waiting = quota_.check(clock_.wall(), "x")) return answer(std::move(done), *waiting);
    HttpRequest request;
    if (reply.direct) {
      request = PlatformSink::request(
          "/2/dm_conversations/with/" + ackd::http::percent_encode(reply.author_id) + "/messages",
          json{{"text", reply.text}});
    } else {
      request = PlatformSink::request(
          "/2/tweets",
          json{{"text", reply.text}, {"reply", {{"in_reply_to_tweet_id", reply.external_id}}}});
    }
    client_->send(std::move(request),
                  [this, done = std::move(done)](HttpOutcome outcome) { done(attempt(outcome)); });
  }

 private:
  Attempt attempt(const HttpOutcome& outcome) {
    return quota_.read(outcome, clock_.wall(), "x-rate-limit-remaining", "x-rate-limit-reset");
  }

  QuotaWait quota_;
};

}  // namespace

void register_x_sink(SinkRegistry& registry) {
  registry.add(
      "x",
      [](config::SectionReader& section) {
        return read_platform_settings(section, "https://api.x.com");
      },
      make_platform_sink<XSink>, config::Takes::replies_on({"x"}));
}

}  // namespace ackd::deliver
