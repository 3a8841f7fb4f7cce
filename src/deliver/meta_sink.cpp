// The `meta` sink: answers on Instagram and Facebook through Meta's Graph API with a Page
// token. An Instagram comment is answered with POST /{comment-id}/replies?message=, a
// Facebook comment with POST /{comment-id}/comments {"message"}, a message with
// POST /{page-id}/messages {"recipient", "messaging_type": "RESPONSE", "message"}. Meta
// reports the share of its quota used (X-App-Usage, X-Page-Usage,
// X-Business-Use-Case-Usage, in percent): past `usage_limit` the sink stops for a while
// rather than be throttled, and a throttled call waits instead of counting as an attempt.
#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "ackd/http/query.hpp"
#include "deliver/platform_sink.hpp"

namespace ackd::deliver {
namespace {

using nlohmann::json;

// Graph API error codes that mean "too many calls" (application, user, Page, per hour, and
// the business use cases of Pages, Instagram and Messenger).
const std::set<std::int64_t> kThrottled = {4, 17, 32, 613, 80001, 80002, 80006};
// Codes Meta documents as temporary.
const std::set<std::int64_t> kTemporary = {1, 2};

std::int64_t number_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

// The highest share used of any quota the response reports, and the minutes Meta says
// the app must wait (X-Business-Use-Case-Usage's estimated_time_to_regain_access).
struct Usage {
  std::int64_t percent = 0;
  std::int64_t regain_minutes = 0;

  void add(const json& counts) {
    if (!counts.is_object()) return;
    for (const char* key : {"call_count", "total_cputime", "total_time"}) {
      percent = std::max(percent, number_of(counts, key));
    }
    regain_minutes = std::max(regain_minutes, number_of(counts, "estimated_time_to_regain_access"));
  }

  static Usage of(const HttpResponse& response) {
    Usage usage;
    for (const char* header : {"X-App-Usage", "X-Page-Usage"}) {
      usage.add(json::parse(response[header], nullptr, /*allow_exceptions=*/false));
    }
    auto business = json::parse(response["X-Business-Use-Case-Usage"], nullptr, false);
    if (business.is_object()) {
      for (const auto& [id, cases] : business.items()) {
        if (!cases.is_array()) continue;
        for (const auto& counts : cases) usage.add(counts);
      }
    }
    return usage;
  }
};

class MetaSink final : public PlatformSink {
 public:
  MetaSink(const SinkContext& context, std::unique_ptr<HttpClient> client, std::string token,
           std::string page_id, std::int64_t usage_limit)
      : PlatformSink(context, std::move(client), std::move(token)),
        page_id_(std::move(page_id)),
        usage_limit_(usage_limit) {}

  void send(const Delivery& delivery, Done done) override {
    auto read = read_reply(delivery, "meta");
    if (auto* error = std::get_if<std::string>(&read)) {
      return answer(std::move(done), cannot_send(*error));
    }
    auto made = request_for(std::get<Reply>(read));
    if (auto* error = std::get_if<std::string>(&made)) {
      return answer(std::move(done), cannot_send(*error));
    }
    if (auto waiting = quota_.check(clock_.wall(), "meta")) {
      return answer(std::move(done), *waiting);
    }
    client_->send(std::get<HttpRequest>(std::move(made)),
                  [this, done = std::move(done)](HttpOutcome outcome) { done(attempt(outcome)); });
  }

 private:
  std::variant<HttpRequest, std::string> request_for(const Reply& reply) const {
    if (reply.channel != "instagram" && reply.channel != "facebook") {
      return "a meta sink answers on instagram and facebook, not on '" + reply.channel + "'";
    }
    if (reply.direct) {
      const auto page = page_id_.empty() ? reply.platform_text("meta", "account_id") : page_id_;
      if (page.empty()) {
        return std::string(
            "a meta sink needs the Page id for a message: metadata.meta.account_id"
            " or the sink's page_id");
      }
      return request("/" + ackd::http::percent_encode(page) + "/messages",
                     json{{"recipient", {{"id", reply.author_id}}},
                          {"messaging_type", "RESPONSE"},
                          {"message", {{"text", reply.text}}}});
    }
    const auto comment = ackd::http::percent_encode(reply.external_id);
    if (reply.channel == "instagram") {
      return request("/" + comment + "/replies?message=" + ackd::http::percent_encode(reply.text));
    }
    return request("/" + comment + "/comments", json{{"message", reply.text}});
  }

  Attempt attempt(const HttpOutcome& outcome) {
    Attempt out = attempt_of(outcome);
    if (!outcome.error.empty()) return out;
    const auto usage = Usage::of(outcome.response);
    const auto pause = std::chrono::minutes(std::max<std::int64_t>(1, usage.regain_minutes));
    if (usage.percent >= usage_limit_) {
      quota_.until = clock_.wall() + std::min<std::chrono::milliseconds>(pause, kMaxQuotaWait);
    }
    if (out.delivered) return out;
    auto body = json::parse(outcome.response.body(), nullptr, /*allow_exceptions=*/false);
    const auto code = body.is_object() && body.contains("error") && body["error"].is_object()
                          ? number_of(body["error"], "code")
                          : 0;
    if (kThrottled.contains(code)) {
      out.retryable = true;
      out.wait = std::min<std::chrono::milliseconds>(pause, kMaxQuotaWait);
      quota_.until = clock_.wall() + *out.wait;
    } else if (kTemporary.contains(code)) {
      out.retryable = true;
    }
    return out;
  }

  std::string page_id_;  // for messages, when the complaint does not say
  std::int64_t usage_limit_;
  QuotaWait quota_;
};

struct MetaSettings {
  PlatformSettings platform;
  std::string page_id;
  std::int64_t usage_limit = 90;
};

std::optional<MetaSettings> read_meta_settings(config::SectionReader& section) {
  auto platform = read_platform_settings(section, "https://graph.facebook.com/v21.0",
                                         {"page_id", "usage_limit"});
  MetaSettings settings;
  if (auto limit = section.integer("usage_limit", 1, 100)) settings.usage_limit = *limit;
  settings.page_id = section.text("page_id").value_or("");
  if (!platform || !section.ok()) return std::nullopt;
  settings.platform = std::move(*platform);
  return settings;
}

}  // namespace

void register_meta_sink(SinkRegistry& registry) {
  registry.add(
      "meta", read_meta_settings,
      [](const MetaSettings& settings, const SinkContext& context) {
        return make_platform_sink<MetaSink>(settings.platform, context, settings.page_id,
                                            settings.usage_limit);
      },
      config::Takes::replies_on({"instagram", "facebook"}));
}

}  // namespace ackd::deliver
