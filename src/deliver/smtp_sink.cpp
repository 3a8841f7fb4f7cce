// The `smtp` sink: a reply to a customer's mail as an answer in its thread, and a notice to
// a team as a mail to `to`, each submitted to a mail server over SMTP (a session per mail).
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <memory>
#include <set>
#include <string>

#include "ackd/deliver/sink_registry.hpp"
#include "ackd/json/member.hpp"
#include "ackd/mail/message.hpp"
#include "ackd/notice/formats.hpp"
#include "deliver/platform_sink.hpp"
#include "deliver/smtp_client.hpp"

namespace ackd::deliver {
namespace {

using nlohmann::json;

struct SmtpSettings {
  SmtpServer server;
  TlsOptions tls;
  std::optional<SmtpLogin> login;
  std::string from;     // "ACME Support <support@example.com>"
  std::string address;  // the address in `from`
  std::string to;       // where notices go; "" : this sink takes replies only
  bool iso_2022_jp = false;
  std::chrono::milliseconds timeout{30000};
  std::size_t connections = 2;
};

// The address in "Name <address>" or a bare address.
std::string address_in(const std::string& from) {
  const auto open = from.rfind('<');
  const auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return from.substr(open + 1, close - open - 1);
  }
  return from;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "ackd.invalid" : address.substr(at + 1);
}

class SmtpSink final : public Sink {
 public:
  SmtpSink(const SinkContext& context, SmtpSettings settings, std::shared_ptr<TlsContext> tls)
      : io_(context.io),
        clock_(context.clock),
        console_url_(context.console_url),
        settings_(std::move(settings)),
        tls_(std::move(tls)) {}

  std::size_t capacity() const override { return settings_.connections; }

  void send(const Delivery& delivery, Done done) override {
    auto mail = compose(delivery);
    if (auto* error = std::get_if<std::string>(&mail)) {
      Attempt attempt;
      attempt.retryable = false;
      attempt.error = "an smtp sink: " + *error;
      // Answered soon, as the dispatcher expects, and not after abort().
      return boost::asio::post(
          io_, [alive = std::weak_ptr<char>(life_), done = std::move(done), attempt] {
            if (!alive.expired()) done(attempt);
          });
    }
    submit(std::get<SmtpMessage>(std::move(mail)), std::move(done));
  }

  void send_report(const ReportMail& report, Done done) override {
    auto out = outgoing(report.key);
    out.to_address = report.to.empty() ? std::string() : report.to.front();
    if (report.to.size() > 1) out.also_to.assign(report.to.begin() + 1, report.to.end());
    out.subject = report.subject;
    out.text = report.text;
    out.auto_submitted = "auto-generated";
    out.attachments.push_back({report.html_filename, "text/html", report.html});
    submit(SmtpMessage{settings_.address, report.to, mail::compose(out)}, std::move(done));
  }

  void abort() override {
    for (const auto& session : sessions_) session->abort();
    sessions_.clear();
    life_ = std::make_shared<char>();
  }

 private:
  void submit(SmtpMessage message, Done done) {
    auto session = std::make_shared<SmtpSession>(io_, clock_, settings_.server, tls_,
                                                 settings_.login, domain_of(settings_.address));
    sessions_.insert(session);
    session->run(std::move(message), settings_.timeout,
                 [this, session, done = std::move(done)](SmtpOutcome outcome) {
                   sessions_.erase(session);
                   Attempt attempt;
                   attempt.delivered = outcome.sent;
                   attempt.retryable = !outcome.permanent;
                   attempt.error = std::move(outcome.error);
                   done(std::move(attempt));
                 });
  }

  // A mail from this sink, its Message-ID made from `key`: the same on every attempt, so a
  // mail sent twice is recognisable as one.
  mail::Outgoing outgoing(std::string key) const {
    mail::Outgoing out;
    out.from = settings_.from;
    out.date = std::chrono::floor<std::chrono::seconds>(clock_.wall());
    out.iso_2022_jp = settings_.iso_2022_jp;
    std::replace(key.begin(), key.end(), ':', '.');
    out.message_id = key + ".ackd@" + domain_of(settings_.address);
    return out;
  }

  // The mail a delivery is, or why it cannot be one.
  std::variant<SmtpMessage, std::string> compose(const Delivery& delivery) const {
    auto out = outgoing(delivery.idempotency_key);
    if (delivery.kind == plan::Kind::reply) {
      auto read = read_reply(delivery, "smtp");
      if (auto* error = std::get_if<std::string>(&read)) return *error;
      const auto& reply = std::get<Reply>(read);
      if (!mail::usable_address(reply.author_id)) {
        return "the customer's id '" + reply.author_id + "' is not a mail address";
      }
      const json email = reply.metadata.value("email", json::object());
      out.to_address = reply.author_id;
      // What a connector wrote: read without trusting its types.
      out.subject = mail::reply_subject(email.is_object() ? json_text(email, "subject") : "");
      out.in_reply_to = reply.external_id;
      if (email.is_object() && email.contains("references") && email["references"].is_array()) {
        for (const auto& ref : email["references"]) {
          if (ref.is_string()) out.references.push_back(ref.get<std::string>());
        }
      }
      out.references.push_back(reply.external_id);
      out.text = reply.text;
    } else {
      if (settings_.to.empty()) return "it has no `to` for notices to teams";
      auto read = notice::read_notice(delivery.kind, delivery.payload);
      if (auto* error = std::get_if<std::string>(&read)) return *error;
      const auto& n = std::get<notice::Notice>(read);
      const notice::View view{out.date, console_url_};
      out.to_address = settings_.to;
      out.subject = notice::headline(n);
      // One case's reference in the subject: a mailbox is searched by its subjects.
      if (n.count == 1 && !n.cases.front().reference.empty()) {
        out.subject += " · " + n.cases.front().reference;
      }
      out.text = notice::ticket_body(n, view);
      out.auto_submitted = "auto-generated";
    }
    return SmtpMessage{settings_.address, {out.to_address}, mail::compose(out)};
  }

  boost::asio::io_context& io_;
  time::Clock& clock_;
  std::string console_url_;
  SmtpSettings settings_;
  std::shared_ptr<TlsContext> tls_;
  std::set<std::shared_ptr<SmtpSession>> sessions_;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // replaced by abort()
};

std::optional<SmtpSettings> read_smtp_settings(config::SectionReader& section) {
  section.allow({"url", "from", "to", "user", "password", "charset", "timeout", "connections",
                 "tls.ca_file"});
  SmtpSettings settings;
  if (auto url = section.required("url")) {
    auto server = parse_smtp_url(*url);
    if (auto* error = std::get_if<std::string>(&server)) {
      section.error("url", section.what() + ": url " + *error);
    } else {
      settings.server = std::get<SmtpServer>(server);
    }
  }
  if (auto from = section.required("from")) {
    settings.from = *from;
    settings.address = address_in(*from);
    if (settings.address.find('@') == std::string::npos) {
      section.error("from",
                    section.what() + ": from must hold a mail address, got '" + *from + "'");
    }
  }
  if (auto to = section.text("to")) settings.to = *to;
  if (auto user = section.text("user")) {
    auto password = section.required_secret("password");
    settings.login = SmtpLogin{*user, password.value_or("")};
  }
  if (auto charset = section.text("charset")) {
    if (*charset == "iso-2022-jp") {
      settings.iso_2022_jp = true;
    } else if (*charset != "utf-8") {
      section.error("charset", section.what() + ": charset must be utf-8 or iso-2022-jp, got '" +
                                   *charset + "'");
    }
  }
  if (auto timeout = section.duration("timeout")) settings.timeout = *timeout;
  if (auto connections = section.integer("connections", 1, 64)) {
    settings.connections = static_cast<std::size_t>(*connections);
  }
  if (auto ca_file = section.text("tls.ca_file")) settings.tls.ca_file = *ca_file;
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_smtp_sink(SinkRegistry& registry) {
  registry.add(
      "smtp", read_smtp_settings,
      [](const SmtpSettings& settings, const SinkContext& context) -> SinkOrError {
        auto tls = client_tls(settings.tls);
        if (auto* error = std::get_if<std::string>(&tls)) return *error;
        SmtpSettings made = settings;
        if (context.connections != 0) made.connections = context.connections;
        return std::make_unique<SmtpSink>(context, std::move(made),
                                          std::get<std::shared_ptr<TlsContext>>(tls));
      },
      config::Takes{true, true, {"email"}, true});
}

}  // namespace ackd::deliver
