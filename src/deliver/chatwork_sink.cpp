// The `chatwork` sink: notices as messages in a Chatwork room (API v2), within Chatwork's
// X-RateLimit-* quota.
#include <boost/beast/http/field.hpp>

#include "ackd/http/query.hpp"
#include "ackd/notice/formats.hpp"
#include "deliver/chat_sink.hpp"
#include "deliver/platform_sink.hpp"

namespace ackd::deliver {
namespace {

class ChatworkSink final : public ChatSink {
 public:
  ChatworkSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string token,
               std::string room_id)
      : ChatSink(context, std::move(client), "chatwork"),
        token_(std::move(token)),
        room_id_(std::move(room_id)) {}

 protected:
  HttpRequest request(const notice::Notice& notice, const Delivery&,
                      const notice::View& view) const override {
    auto out =
        post(target("/v2/rooms/" + room_id_ + "/messages"), "application/x-www-form-urlencoded",
             "body=" + ackd::http::percent_encode(notice::chatwork_message(notice, view)));
    out.set("X-ChatWorkToken", token_);
    return out;
  }

  Attempt read(const HttpOutcome& outcome) override {
    return quota_.read(outcome, clock_.wall(), "X-RateLimit-Remaining", "X-RateLimit-Reset");
  }

  std::optional<Attempt> hold() override { return quota_.check(clock_.wall(), "chatwork"); }

 private:
  std::string token_;
  std::string room_id_;  // digits
  QuotaWait quota_;
};

struct ChatworkSettings {
  PlatformSettings platform;
  std::string room_id;
};

std::optional<ChatworkSettings> read_chatwork_settings(config::SectionReader& section) {
  auto platform = read_platform_settings(section, "https://api.chatwork.com", {"room_id"});
  auto room_id = section.required("room_id");
  if (room_id &&
      (room_id->empty() || room_id->find_first_not_of("0123456789") != std::string::npos)) {
    section.error("room_id",
                  section.what() + ": room_id must be the room's number, got '" + *room_id + "'");
  }
  if (!platform || !room_id || !section.ok()) return std::nullopt;
  return ChatworkSettings{std::move(*platform), std::move(*room_id)};
}

}  // namespace

void register_chatwork_sink(SinkRegistry& registry) {
  registry.add(
      "chatwork", read_chatwork_settings,
      [](const ChatworkSettings& settings, const SinkContext& context) {
        return make_http_sink<ChatworkSink>(settings.platform.http, context,
                                            settings.platform.token, settings.room_id);
      },
      config::Takes::notices_only());
}

}  // namespace ackd::deliver
