// Google Chat's text format: *bold*, _italic_, ~strike~, `code`, <url|text> links and
// <users/...> mentions, with no escape; the thread key keeps a case's notices together.
#include <nlohmann/json.hpp>

#include "ackd/notice/formats.hpp"
#include "ackd/text/excerpt.hpp"

namespace ackd::notice {
namespace {

using nlohmann::json;

// The customer's words with every character Google Chat formats with in its full-width form.
std::string chat_inert(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "\uFF1C";
        break;
      case '>':
        out += "\uFF1E";
        break;
      case '*':
        out += "\uFF0A";
        break;
      case '_':
        out += "\uFF3F";
        break;
      case '~':
        out += "\uFF5E";
        break;
      case '`':
        out += "\uFF40";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void add_chat_case(std::string& text, const Case& c, const View& view) {
  text += "*Customer:* " + chat_inert(customer(c)) + "\n";
  for (const auto& f : facts(c, view.now)) {
    text += "*" + std::string(f.label) + ":* " + chat_inert(f.value) + "\n";
  }
  text += "```\n" +
          (c.text.empty() ? std::string("(no text)")
                          : chat_inert(text::excerpt(c.text, kQuotedChars))) +
          "\n```\n";
  text += "_" + chat_inert(answered(c, kReplyChars)) + "_\n";
  if (auto link = case_link(view.console_url, c.id); !link.empty()) {
    text += "<" + link + "|Open case>\n";
  }
}

}  // namespace

std::string google_chat_message(const Notice& notice, const View& view) {
  std::string text = std::string(marker(notice)) + " *" + chat_inert(headline(notice)) + "*\n";
  if (notice.storm) text += "Public replies: " + chat_inert(notice.storm->public_replies) + "\n";
  for (std::size_t i = 0; i < notice.cases.size(); ++i) {
    if (i > 0) text += "\n";
    add_chat_case(text, notice.cases[i], view);
  }
  if (notice.count > notice.cases.size()) {
    text += "and " + std::to_string(notice.count - notice.cases.size()) + " more in the console\n";
  }
  if (text.ends_with('\n')) text.pop_back();
  json out{{"text", std::move(text)}};
  // A case's notices in one thread; a group's start their own.
  if (notice.count == 1) out["thread"] = {{"threadKey", notice.cases.front().id}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ackd::notice
