// The `imap` source: watches a mailbox folder (IDLE, else polling) and takes each new mail
// once: every mail becomes a complaint on the `email` channel (or a bounce of a reply ackd
// sent, recorded on its case), and the last UID taken is stored before the mail counts as
// taken, so a restart neither loses nor repeats one.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "ackd/mail/message.hpp"
#include "ackd/source/registry.hpp"
#include "crypto/hmac.hpp"
#include "source/imap_connection.hpp"

namespace ackd::source {

namespace {

struct ImapSettings {
  std::string name;  // the source's, under which its place in the mailbox is stored
  ImapServer server;
  std::string user;
  std::string password;  // AUTHENTICATE PLAIN, or
  std::string token;     // XOAUTH2
  std::vector<std::string> own_addresses;
  std::string channel = "email";
  std::string move_to;  // a folder for mail taken; "" leaves it in place
  std::chrono::seconds poll{60};
  std::chrono::milliseconds timeout{30000};
  std::size_t max_size = 4 * 1024 * 1024;
  deliver::TlsOptions tls;
};

// Mails fetched at once: enough to take a burst quickly, few enough to bound the memory
// (max_size each).
constexpr std::size_t kBatch = 20;

// Where the source stands in the mailbox: the folder's UIDVALIDITY and the last UID taken.
struct Cursor {
  std::uint32_t validity = 0;
  std::uint32_t last_uid = 0;
};

std::string cursor_text(const Cursor& c) {
  return "uidvalidity=" + std::to_string(c.validity) + " uid=" + std::to_string(c.last_uid);
}

std::optional<Cursor> cursor_of(const std::string& text) {
  Cursor c;
  if (std::sscanf(text.c_str(), "uidvalidity=%" SCNu32 " uid=%" SCNu32, &c.validity, &c.last_uid) !=
      2) {
    return std::nullopt;
  }
  return c;
}

// The case a bounce is about, from the Message-ID ackd gave the mail that bounced
// ("<case id>.reply.ackd@example.com", the smtp sink's).
std::optional<std::string> case_of_our_message(const std::string& message_id) {
  const auto dot = message_id.find('.');
  if (dot != 32 || message_id.find(".ackd@") == std::string::npos) return std::nullopt;
  const std::string id = message_id.substr(0, dot);
  if (id.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  return id;
}

class ImapSource final : public Source {
 public:
  ImapSource(const SourceContext& context, ImapSettings settings,
             std::shared_ptr<deliver::TlsContext> tls)
      : io_(context.io),
        clock_(context.clock),
        intake_(context.intake),
        cases_(context.cases),
        state_(context.state),
        counted_(context.counted),
        settings_(std::move(settings)),
        tls_(std::move(tls)),
        wait_(context.clock.timer()) {}

  ~ImapSource() override { stop(); }

  void handle(Request, Respond respond) override {
    respond({404, "application/json",
             http::error_body("not_found", "source '" + settings_.name +
                                               "' watches a mailbox; it takes no requests")});
  }

  void start() override {
    if (running_) return;
    running_ = true;
    load_cursor();
  }

  std::optional<bool> watching() const override { return watching_; }

  void stop() override {
    running_ = false;
    watching_ = false;
    wait_->cancel();
    if (connection_) connection_->close();
    connection_.reset();
    life_ = std::make_shared<char>();
  }

 private:
  // Runs `then` unless the source stopped (or restarted) meanwhile.
  template <class F>
  auto guarded(F then) {
    return
        [this, alive = std::weak_ptr<char>(life_), then = std::move(then)](auto&&... args) mutable {
          if (alive.expired() || !running_) return;
          then(std::forward<decltype(args)>(args)...);
        };
  }

  std::string where() const {
    return "source '" + settings_.name + "' (" +
           (settings_.server.implicit_tls ? "imaps" : "imap") + "://" + settings_.server.host +
           ":" + settings_.server.port + "/" + settings_.server.folder + ")";
  }

  void load_cursor() {
    state_.load(settings_.name,
                guarded([this](const absl::StatusOr<std::optional<std::string>>& stored) {
                  if (!stored.ok())
                    return retry_later("the store: " + std::string(stored.status().message()));
                  cursor_.reset();
                  if (*stored) cursor_ = cursor_of(**stored);
                  connect();
                }));
  }

  void connect() {
    connection_ = std::make_shared<ImapConnection>(io_, clock_, settings_.server, tls_,
                                                   settings_.max_size + 1024, settings_.timeout);
    connection_->open(guarded([this](const std::string& error) {
      if (!error.empty()) return retry_later(error);
      log_in();
    }));
  }

  void log_in() {
    const bool oauth = !settings_.token.empty();
    const std::string mechanism = oauth ? "XOAUTH2" : "PLAIN";
    const std::string initial =
        crypto::base64(oauth ? mail::imap::sasl_xoauth2(settings_.user, settings_.token)
                             : mail::imap::sasl_plain(settings_.user, settings_.password));
    auto logged_in = guarded([this, mechanism](ImapConnection::Result r) {
      if (!r.ok) {
        return retry_later("login as " + settings_.user + " (" + mechanism +
                           ") refused: " + r.status + " " + r.text);
      }
      select();
    });
    // SASL-IR (RFC 4959) sends the credentials with the command; otherwise after the "+".
    // An XOAUTH2 failure comes as a "+" with the reason: answered empty, then NO.
    if (connection_->offers("SASL-IR")) {
      connection_->command("AUTHENTICATE " + mechanism + " " + initial, std::move(logged_in),
                           [](const mail::imap::Response&) { return std::string(); });
    } else {
      connection_->command("AUTHENTICATE " + mechanism, std::move(logged_in),
                           [initial, sent = false](const mail::imap::Response&) mutable {
                             if (sent) return std::string();
                             sent = true;
                             return initial;
                           });
    }
  }

  void select() {
    connection_->command(
        "SELECT " + *mail::imap::mailbox_argument(settings_.server.folder),
        guarded([this](ImapConnection::Result r) {
          if (!r.ok) return retry_later("SELECT " + settings_.server.folder + ": " + r.text);
          std::optional<std::uint32_t> validity;
          std::uint32_t next = 0;
          for (const auto& u : r.untagged) {
            if (auto v = mail::imap::code_number(u.text, "UIDVALIDITY")) validity = v;
            if (auto n = mail::imap::code_number(u.text, "UIDNEXT")) next = *n;
          }
          if (!validity)
            return retry_later("SELECT " + settings_.server.folder + ": no UIDVALIDITY");
          failures_ = 0;
          watching_ = true;
          validity_ = *validity;
          uid_next_ = next;
          if (cursor_ && cursor_->validity != validity_) {
            // The folder's UIDs start over: what was taken cannot be told by UID any more.
            // Its unseen mail is taken again; mail already taken is a duplicate by its
            // Message-ID, and what is stale gets no automatic answer.
            spdlog::warn("{}: UIDVALIDITY changed from {} to {}; taking the unseen mail again",
                         where(), cursor_->validity, validity_);
            cursor_.reset();
          }
          if (!cursor_ && first_look_validity_ != validity_) {
            // A first look at this folder (or at its new UIDs) starts from its first mail.
            first_look_validity_ = validity_;
            taken_on_first_look_ = 0;
          }
          spdlog::info(
              "{}: watching (UIDVALIDITY {}, {}; {})", where(), validity_,
              cursor_ ? "after UID " + std::to_string(cursor_->last_uid)
                      : std::string("first look: the unseen mail"),
              connection_->offers("IDLE")
                  ? "IDLE"
                  : "no IDLE: polling every " + std::to_string(settings_.poll.count()) + " s");
          scan();
        }));
  }

  // New mail: after the cursor, or (first look) every unseen mail, in UID order.
  void scan() {
    const std::uint32_t after = cursor_ ? cursor_->last_uid : taken_on_first_look_;
    const std::string search = std::string("UID SEARCH ") + (cursor_ ? "" : "UNSEEN ") + "UID " +
                               std::to_string(after + 1) + ":*";
    exists_at_search_ = connection_->exists_seen();
    connection_->command(search, guarded([this, after](ImapConnection::Result r) {
                           if (!r.ok) return retry_later("SEARCH: " + r.status + " " + r.text);
                           std::vector<std::uint32_t> uids;
                           for (const auto& u : r.untagged) {
                             if (u.kind() != "SEARCH") continue;
                             for (auto uid : mail::imap::search_uids(u.text)) {
                               // "n:*" names the last mail even when it is below n.
                               if (uid > after) uids.push_back(uid);
                             }
                           }
                           std::sort(uids.begin(), uids.end());
                           uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
                           if (uids.empty()) return cursor_ ? wait_for_mail() : first_look_done();
                           take(std::move(uids));
                         }));
  }

  // After the first look, the cursor starts at the end of what was there.
  void first_look_done() {
    Cursor c{validity_, uid_next_ > 0 ? uid_next_ - 1 : 0};
    c.last_uid = std::max(c.last_uid, taken_on_first_look_);
    save_cursor(c, [this] { wait_for_mail(); });
  }

  void take(std::vector<std::uint32_t> uids) {
    std::vector<std::uint32_t> batch(uids.begin(), uids.begin() + std::min(uids.size(), kBatch));
    connection_->command(
        "UID FETCH " + mail::imap::uid_set(batch) + " (UID INTERNALDATE BODY.PEEK[]<0." +
            std::to_string(settings_.max_size) + ">)",
        guarded([this, batch](ImapConnection::Result r) {
          if (!r.ok) return retry_later("FETCH: " + r.status + " " + r.text);
          std::vector<mail::imap::Fetched> mails;
          for (const auto& u : r.untagged) {
            auto f = mail::imap::fetched(u);
            if (f && f->body && std::find(batch.begin(), batch.end(), f->uid) != batch.end()) {
              mails.push_back(std::move(*f));
            }
          }
          if (mails.size() < batch.size()) {
            spdlog::warn("{}: {} of {} mails fetched (the others expunged meanwhile)", where(),
                         mails.size(), batch.size());
          }
          std::sort(mails.begin(), mails.end(),
                    [](const auto& a, const auto& b) { return a.uid < b.uid; });
          // A mail expunged since the search is simply not there.
          hand_over(std::move(mails), batch.back());
        }));
  }

  // Each mail to the intake (or a bounce to its case), all at once; then the cursor, then
  // the flags.
  void hand_over(std::vector<mail::imap::Fetched> mails, std::uint32_t last_uid) {
    if (mails.empty()) return taken(last_uid, {});
    struct Batch {
      std::size_t waiting = 0;
      std::string failed;               // why the batch must be taken again later
      std::vector<std::uint32_t> seen;  // to flag \Seen
      std::uint32_t last_uid = 0;
    };
    auto batch = std::make_shared<Batch>();
    batch->waiting = mails.size();
    batch->last_uid = last_uid;
    for (auto& m : mails) {
      auto finished = guarded([this, batch, uid = m.uid](std::string failure, bool seen) {
        if (!failure.empty() && batch->failed.empty()) batch->failed = std::move(failure);
        if (seen) batch->seen.push_back(uid);
        if (--batch->waiting > 0) return;
        if (!batch->failed.empty()) return retry_later(batch->failed);
        std::sort(batch->seen.begin(), batch->seen.end());
        taken(batch->last_uid, std::move(batch->seen));
      });
      take_one(std::move(m), std::move(finished));
    }
  }

  // One mail: `finished(failure, seen)`: failure non-empty when it must be taken again.
  void take_one(mail::imap::Fetched fetched,
                std::function<void(std::string failure, bool seen)> finished) {
    const std::string& raw = *fetched.body;
    auto read = mail::read_message(raw, {settings_.own_addresses});
    mail::Message message;
    if (auto* why = std::get_if<std::string>(&read)) {
      // Still a complaint for a person to read, never answered.
      message.text = "(a mail ackd could not read: " + *why + ")";
      message.automated = "a mail that MIME cannot read";
    } else {
      message = std::get<mail::Message>(std::move(read));
    }
    if (message.from_address.empty()) {
      message.from_address = "unknown-sender";
      if (message.automated.empty()) message.automated = "the mail has no sender address";
    }
    auto complaint = mail::complaint_of(message, raw, settings_.channel);
    // The server's arrival time, unless its clock runs ahead of ours (the intake refuses
    // a complaint from the future).
    if (fetched.internal_date)
      complaint.received_at = std::min(*fetched.internal_date, clock_.now());
    const auto case_id = message.bounce_of ? case_of_our_message(*message.bounce_of) : std::nullopt;
    if (case_id && cases_.record) {
      nlohmann::json detail = {{"message_id", message.message_id},
                               {"bounce_of", *message.bounce_of},
                               {"from", message.from_address},
                               {"subject", message.subject},
                               {"text", message.text}};
      return cases_.record(*case_id, "bounced", std::move(detail),
                           [this, case_id = *case_id, complaint = std::move(complaint),
                            finished = std::move(finished)](const absl::Status& st) mutable {
                             if (st.ok()) {
                               spdlog::warn("{}: a mail ackd sent for case {} bounced", where(),
                                            case_id);
                               count("bounce");
                               return finished("", true);
                             }
                             if (!absl::IsNotFound(st)) {
                               count("retry");
                               return finished(std::string(st.message()), false);
                             }
                             to_intake(std::move(complaint), std::move(finished));
                           });
    }
    to_intake(std::move(complaint), std::move(finished));
  }

  void to_intake(Complaint complaint, std::function<void(std::string, bool)> finished) {
    const std::string id = complaint.external_id;
    intake_(std::move(complaint), [this, id, finished = std::move(finished)](IntakeAnswer a) {
      if (a.status == 202 || a.status == 200) {
        count(a.status == 202 ? "stored" : "duplicate");
        return finished("", true);
      }
      if (a.status >= 500) {
        count("retry");
        return finished("the intake: " + a.body, false);
      }
      // Refused for good (a channel nobody configured, say): left unread in the mailbox
      // for a person, and not taken again.
      spdlog::error("{}: mail {} refused by the intake ({}): {}", where(), id, a.status, a.body);
      count("refused");
      finished("", false);
    });
  }

  void count(const std::string& outcome) {
    if (counted_) counted_(settings_.name, outcome);
  }

  // The batch is stored: the cursor moves past it (durably), then the server learns.
  void taken(std::uint32_t last_uid, std::vector<std::uint32_t> seen) {
    auto flag = [this, seen = std::move(seen)] {
      if (seen.empty()) return scan();
      connection_->command("UID STORE " + mail::imap::uid_set(seen) + " +FLAGS.SILENT (\\Seen)",
                           guarded([this, seen](ImapConnection::Result r) {
                             if (!r.ok) {
                               spdlog::warn("{}: \\Seen not set: {} {}", where(), r.status, r.text);
                             }
                             if (settings_.move_to.empty()) return scan();
                             move(seen);
                           }));
    };
    if (!cursor_) {
      // First look: the cursor waits for the end of it (first_look_done).
      taken_on_first_look_ = std::max(taken_on_first_look_, last_uid);
      return flag();
    }
    save_cursor({validity_, last_uid}, std::move(flag));
  }

  void move(const std::vector<std::uint32_t>& uids) {
    const std::string set = mail::imap::uid_set(uids);
    const std::string folder = *mail::imap::mailbox_argument(settings_.move_to);
    auto moved = guarded([this](ImapConnection::Result r) {
      if (!r.ok)
        spdlog::warn("{}: not moved to {}: {} {}", where(), settings_.move_to, r.status, r.text);
      scan();
    });
    if (connection_->offers("MOVE")) {
      return connection_->command("UID MOVE " + set + " " + folder, std::move(moved));
    }
    // RFC 6851's fallback: copy, then mark deleted (expunged with UIDPLUS's UID EXPUNGE).
    connection_->command("UID COPY " + set + " " + folder,
                         guarded([this, set, moved](ImapConnection::Result r) mutable {
                           if (!r.ok) return moved(std::move(r));
                           connection_->command(
                               "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)",
                               guarded([this, set, moved](ImapConnection::Result deleted) mutable {
                                 if (!deleted.ok || !connection_->offers("UIDPLUS"))
                                   return moved(std::move(deleted));
                                 connection_->command("UID EXPUNGE " + set, std::move(moved));
                               }));
                         }));
  }

  void save_cursor(Cursor c, std::function<void()> then) {
    state_.save(settings_.name, cursor_text(c),
                guarded([this, c, then = std::move(then)](const absl::Status& st) {
                  if (!st.ok()) return retry_later("the store: " + std::string(st.message()));
                  cursor_ = c;
                  then();
                }));
  }

  // Until new mail arrives (IDLE's EXISTS) or `poll` passes, then another look.
  void wait_for_mail() {
    // Mail announced since the last search was sent may not be in its answer: look again.
    if (connection_->exists_seen() != exists_at_search_) return scan();
    if (!connection_->offers("IDLE")) {
      wait_->start(settings_.poll, guarded([this] {
                     connection_->command("NOOP", guarded([this](ImapConnection::Result r) {
                                            if (!r.ok) return retry_later("NOOP: " + r.text);
                                            scan();
                                          }));
                   }));
      return;
    }
    connection_->idle(
        [this](const mail::imap::Response& r) {
          if (r.kind() == "EXISTS") connection_->end_idle();
        },
        guarded([this](ImapConnection::Result r) {
          wait_->cancel();
          if (!r.ok) return retry_later("IDLE: " + r.status + " " + r.text);
          scan();
        }));
    wait_->start(settings_.poll, guarded([this] { connection_->end_idle(); }));
  }

  // The connection is dropped; a new one after a pause that doubles up to a minute.
  void retry_later(std::string why) {
    watching_ = false;
    if (connection_) connection_->close();
    connection_.reset();
    life_ = std::make_shared<char>();  // what the old connection still owes is void
    ++failures_;
    const auto base = std::chrono::milliseconds(500) * (1 << std::min(failures_, 7));
    const auto pause = std::min<std::chrono::milliseconds>(base, std::chrono::seconds(60));
    spdlog::warn("{}: {}; trying again in {} ms", where(), why, pause.count());
    wait_->start(pause, guarded([this] { load_cursor(); }));
  }

  boost::asio::io_context& io_;
  time::Clock& clock_;
  Intake intake_;
  CaseActions cases_;
  SourceState state_;
  std::function<void(const std::string&, const std::string&)> counted_;
  ImapSettings settings_;
  std::shared_ptr<deliver::TlsContext> tls_;
  std::unique_ptr<time::Timer> wait_;
  std::shared_ptr<ImapConnection> connection_;
  std::shared_ptr<char> life_ = std::make_shared<char>();
  bool running_ = false;
  bool watching_ = false;  // connected, logged in, the folder selected
  int failures_ = 0;
  std::optional<Cursor> cursor_;
  std::uint32_t validity_ = 0;
  std::uint32_t uid_next_ = 0;
  std::uint32_t taken_on_first_look_ = 0;  // the last UID taken by the first look
  std::uint32_t first_look_validity_ = 0;  // the UIDVALIDITY that look is at
  std::uint64_t exists_at_search_ = 0;     // the connection's exists_seen() then
};

std::optional<ImapSettings> read_imap_settings(config::SectionReader& section) {
  section.allow({"url", "user", "password", "token", "address", "channel", "move_to", "poll",
                 "timeout", "max_size", "tls.ca_file"});
  ImapSettings settings;
  settings.name = section.section().name;
  if (auto url = section.required("url")) {
    auto server = parse_imap_url(*url);
    if (auto* error = std::get_if<std::string>(&server)) {
      section.error("url", section.what() + ": url " + *error);
    } else {
      settings.server = std::get<ImapServer>(server);
    }
  }
  if (auto user = section.required("user")) settings.user = *user;
  const bool has_password = section.is_secret("password") || section.text("password");
  const bool has_token = section.is_secret("token") || section.text("token");
  if (has_password == has_token) {
    section.error(has_token ? "token" : "",
                  section.what() + (has_token ? ": give password or token, not both"
                                              : " needs a password (AUTHENTICATE PLAIN) or a "
                                                "token (XOAUTH2): {credential: NAME}"));
  } else if (has_password) {
    if (auto password = section.required_secret("password")) settings.password = *password;
  } else if (auto token = section.required_secret("token")) {
    settings.token = *token;
  }
  if (auto address = section.text("address")) {
    settings.own_addresses.push_back(*address);
  } else if (settings.user.find('@') != std::string::npos) {
    settings.own_addresses.push_back(settings.user);
  }
  if (auto channel = section.text("channel")) settings.channel = *channel;
  if (auto move_to = section.text("move_to")) {
    if (!mail::imap::mailbox_argument(*move_to)) {
      section.error("move_to", section.what() + ": move_to '" + *move_to +
                                   "' is not a mailbox name (UTF-8, no control characters)");
    }
    settings.move_to = *move_to;
  }
  if (auto poll = section.duration("poll")) settings.poll = *poll;
  if (auto timeout = section.duration("timeout")) settings.timeout = *timeout;
  if (auto max_size = section.integer("max_size", 64 * 1024, 64 * 1024 * 1024)) {
    settings.max_size = static_cast<std::size_t>(*max_size);
  }
  if (auto ca_file = section.text("tls.ca_file")) settings.tls.ca_file = *ca_file;
  if (!section.ok()) return std::nullopt;
  return settings;
}

}  // namespace

void register_imap_source(SourceRegistry& registry) {
  registry.add("imap", read_imap_settings,
               [](const ImapSettings& settings, const SourceContext& context) {
                 auto tls = deliver::client_tls(settings.tls);
                 if (auto* error = std::get_if<std::string>(&tls)) {
                   return SourceRegistry::MadeOrError(*error);
                 }
                 return SourceRegistry::MadeOrError(std::make_unique<ImapSource>(
                     context, settings, std::get<std::shared_ptr<deliver::TlsContext>>(tls)));
               });
}

}  // namespace ackd::source
