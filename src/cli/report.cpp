// `ackd report`: how fast ackd and the teams answered, and what keeps coming back; with
// --cases, the cases behind one figure.
#include "ackd/report/report.hpp"

#include <iostream>

#include "ackd/yaml/files.hpp"
#include "stored.hpp"

namespace ackd::cli {

int report_command(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: ackd report --config FILE (--since 7d | --from DATE [--to DATE])\n"
      "                   [--by team|rule|channel|day|hour|agent] [--format table|json|csv|html]\n"
      "                   [--lang ja|en] [--cases FIGURE [--group KEY] [--list NAME]\n"
      "                   [--keyword WORD]]";
  auto parse = parse_arguments(args,
                               {"--config", "--since", "--from", "--to", "--by", "--format",
                                "--lang", "--cases", "--group", "--list", "--keyword"},
                               usage);
  if (!parse.arguments) return parse.exit_status;
  const auto& arguments = *parse.arguments;
  const auto config = arguments.option("--config");
  if (!config || !arguments.positional.empty()) return usage_error(usage);
  const auto by = report::by_from_string(arguments.option("--by").value_or("team"));
  if (!by) return usage_error("--by must be team, rule, channel, day, hour or agent\n" + usage);
  const auto format = arguments.option("--format").value_or("table");
  if (format != "table" && format != "json" && format != "csv" && format != "html") {
    return usage_error("--format must be table, json, csv or html\n" + usage);
  }
  const auto lang = arguments.option("--lang");
  if (lang && *lang != "ja" && *lang != "en") {
    return usage_error("--lang must be ja or en\n" + usage);
  }
  std::optional<report::Drill> drill;
  if (const auto figure_name = arguments.option("--cases")) {
    const auto figure = report::figure_from_string(*figure_name);
    if (!figure) return usage_error("--cases must be one of " + report::figure_names());
    if (format == "html") return usage_error("--cases lists as table, json or csv\n" + usage);
    drill = report::Drill{.figure = *figure,
                          .group = arguments.option("--group"),
                          .list = arguments.option("--list"),
                          .keyword = arguments.option("--keyword")};
  } else if (arguments.option("--group") || arguments.option("--list") ||
             arguments.option("--keyword")) {
    return usage_error("--group, --list and --keyword choose the cases of --cases\n" + usage);
  }
  const auto now = std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now());
  auto period = period_of(arguments, now);
  if (!period) return kUsage;
  auto stored = open_stored(*config);
  if (!stored) return kFailed;
  // The policy gives the calendars business time is counted on, and the customers' zone.
  auto policy = load_policy_or_report(yaml::resolve_path(stored->config.policy, *config));
  if (!policy) return kFailed;

  auto builder = std::make_shared<report::Builder>(
      period->from, period->to, *by, report::calendars_of(policy), policy->timezone, now);
  if (drill) builder->drill(*drill);
  auto figures = wait_for<report::Report>([&](auto done) {
    stored->store->report(period->from, period->to, builder, std::move(done));
  });
  if (!figures.ok()) {
    std::cerr << figures.status().message() << "\n";
    return kFailed;
  }
  if (figures->cases) {
    const auto& cases = *figures->cases;
    if (format == "json") {
      std::cout << report::cases_to_json(cases, figures->zone).dump(2) << "\n";
    } else if (format == "csv") {
      std::cout << report::cases_to_csv(cases, figures->zone);
    } else {
      std::cout << report::cases_to_table(cases, figures->zone);
    }
  } else if (format == "json") {
    std::cout << report::to_json(*figures).dump(2) << "\n";
  } else if (format == "html") {
    // In the policy's language unless asked otherwise: the people who read it write the policy.
    std::cout << report::to_html(*figures, lang.value_or(policy->default_lang));
  } else if (format == "csv") {
    std::cout << report::to_csv(*figures);
  } else {
    std::cout << report::to_table(*figures);
  }
  return kOk;
}

}  // namespace ackd::cli
