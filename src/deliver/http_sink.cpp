#include "deliver/http_sink.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/asio/post.hpp>

namespace ackd::deliver {

HttpSink::HttpSink(const SinkContext& context, std::unique_ptr<HttpClient> client)
    : io_(context.io), clock_(context.clock), client_(std::move(client)) {}

void HttpSink::abort() {
  client_->abort();
  life_ = std::make_shared<char>();
}

void HttpSink::answer(Done done, Attempt attempt) {
  boost::asio::post(io_, [alive = std::weak_ptr<char>(life_), done = std::move(done),
                          attempt = std::move(attempt)]() mutable {
    if (!alive.expired()) done(std::move(attempt));
  });
}

std::string HttpSink::target(std::string_view path, std::string_view query) const {
  const std::string& base = client_->url().target;
  const auto question = base.find('?');
  std::string out = base.substr(0, question);
  if (!path.empty() && out.ends_with('/')) out.pop_back();
  out += path;
  std::string all_query = question == std::string::npos ? "" : base.substr(question + 1);
  if (!query.empty()) all_query += (all_query.empty() ? "" : "&") + std::string(query);
  if (!all_query.empty()) out += "?" + all_query;
  return out;
}

std::string key_uuid(std::string_view idempotency_key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(idempotency_key.data(), idempotency_key.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x80);  // version 8, "custom"
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 9562's variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

Attempt cannot_send(std::string error) {
  Attempt attempt;
  attempt.retryable = false;
  attempt.error = std::move(error);
  return attempt;
}

std::optional<Attempt> QuotaWait::check(time::WallTime now, std::string_view api) const {
  if (now >= until) return std::nullopt;
  Attempt attempt;
  attempt.error = std::string(api) + ": rate limit reached, waiting for the quota";
  attempt.wait = std::chrono::ceil<std::chrono::milliseconds>(until - now);
  return attempt;
}

Attempt QuotaWait::read(const HttpOutcome& outcome, time::WallTime now,
                        std::string_view remaining_header, std::string_view reset_header) {
  Attempt out = attempt_of(outcome);
  if (!outcome.error.empty()) return out;
  const auto& response = outcome.response;
  auto remaining = header_number(response, remaining_header);
  auto reset = header_number(response, reset_header);
  if (!reset) return out;
  const time::WallTime reset_at{std::chrono::seconds(*reset)};
  if (remaining == 0 || response.result_int() == 429) {
    until = std::min(reset_at, now + kMaxQuotaWait);
  }
  if (response.result_int() == 429) {
    out.wait = std::max(std::chrono::milliseconds(1000),
                        std::chrono::ceil<std::chrono::milliseconds>(until - now));
  }
  return out;
}

}  // namespace ackd::deliver
