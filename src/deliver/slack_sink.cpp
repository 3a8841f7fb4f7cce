// The `slack` sink: notices to a Slack incoming webhook, in Block Kit.
#include "ackd/notice/formats.hpp"
#include "deliver/chat_sink.hpp"

namespace ackd::deliver {
namespace {

class SlackSink final : public ChatSink {
 public:
  SlackSink(const SinkContext& context, std::unique_ptr<HttpClient> client)
      : ChatSink(context, std::move(client), "slack") {}

 protected:
  HttpRequest request(const notice::Notice& notice, const Delivery&,
                      const notice::View& view) const override {
    return post(target(), "application/json", notice::slack_message(notice, view));
  }
};

}  // namespace

void register_slack_sink(SinkRegistry& registry) {
  registry.add("slack", read_webhook_url_settings, make_http_sink<SlackSink>,
               config::Takes::notices_only());
}

}  // namespace ackd::deliver
