#pragma once

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ackd/source/registry.hpp"
#include "ackd/time/clock.hpp"

namespace ackd::testing {

// A source of a built-in type made as the daemon makes it, from secrets (given as read) and
// plain settings, with an intake that keeps what it is handed and answers
// `intake_status`, and case actions that find the cases of `tickets` and keep each claim
// and resolution, answered `action_status`.
struct MadeSource {
  struct Action {
    std::string what;  // "claim" or "resolve"
    std::string case_id;
    std::string agent;
    std::string note;
  };

  boost::asio::io_context io;
  time::ManualClock clock;
  std::vector<Complaint> taken;
  unsigned intake_status = 202;
  std::map<std::string, std::string> tickets;  // remote id -> case id
  bool store_down = false;
  std::vector<Action> actions;
  unsigned action_status = 200;
  std::unique_ptr<source::Source> source;

  MadeSource(const std::string& type, const std::map<std::string, std::string>& secrets,
             const std::map<std::string, std::string>& settings = {}) {
    make(type, secrets, settings);
  }
  // A source made later, by make().
  MadeSource() = default;

  void make(const std::string& type, const std::map<std::string, std::string>& secrets,
            const std::map<std::string, std::string>& settings) {
    config::Section section{type, type, {}, {}};
    for (const auto& [key, value] : secrets) {
      section.settings[key] = {value, {}, {}, config::SecretRef{"credential", key}};
    }
    for (const auto& [key, value] : settings) section.settings[key] = {value, {}, {}, {}};
    source::SourceContext context{io, clock, [this](Complaint c, auto done) {
                                    taken.push_back(std::move(c));
                                    done({intake_status, "{}"});
                                  }};
    context.cases.find = [this](std::string remote_id, auto done) {
      if (store_down) return done(std::nullopt);
      auto it = tickets.find(remote_id);
      done(it == tickets.end() ? "" : it->second);
    };
    context.cases.claim = [this](std::string id, std::string agent, auto done) {
      actions.push_back({"claim", std::move(id), std::move(agent), {}});
      done({action_status, "{}"});
    };
    context.cases.resolve = [this](std::string id, std::string agent, std::string note, auto done) {
      actions.push_back({"resolve", std::move(id), std::move(agent), std::move(note)});
      done({action_status, "{}"});
    };
    auto made = source::builtin_sources().make(section, context);
    REQUIRE(std::holds_alternative<std::unique_ptr<source::Source>>(made));
    source = std::get<std::unique_ptr<source::Source>>(std::move(made));
  }

  // The source's one answer to `request`, waited for (at most 20 s of real time).
  source::Response call(source::Request request) {
    std::optional<source::Response> out;
    source->handle(std::move(request), [&](source::Response r) { out = std::move(r); });
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!out && std::chrono::steady_clock::now() < end) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    REQUIRE(out);
    return *out;
  }

  // A POST of `body` with the header `signature_header` set to `signature`.
  source::Response post(const std::string& body, const std::string& signature_header,
                        const std::string& signature) {
    source::Request request{"POST", "/v1/sources/test", {}, body};
    request.headers.emplace_back(signature_header, signature);
    return call(std::move(request));
  }
};

}  // namespace ackd::testing
