#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

constexpr const char* kUsage = R"(usage: ackd COMMAND [ARGS]

  serve --config FILE             run the daemon in the foreground
  check [--strict] [--format text|json] [--config FILE] [POLICY]
                                  validate a policy (a file or a directory of *.yaml), and with
                                  --config ackd.yaml too; --strict: a rule-order warning fails it
  rules POLICY                    the rules in the order they are tried, across files
  test POLICY TESTFILE...         run policy tests
  explain POLICY (COMPLAINT.json | --text TEXT [--channel CHANNEL]) [--at TIME]
                                  show why each rule matches or not, and the decision
  replay POLICY FILE.ndjson [--compare POLICY2]
                                  decide recorded complaints offline
  policy (history | diff VERSION [VERSION|disk] | rollback VERSION) --config FILE
                                  the policy versions that served, kept in the store
  export --config FILE (--since 7d | --from DATE [--to DATE]) [--anonymise]
                                  stored complaints as NDJSON, for ackd replay
  report --config FILE (--since 7d | --from DATE [--to DATE]) [--by team|rule|channel|day|hour|agent]
         [--format table|json|csv|html] [--lang ja|en] [--cases FIGURE [--group KEY]]
                                  how fast complaints were answered, and what keeps coming back
  forget --config FILE --author ID [--channel CHANNEL]
                                  erase one person's personal data from every stored case
  queue [--config FILE] (list | show ID | retry ... | hold ... | release ... | drop ID ...)
                                  deliveries owed, retrying, held and given up; act on them
  --version                       print the version

Every command takes --help. ackd(1), ackd-policy(5).
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? ackd::cli::kUsage : ackd::cli::kOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "--version") {
    std::cout << "ackd " << ACKD_VERSION << "\n";
    return ackd::cli::kOk;
  }
  if (command == "serve") return ackd::cli::serve(args);
  if (command == "check") return ackd::cli::check(args);
  if (command == "test") return ackd::cli::test(args);
  if (command == "explain") return ackd::cli::explain(args);
  if (command == "replay") return ackd::cli::replay(args);
  if (command == "rules") return ackd::cli::rules(args);
  if (command == "policy") return ackd::cli::policy_command(args);
  if (command == "export") return ackd::cli::export_command(args);
  if (command == "report") return ackd::cli::report_command(args);
  if (command == "forget") return ackd::cli::forget_command(args);
  if (command == "queue") return ackd::cli::queue_command(args);
  std::cerr << "ackd: unknown command '" << command << "'\n" << kUsage;
  return ackd::cli::kUsage;
}
