#include "deliver/chat_sink.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <variant>

namespace ackd::deliver {

namespace http = boost::beast::http;

ChatSink::ChatSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string type)
    : HttpSink(context, std::move(client)),
      type_(std::move(type)),
      console_url_(context.console_url) {}

void ChatSink::send(const Delivery& delivery, Done done) {
  auto read_back = notice::read_notice(delivery.kind, delivery.payload);
  if (auto* error = std::get_if<std::string>(&read_back)) {
    return answer(std::move(done), cannot_send("a " + type_ + " sink: " + *error));
  }
  if (auto waiting = hold()) return answer(std::move(done), *waiting);
  const notice::View view{std::chrono::floor<std::chrono::seconds>(clock_.wall()), console_url_};
  client_->send(request(std::get<notice::Notice>(read_back), delivery, view),
                [this, done = std::move(done)](HttpOutcome outcome) { done(read(outcome)); });
}

HttpRequest ChatSink::post(std::string target, std::string_view content_type,
                           std::string body) const {
  auto out = client_->request(http::verb::post, std::move(target));
  out.set(http::field::content_type, content_type);
  out.body() = std::move(body);
  return out;
}

std::optional<HttpSettings> read_webhook_url_settings(config::SectionReader& section) {
  section.allow(http_keys("url"));
  auto url = section.required_secret("url");
  auto settings = read_http_settings(section, "url");
  if (!url || !section.ok()) return std::nullopt;
  return settings;
}

}  // namespace ackd::deliver
