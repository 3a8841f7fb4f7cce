// The body of POST /v1/complaints, as any client may send it: parse_complaint must answer
// every input with a complaint or an InvalidArgument error (never throw or crash), and what
// it accepts must survive the trip through to_json, which is how the store keeps it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ackd/complaint/complaint.hpp"
#include "ackd/text/utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool valid_utf8(std::string_view s) {
  return !ackd::text::find_invalid_utf8(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = ackd::parse_complaint(body);
  if (!parsed.ok()) {
    check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    check(!parsed.status().message().empty());
    return 0;
  }
  const ackd::Complaint& c = *parsed;
  check(!c.external_id.empty() && !c.channel.empty() && !c.author.id.empty());
  check(!c.author.followers || *c.author.followers >= 0);
  check(!c.lang || (!c.lang->empty() && c.lang->size() <= 16));
  check(c.metadata.is_object());
  for (std::string_view s :
       {std::string_view(c.external_id), std::string_view(c.channel), std::string_view(c.author.id),
        std::string_view(c.author.handle), std::string_view(c.author.name),
        std::string_view(c.text), std::string_view(c.thread_id)}) {
    check(valid_utf8(s));
  }

  // What the store writes must read back as the same complaint.
  const nlohmann::json stored = ackd::to_json(c);
  const std::string text = stored.dump();
  auto again = ackd::parse_complaint(text);
  check(again.ok());
  check(ackd::to_json(*again) == stored);
  check(again->received_at == c.received_at);

  const std::string ref = ackd::case_reference(c.channel, c.external_id);
  check(ref.size() == 9 && ref.rfind("AK-", 0) == 0);
  return 0;
}
