#pragma once

#include <string>

#include "ackd/notice/notice.hpp"
#include "ackd/time/instant.hpp"

namespace ackd::notice {

// A notice in a chat tool's own format, to read at a glance on a phone: what happened and
// for whom, the deadline in the team's zone with the time left, the rule and channel, the
// customer's name and words (quoted, cut, made inert for the platform's markup), what ackd
// answered, and a link to the case in the console.

struct View {
  time::Instant now;        // the time left is counted from here
  std::string console_url;  // links to cases; none when empty
};

// The most of a customer's text a chat notice quotes (characters), and of ackd's reply.
inline constexpr std::size_t kQuotedChars = 500;
inline constexpr std::size_t kReplyChars = 280;

// Slack incoming webhook: {"text": fallback, "blocks": [...]} in mrkdwn, `&`, `<` and `>`
// escaped in everything the customer wrote.
std::string slack_message(const Notice& notice, const View& view);

// Teams Workflows webhook: a message with one Adaptive Card (1.4). The customer's words are
// TextRuns, which Teams never reads as markdown.
std::string teams_message(const Notice& notice, const View& view);

// Google Chat: {"text", "thread": {"threadKey": case id}}. Google Chat has no escape: in
// what the customer wrote, `<` `>` `*` `_` `~` and the backtick show as their full-width
// forms, so a text cannot mention @all or restyle the notice.
std::string google_chat_message(const Notice& notice, const View& view);

// Chatwork: the message body in Chatwork's notation ([info][title]…[/title]…[/info]). It has
// no escape either: `[` and `]` in what the customer wrote show as full-width ［ ］.
std::string chatwork_message(const Notice& notice, const View& view);

// A helpdesk ticket (zendesk, zammad) in plain text, which both show as written: nothing the
// customer wrote is read as markup. The most of the customer's text a ticket quotes:
inline constexpr std::size_t kTicketChars = 5000;

// The ticket's subject: "AK-7KQ2M9 · P2 · x · 山田太郎: the first words of the text".
std::string ticket_subject(const Case& c);
// The ticket's first comment: the customer's words, then what ackd answered, the facts and
// the link to the case.
std::string ticket_body(const Notice& notice, const View& view);
// A later notice (an escalation, a breach, a follow-up) as an internal note on the ticket.
std::string ticket_note(const Notice& notice, const View& view);

}  // namespace ackd::notice
