#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "ackd/config/section.hpp"
#include "ackd/http/server.hpp"
#include "ackd/source/source.hpp"

namespace ackd::source {

// The source types, each built from its section of ackd.yaml's `sources:` (name -> {type:
// ..., settings of that type}), as sinks are (deliver/sink_registry.hpp).
using SourceRegistry = config::TypeRegistry<Source, SourceContext>;

// The source types ackd is built with: line, meta, x; the helpdesks' own: zendesk, zammad;
// a mailbox: imap.
const SourceRegistry& builtin_sources();
// Each type adds itself, from its own file.
void register_line_source(SourceRegistry& registry);
void register_meta_source(SourceRegistry& registry);
void register_x_source(SourceRegistry& registry);
void register_zendesk_source(SourceRegistry& registry);
void register_zammad_source(SourceRegistry& registry);
void register_imap_source(SourceRegistry& registry);

// The configured sources by name, as the router reaches them.
class Sources {
 public:
  // Told of each answer a configured source gives, by the source's name (metrics).
  using Observer = std::function<void(const std::string& name, const Response& answer)>;

  Sources(const SourceRegistry& registry, const std::map<std::string, config::Section>& sections,
          const SourceContext& context, Observer observer = {});

  // A request to /v1/sources/{name}: to the source of that name, else 404 (no such
  // source) or 503 (a source that could not be made, with why). `respond` runs once.
  void handle(const std::string& name, Request request, Respond respond);
  // The same from the HTTP server's request and to its response.
  void serve(const std::string& name, const http::Request& request, http::Respond respond);

  // Starts and stops the sources that read from elsewhere (Source::start, Source::stop).
  void start();
  void stop();
  // Each source that reads from elsewhere, by name: 1 while watching, else 0.
  std::vector<std::pair<std::string, double>> watching() const;

  std::size_t size() const { return sources_.size(); }

 private:
  std::map<std::string, SourceRegistry::MadeOrError> sources_;
  Observer observer_;
};

}  // namespace ackd::source
