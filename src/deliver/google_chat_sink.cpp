// The `google-chat` sink: notices to a Google Chat space's webhook, each case's in one
// thread, with a requestId so that a retry never posts twice.
#include "ackd/notice/formats.hpp"
#include "deliver/chat_sink.hpp"

namespace ackd::deliver {
namespace {

class GoogleChatSink final : public ChatSink {
 public:
  GoogleChatSink(const SinkContext& context, std::unique_ptr<HttpClient> client)
      : ChatSink(context, std::move(client), "google-chat") {}

 protected:
  HttpRequest request(const notice::Notice& notice, const Delivery& delivery,
                      const notice::View& view) const override {
    return post(target({}, "messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD&requestId=" +
                               key_uuid(delivery.idempotency_key)),
                "application/json; charset=UTF-8", notice::google_chat_message(notice, view));
  }
};

}  // namespace

void register_google_chat_sink(SinkRegistry& registry) {
  registry.add("google-chat", read_webhook_url_settings, make_http_sink<GoogleChatSink>,
               config::Takes::notices_only());
}

}  // namespace ackd::deliver
