// The `teams` sink: notices to a Microsoft Teams Workflows webhook, as an Adaptive Card.
#include "ackd/notice/formats.hpp"
#include "deliver/chat_sink.hpp"

namespace ackd::deliver {
namespace {

class TeamsSink final : public ChatSink {
 public:
  TeamsSink(const SinkContext& context, std::unique_ptr<HttpClient> client)
      : ChatSink(context, std::move(client), "teams") {}

 protected:
  HttpRequest request(const notice::Notice& notice, const Delivery&,
                      const notice::View& view) const override {
    return post(target(), "application/json", notice::teams_message(notice, view));
  }
};

}  // namespace

void register_teams_sink(SinkRegistry& registry) {
  registry.add("teams", read_webhook_url_settings, make_http_sink<TeamsSink>,
               config::Takes::notices_only());
}

}  // namespace ackd::deliver
