#pragma once

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
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
// `intake_status`.
struct MadeSource {
  boost::asio::io_context io;
  time::ManualClock clock;
  std::vector<Complaint> taken;
  unsigned intake_status = 202;
  std::unique_ptr<source::Source> source;

  MadeSource(const std::string& type, const std::map<std::string, std::string>& secrets,
             const std::map<std::string, std::string>& settings = {}) {
    config::Section section{type, type, {}, {}};
    for (const auto& [key, value] : secrets) {
      section.settings[key] = {value, {}, {}, config::SecretRef{"credential", key}};
    }
    for (const auto& [key, value] : settings) section.settings[key] = {value, {}, {}, {}};
    source::SourceContext context{io, clock, [this](Complaint c, auto done) {
                                    taken.push_back(std::move(c));
                                    done({intake_status, "{}"});
                                  }};
    auto made = source::builtin_sources().make(section, context);
    REQUIRE(std::holds_alternative<std::unique_ptr<source::Source>>(made));
    source = std::get<std::unique_ptr<source::Source>>(std::move(made));
  }

  // The source's one answer to `request`.
  source::Response call(source::Request request) {
    std::optional<source::Response> out;
    source->handle(std::move(request), [&](source::Response r) { out = std::move(r); });
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
