// `ackd export`: stored complaints as NDJSON that POST /v1/complaints and `ackd replay` take.
#include "ackd/report/export.hpp"

#include <openssl/rand.h>

#include <iostream>
#include <map>

#include "crypto/hmac.hpp"
#include "stored.hpp"

namespace ackd::cli {
namespace {

// Pseudonyms from a key made for this export and then forgotten: the same author gets the
// same pseudonym throughout the file, and nobody can tell who it was.
class Pseudonyms {
 public:
  Pseudonyms() {
    key_.resize(32);
    RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size()));
  }

  std::string operator()(std::string_view kind, std::string_view value) const {
    const auto digest =
        crypto::hex(crypto::hmac_sha256(key_, std::string(kind) + '\0' + std::string(value)))
            .substr(0, 12);
    if (kind == "name") return "customer-" + digest.substr(0, 6);
    return std::string(kind == "handle" ? "h-" : "a-") + digest;
  }

 private:
  std::string key_;
};

}  // namespace

int export_command(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: ackd export --config FILE (--since 7d | --from DATE [--to DATE]) [--anonymise]";
  auto parse = parse_arguments(args, {"--config", "--since", "--from", "--to"}, usage,
                               {"--anonymise", "--anonymize"});
  if (!parse.arguments) return parse.exit_status;
  const bool anonymous = parse.arguments->has("--anonymise") || parse.arguments->has("--anonymize");
  const auto config = parse.arguments->option("--config");
  if (!config || !parse.arguments->positional.empty()) return usage_error(usage);
  auto period =
      period_of(*parse.arguments,
                std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now()));
  if (!period) return kUsage;
  auto stored = open_stored(*config);
  if (!stored) return kFailed;

  Pseudonyms pseudonyms;
  std::size_t written = 0;
  auto done = wait_for<bool>([&](auto finish) {
    stored->store->complaints_received(
        period->from, period->to,
        [&](const std::string& complaint, time::Instant received_at) {
          auto out = report::exported_complaint(nlohmann::json::parse(complaint), received_at);
          if (anonymous) report::anonymise(out, std::cref(pseudonyms));
          std::cout << out.dump() << '\n';
          ++written;
        },
        [finish](absl::Status st) {
          finish(st.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(st));
        });
  });
  std::cout.flush();
  if (!done.ok()) {
    std::cerr << done.status().message() << "\n";
    return kFailed;
  }
  std::cerr << written << (written == 1 ? " complaint" : " complaints") << " exported\n";
  return kOk;
}

}  // namespace ackd::cli
