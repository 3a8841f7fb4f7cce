#include "deliver/platform_sink.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "ackd/json/member.hpp"

namespace ackd::deliver {

namespace http = boost::beast::http;
using nlohmann::json;

std::string Reply::platform_text(const char* platform, const char* name) const {
  auto it = metadata.find(platform);
  return it != metadata.end() ? json_text(*it, name) : std::string();
}

std::variant<Reply, std::string> read_reply(const Delivery& delivery, std::string_view type) {
  // "an x sink", "a line sink"
  const bool vowel_sound =
      !type.empty() && std::string_view("aeiox").find(type[0]) != std::string_view::npos;
  const std::string sink = (vowel_sound ? "an " : "a ") + std::string(type) + " sink";
  if (delivery.kind != plan::Kind::reply) {
    return sink + " sends replies only, not a " + std::string(plan::to_string(delivery.kind)) +
           " (send notices to a webhook or a chat sink)";
  }
  auto payload = json::parse(delivery.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return sink + ": the reply's payload is not a JSON object";
  Reply reply;
  reply.channel = json_text(payload, "channel");
  reply.external_id = json_text(payload, "external_id");
  reply.thread_id = json_text(payload, "thread_id");
  reply.author_id = json_text(payload, "author_id");
  reply.text = json_text(payload, "text");
  reply.direct = json_text(payload, "visibility") == "dm";
  if (auto m = payload.find("metadata"); m != payload.end() && m->is_object()) reply.metadata = *m;
  if (reply.text.empty()) return sink + ": the reply has no text";
  return reply;
}

std::optional<PlatformSettings> read_platform_settings(config::SectionReader& section,
                                                       const std::string& default_base_url,
                                                       std::vector<std::string> extra) {
  auto keys = http_keys("base_url");
  keys.push_back("token");
  keys.insert(keys.end(), extra.begin(), extra.end());
  section.allow(keys);
  PlatformSettings settings{read_http_settings(section, "base_url", default_base_url), {}};
  if (auto token = section.required_secret("token")) settings.token = *token;
  if (!section.ok()) return std::nullopt;
  return settings;
}

PlatformSink::PlatformSink(const SinkContext& context, std::unique_ptr<HttpClient> client,
                           std::string token)
    : HttpSink(context, std::move(client)), authorization_("Bearer " + std::move(token)) {}

HttpRequest PlatformSink::request(std::string_view path, const json& body) const {
  auto request = client_->request(http::verb::post, target(path));
  request.set(http::field::authorization, authorization_);
  if (!body.is_null()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return request;
}

}  // namespace ackd::deliver
