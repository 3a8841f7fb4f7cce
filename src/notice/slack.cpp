// Slack Block Kit for incoming webhooks: header (plain text, at most 150 characters), section
// fields and text in mrkdwn (at most 3,000), context, a URL button.
#include <nlohmann/json.hpp>

#include "ackd/notice/formats.hpp"
#include "ackd/text/excerpt.hpp"

namespace ackd::notice {
namespace {

using nlohmann::json;

// mrkdwn's three control characters; what remains (* _ ~) can style, never link or mention.
std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Each line of `text` as a block quote.
std::string quoted(const std::string& text) {
  if (text.empty()) return "_(no text)_";
  std::string out = ">";
  for (const char c : text) {
    out += c;
    if (c == '\n') out += '>';
  }
  return out;
}

json mrkdwn(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

void add_slack_case(json& blocks, const Case& c, const View& view) {
  json fields = json::array();
  fields.push_back(mrkdwn("*Customer*\n" + escaped(customer(c))));
  for (const auto& f : facts(c, view.now)) {
    fields.push_back(mrkdwn("*" + std::string(f.label) + "*\n" + escaped(f.value)));
  }
  blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});
  blocks.push_back({{"type", "section"},
                    {"text", mrkdwn(quoted(escaped(text::excerpt(c.text, kQuotedChars))))}});
  blocks.push_back({{"type", "context"},
                    {"elements", json::array({mrkdwn(escaped(answered(c, kReplyChars)))})}});
  if (auto link = case_link(view.console_url, c.id); !link.empty()) {
    blocks.push_back(
        {{"type", "actions"},
         {"elements", json::array({{{"type", "button"},
                                    {"text", {{"type", "plain_text"}, {"text", "Open case"}}},
                                    {"url", link}}})}});
  }
}

}  // namespace

std::string slack_message(const Notice& notice, const View& view) {
  const std::string title = std::string(marker(notice)) + " " + headline(notice);
  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text", {{"type", "plain_text"}, {"text", text::excerpt(title, 150)}, {"emoji", true}}}});
  if (notice.storm) {
    blocks.push_back({{"type", "section"},
                      {"text", mrkdwn("Public replies: " + escaped(notice.storm->public_replies) +
                                      ". First complaint of the storm:")}});
  }
  for (std::size_t i = 0; i < notice.cases.size(); ++i) {
    if (i > 0) blocks.push_back({{"type", "divider"}});
    add_slack_case(blocks, notice.cases[i], view);
  }
  if (notice.count > notice.cases.size()) {
    blocks.push_back(
        {{"type", "context"},
         {"elements",
          json::array({mrkdwn("and " + std::to_string(notice.count - notice.cases.size()) +
                              " more in the console")})}});
  }
  // What a phone's notification and a screen reader show.
  const Case& first = notice.cases.front();
  const std::string fallback =
      title + " · " + customer(first) + ": " + text::excerpt(first.text, 150);
  return json{{"text", escaped(fallback)}, {"blocks", std::move(blocks)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ackd::notice
