// A notice as a helpdesk ticket shows it: plain text, the customer's words first.
#include "ackd/notice/formats.hpp"
#include "ackd/text/excerpt.hpp"

namespace ackd::notice {
namespace {

constexpr std::size_t kSubjectTextChars = 60;

std::string facts_block(const Notice& notice, const View& view) {
  std::string out;
  for (std::size_t i = 0; i < notice.cases.size(); ++i) {
    const Case& c = notice.cases[i];
    if (notice.cases.size() > 1) out += "\nCase " + c.id + ", " + customer(c) + "\n";
    for (const auto& f : facts(c, view.now)) out += std::string(f.label) + ": " + f.value + "\n";
    if (auto link = case_link(view.console_url, c.id); !link.empty()) {
      out += "In ackd: " + link + "\n";
    }
  }
  if (notice.count > notice.cases.size()) {
    out += "and " + std::to_string(notice.count - notice.cases.size()) + " more in the console\n";
  }
  return out;
}

}  // namespace

std::string ticket_subject(const Case& c) {
  // The reference first: agents search tickets by what the customer quotes.
  std::string out = c.reference.empty() ? "" : c.reference + " · ";
  out += c.priority.empty() ? "" : c.priority + " · ";
  out += c.channel + " · " + customer(c);
  if (!c.text.empty()) out += ": " + text::excerpt(c.text, kSubjectTextChars);
  // A subject is one line.
  for (char& ch : out) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  return out;
}

std::string ticket_body(const Notice& notice, const View& view) {
  if (notice.cases.empty()) return headline(notice) + "\n";
  const Case& c = notice.cases.front();
  std::string out = customer(c) + " wrote on " + where(c) + ":\n\n";
  out += c.text.empty() ? "(no text)" : text::excerpt(c.text, kTicketChars);
  out += "\n\n" + answered(c, kTicketChars) + "\n\n";
  out += headline(notice) + "\n";
  if (notice.storm) out += "Public replies: " + notice.storm->public_replies + "\n";
  return out + facts_block(notice, view);
}

std::string ticket_note(const Notice& notice, const View& view) {
  std::string out = std::string(marker(notice)) + " " + headline(notice) + "\n";
  if (notice.storm) out += "Public replies: " + notice.storm->public_replies + "\n";
  return out + facts_block(notice, view);
}

}  // namespace ackd::notice
