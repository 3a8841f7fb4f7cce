#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>

#include "ackd/config/section.hpp"
#include "ackd/deliver/sink.hpp"
#include "ackd/time/clock.hpp"

namespace ackd::deliver {

// What a sink may use.
struct SinkContext {
  boost::asio::io_context& io;
  time::Clock& clock;
  // Concurrent attempts per sink when not 0, whatever the sections say (tests, benchmarks).
  std::size_t connections = 0;
  // ackd.yaml's console_url: chat and helpdesk notices link each case there.
  std::string console_url;
};

// The sink types, each built from its section of ackd.yaml (as Alertmanager builds each
// notifier from its config). `ackd check --config` checks sections with it (config::
// parse_config); the daemon makes its sinks with make_all().
using SinkRegistry = config::TypeRegistry<Sink, SinkContext>;

// webhook, file; the platforms' own: x, meta, line; the chat tools: slack, teams,
// google-chat, chatwork; the helpdesks: zendesk, zammad; mail: smtp.
const SinkRegistry& builtin_sinks();

// Each sink type, in its own file, adds itself to a registry.
void register_webhook_sink(SinkRegistry& registry);
void register_file_sink(SinkRegistry& registry);
void register_x_sink(SinkRegistry& registry);
void register_meta_sink(SinkRegistry& registry);
void register_line_sink(SinkRegistry& registry);
void register_slack_sink(SinkRegistry& registry);
void register_teams_sink(SinkRegistry& registry);
void register_google_chat_sink(SinkRegistry& registry);
void register_chatwork_sink(SinkRegistry& registry);
void register_zendesk_sink(SinkRegistry& registry);
void register_zammad_sink(SinkRegistry& registry);
void register_smtp_sink(SinkRegistry& registry);

}  // namespace ackd::deliver
