// The `line` sink: answers on LINE through the Messaging API with a channel access token.
// While the event's reply token is fresh (it is good for about a minute from the event)
// the first attempt uses it: POST /v2/bot/message/reply, which costs no message quota.
// Otherwise, and when LINE refuses the token, POST /v2/bot/message/push {"to": userId}
// with an X-Line-Retry-Key derived from the idempotency key, so that a retry of a push LINE
// already took is answered 409 and counts as delivered rather than sent twice.

#include <memory>
#include <string>

#include "deliver/platform_sink.hpp"

namespace ackd::deliver {
namespace {

using nlohmann::json;

json text_messages(const std::string& text) {
  return json::array({{{"type", "text"}, {"text", text}}});
}

class LineSink final : public PlatformSink {
 public:
  LineSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string token,
           std::chrono::milliseconds reply_window)
      : PlatformSink(context, std::move(client), std::move(token)), reply_window_(reply_window) {}

  void send(const Delivery& delivery, Done done) override {
    auto read = read_reply(delivery, "line");
    if (auto* error = std::get_if<std::string>(&read)) {
      return answer(std::move(done), cannot_send(*error));
    }
    auto reply = std::get<Reply>(std::move(read));
    if (reply.author_id.empty()) {
      return answer(std::move(done), cannot_send("a line sink needs the user's id (author_id)"));
    }
    if (delivery.attempts > 0 || !fresh_token(reply)) {
      return push(reply, delivery.idempotency_key, std::move(done));
    }
    const auto token = reply.platform_text("line", "reply_token");
    auto request =
        PlatformSink::request("/v2/bot/message/reply",
                              json{{"replyToken", token}, {"messages", text_messages(reply.text)}});
    client_->send(std::move(request),
                  [this, reply = std::move(reply), key = delivery.idempotency_key,
                   done = std::move(done)](HttpOutcome outcome) mutable {
                    // A token LINE no longer takes (used, or older than it looked): push instead.
                    if (outcome.error.empty() && outcome.response.result_int() == 400 &&
                        error_message(outcome.response).find("reply token") != std::string::npos) {
                      return push(reply, key, std::move(done));
                    }
                    done(attempt_of(outcome));
                  });
  }

 private:
  // A retry of the first attempt might find the token used by a reply that did go out:
  // only the first attempt replies, and only well within the token's minute.
  bool fresh_token(const Reply& reply) const {
    if (reply.platform_text("line", "reply_token").empty()) return false;
    auto line = reply.metadata.find("line");
    auto at = line->find("timestamp");
    if (at == line->end() || !at->is_number_integer()) return false;
    const time::WallTime issued{std::chrono::milliseconds(at->get<std::int64_t>())};
    return clock_.wall() - issued < reply_window_;
  }

  void push(const Reply& reply, const std::string& key, Done done) {
    auto request = PlatformSink::request(
        "/v2/bot/message/push",
        json{{"to", reply.author_id}, {"messages", text_messages(reply.text)}});
    request.set("X-Line-Retry-Key", key_uuid(key));
    client_->send(std::move(request), [done = std::move(done)](HttpOutcome outcome) {
      // 409: a request with this retry key was already accepted.
      if (outcome.error.empty() && outcome.response.result_int() == 409) {
        Attempt accepted;
        accepted.delivered = true;
        return done(accepted);
      }
      done(attempt_of(outcome));
    });
  }

  std::chrono::milliseconds reply_window_;
};

struct LineSettings {
  PlatformSettings platform;
  std::chrono::milliseconds reply_window{50000};
};

std::optional<LineSettings> read_line_settings(config::SectionReader& section) {
  auto platform = read_platform_settings(section, "https://api.line.me", {"reply_window"});
  LineSettings settings;
  if (auto window = section.duration("reply_window")) {
    if (*window > std::chrono::seconds(60)) {
      section.error("reply_window", section.what() +
                                        ": reply_window is at most 1m (LINE's reply tokens last "
                                        "about a minute)");
    }
    settings.reply_window = *window;
  }
  if (!platform || !section.ok()) return std::nullopt;
  settings.platform = std::move(*platform);
  return settings;
}

}  // namespace

void register_line_sink(SinkRegistry& registry) {
  registry.add(
      "line", read_line_settings,
      [](const LineSettings& settings, const SinkContext& context) {
        return make_platform_sink<LineSink>(settings.platform, context, settings.reply_window);
      },
      config::Takes::replies_on({"line"}));
}

}  // namespace ackd::deliver
