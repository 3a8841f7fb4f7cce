// Chatwork's message notation: [info][title]…[/title]…[/info], [qt]…[/qt] for a quote.
#include "ackd/notice/formats.hpp"
#include "ackd/text/excerpt.hpp"

namespace ackd::notice {
namespace {

// The customer's words with the brackets of Chatwork's tags ([To:1], [toall], [/info]) in
// their full-width forms, so none of them is read as a tag.
std::string chatwork_inert(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '[') {
      out += "\uFF3B";
    } else if (c == ']') {
      out += "\uFF3D";
    } else {
      out += c;
    }
  }
  return out;
}

void add_chatwork_case(std::string& body, const Case& c, const View& view) {
  body += "Customer: " + chatwork_inert(customer(c)) + "\n";
  for (const auto& f : facts(c, view.now)) {
    body += std::string(f.label) + ": " + chatwork_inert(f.value) + "\n";
  }
  body += "[qt]" +
          (c.text.empty() ? std::string("(no text)")
                          : chatwork_inert(text::excerpt(c.text, kQuotedChars))) +
          "[/qt]";
  body += chatwork_inert(answered(c, kReplyChars)) + "\n";
  if (auto link = case_link(view.console_url, c.id); !link.empty()) body += link + "\n";
}

}  // namespace

std::string chatwork_message(const Notice& notice, const View& view) {
  std::string body = "[info][title]" + std::string(marker(notice)) + " " +
                     chatwork_inert(headline(notice)) + "[/title]";
  if (notice.storm)
    body += "Public replies: " + chatwork_inert(notice.storm->public_replies) + "\n";
  for (std::size_t i = 0; i < notice.cases.size(); ++i) {
    if (i > 0) body += "[hr]";
    add_chatwork_case(body, notice.cases[i], view);
  }
  if (notice.count > notice.cases.size()) {
    body += "and " + std::to_string(notice.count - notice.cases.size()) + " more in the console\n";
  }
  if (body.ends_with('\n')) body.pop_back();
  return body + "[/info]";
}

}  // namespace ackd::notice
