#include "ackd/deliver/sink_registry.hpp"

namespace ackd::deliver {

const SinkRegistry& builtin_sinks() {
  static const SinkRegistry registry = [] {
    SinkRegistry r("sink");
    register_webhook_sink(r);
    register_file_sink(r);
    register_x_sink(r);
    register_meta_sink(r);
    register_line_sink(r);
    register_slack_sink(r);
    register_teams_sink(r);
    register_google_chat_sink(r);
    register_chatwork_sink(r);
    register_zendesk_sink(r);
    register_zammad_sink(r);
    register_smtp_sink(r);
    return r;
  }();
  return registry;
}

}  // namespace ackd::deliver
