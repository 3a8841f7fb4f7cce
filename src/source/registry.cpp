#include "ackd/source/registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "ackd/http/query.hpp"

namespace ackd::source {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

Response error(unsigned status, std::string_view code, const std::string& message) {
  return {status, "application/json", http::error_body(code, message)};
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return {};
}

std::optional<std::string> Request::query(std::string_view name) const {
  const auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  return http::query_value(std::string_view(target).substr(q + 1), name);
}

const SourceRegistry& builtin_sources() {
  static const SourceRegistry registry = [] {
    SourceRegistry r("source");
    register_line_source(r);
    register_meta_source(r);
    register_x_source(r);
    register_zendesk_source(r);
    register_zammad_source(r);
    register_imap_source(r);
    return r;
  }();
  return registry;
}

Sources::Sources(const SourceRegistry& registry,
                 const std::map<std::string, config::Section>& sections,
                 const SourceContext& context, Observer observer)
    : sources_(registry.make_all(sections, context)), observer_(std::move(observer)) {
  for (const auto& [name, source] : sources_) {
    if (const auto* why = std::get_if<std::string>(&source)) {
      spdlog::error("source '{}': {}; its requests will be answered 503", name, *why);
    }
  }
}

void Sources::handle(const std::string& name, Request request, Respond respond) {
  auto found = sources_.find(name);
  if (found == sources_.end()) {
    return respond(error(404, "not_found", "no such source: '" + name + "'"));
  }
  if (observer_) {
    respond = [this, name, respond = std::move(respond)](Response answer) {
      observer_(name, answer);
      respond(std::move(answer));
    };
  }
  if (const auto* why = std::get_if<std::string>(&found->second)) {
    return respond(error(503, "source_unavailable", "source '" + name + "': " + *why));
  }
  std::get<std::unique_ptr<Source>>(found->second)->handle(std::move(request), std::move(respond));
}

void Sources::start() {
  for (auto& [name, source] : sources_) {
    if (auto* made = std::get_if<std::unique_ptr<Source>>(&source)) (*made)->start();
  }
}

void Sources::stop() {
  for (auto& [name, source] : sources_) {
    if (auto* made = std::get_if<std::unique_ptr<Source>>(&source)) (*made)->stop();
  }
}

std::vector<std::pair<std::string, double>> Sources::watching() const {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, source] : sources_) {
    if (const auto* made = std::get_if<std::unique_ptr<Source>>(&source)) {
      if (auto w = (*made)->watching()) out.emplace_back(name, *w ? 1.0 : 0.0);
    }
  }
  return out;
}

void Sources::serve(const std::string& name, const http::Request& request, http::Respond respond) {
  Request plain;
  plain.method = std::string(request.method_string());
  plain.target = std::string(request.target());
  for (const auto& field : request) {
    plain.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  plain.body = request.body();
  handle(name, std::move(plain),
         [version = request.version(), keep_alive = request.keep_alive(),
          respond = std::move(respond)](Response answer) {
           http::Response out{static_cast<boost::beast::http::status>(answer.status), version};
           out.set(boost::beast::http::field::server, "ackd");
           out.set(boost::beast::http::field::content_type, answer.content_type);
           out.keep_alive(keep_alive);
           out.body() = std::move(answer.body);
           out.prepare_payload();
           respond(std::move(out));
         });
}

}  // namespace ackd::source
