// An Adaptive Card (1.4, what Teams renders everywhere) in a Workflows webhook message.
// Everything with a name or words in it is a TextRun: Teams reads TextBlocks and FactSets as
// markdown, TextRuns never.
#include <nlohmann/json.hpp>

#include "ackd/notice/formats.hpp"
#include "ackd/text/excerpt.hpp"

namespace ackd::notice {
namespace {

using nlohmann::json;

json run(std::string text, bool bold = false) {
  json out{{"type", "TextRun"}, {"text", std::move(text)}};
  if (bold) out["weight"] = "Bolder";
  return out;
}

json paragraph(json inlines, bool separated = false) {
  json out{{"type", "RichTextBlock"}, {"inlines", std::move(inlines)}};
  if (separated) out["separator"] = true;
  return out;
}

json labelled(std::string_view label, std::string value) {
  return paragraph(json::array({run(std::string(label) + ": ", true), run(std::move(value))}));
}

void add_teams_case(json& body, const Case& c, const View& view, bool separated) {
  body.push_back(paragraph(json::array({run("Customer: ", true), run(customer(c))}), separated));
  for (const auto& f : facts(c, view.now)) body.push_back(labelled(f.label, f.value));
  json quote = run(c.text.empty() ? "(no text)" : text::excerpt(c.text, kQuotedChars));
  quote["italic"] = true;
  body.push_back({{"type", "Container"},
                  {"style", "emphasis"},
                  {"items", json::array({paragraph(json::array({quote}))})}});
  body.push_back(paragraph(json::array({run(answered(c, kReplyChars))})));
}

}  // namespace

std::string teams_message(const Notice& notice, const View& view) {
  static constexpr const char* kStyles[] = {"accent", "warning", "attention"};
  json body = json::array();
  body.push_back({{"type", "Container"},
                  {"style", kStyles[severity(notice)]},
                  {"bleed", true},
                  {"items", json::array({paragraph(json::array({run(
                                std::string(marker(notice)) + " " + headline(notice), true)}))})}});
  if (notice.storm) {
    body.push_back(labelled("Public replies", notice.storm->public_replies));
  }
  for (std::size_t i = 0; i < notice.cases.size(); ++i) {
    add_teams_case(body, notice.cases[i], view, i > 0);
  }
  if (notice.count > notice.cases.size()) {
    body.push_back(paragraph(json::array({run(
        "and " + std::to_string(notice.count - notice.cases.size()) + " more in the console")})));
  }
  json card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
            {"type", "AdaptiveCard"},
            {"version", "1.4"},
            {"msteams", {{"width", "Full"}}},
            {"body", std::move(body)}};
  if (auto link = case_link(view.console_url, notice.cases.front().id); !link.empty()) {
    card["actions"] =
        json::array({{{"type", "Action.OpenUrl"}, {"title", "Open case"}, {"url", link}}});
  }
  return json{
      {"type", "message"},
      {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                    {"contentUrl", nullptr},
                                    {"content", std::move(card)}}})}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ackd::notice
