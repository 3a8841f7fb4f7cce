// A raw mail, as a mailbox hands it over: anyone on the internet writes it. Read as ackd
// reads a mailbox, then made a complaint. Traps when a promise of mail/message.hpp breaks:
// every text valid UTF-8, a complaint always with an id and a text, and the same bytes
// always the same complaint.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "ackd/mail/message.hpp"
#include "ackd/text/utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool utf8(std::string_view s) {
  return !ackd::text::find_invalid_utf8(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto read = ackd::mail::read_message(raw, {});
  if (std::holds_alternative<std::string>(read)) return 0;
  const auto& m = std::get<ackd::mail::Message>(read);
  check(utf8(m.text) && utf8(m.subject) && utf8(m.from_name) && utf8(m.automated));
  const auto c = ackd::mail::complaint_of(m, raw);
  check(!c.external_id.empty() && !c.text.empty() && utf8(c.text) && utf8(c.external_id) &&
        utf8(c.thread_id) && utf8(c.author.id) && utf8(c.author.name));
  check(ackd::mail::complaint_of(m, raw).external_id == c.external_id);
  return 0;
}
