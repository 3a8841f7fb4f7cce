// `ackd forget`: the right to deletion. Erases one person's personal data from every case
// stored, at once, whether the daemon runs or not (it waits on the daemon's writer).
#include <iostream>

#include "stored.hpp"

namespace ackd::cli {

int forget_command(const std::vector<std::string>& args) {
  const std::string usage = "usage: ackd forget --config FILE --author ID [--channel CHANNEL]";
  auto parse = parse_arguments(args, {"--config", "--author", "--channel"}, usage);
  if (!parse.arguments) return parse.exit_status;
  const auto& arguments = *parse.arguments;
  const auto config = arguments.option("--config");
  const auto author = arguments.option("--author");
  if (!config || !author || !arguments.positional.empty()) return usage_error(usage);
  if (author->empty()) return usage_error("--author must not be empty\n" + usage);
  auto stored = open_stored(*config, Access::write);
  if (!stored) return kFailed;
  const auto channel = arguments.option("--channel");
  auto erased = wait_for<std::size_t>([&](auto done) {
    stored->store->forget_author(
        *author, channel,
        std::chrono::time_point_cast<time::Seconds>(std::chrono::system_clock::now()),
        std::move(done));
  });
  if (!erased.ok()) {
    std::cerr << erased.status().message() << "\n";
    return kFailed;
  }
  const std::string where = channel ? " on " + *channel : "";
  std::cout << "erased the personal data of " << *erased << (*erased == 1 ? " case" : " cases")
            << " of author " << *author << where << "\n";
  return kOk;
}

}  // namespace ackd::cli
