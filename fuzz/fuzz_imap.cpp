// What an IMAP server sends, as ackd's mailbox source reads it: the server (or whoever sits
// between) writes every byte. Cut into responses in pieces of varying size, each response
// read as SELECT, SEARCH and FETCH read them. Traps when a promise of mail/imap.hpp
// breaks: the same bytes make the same responses however they arrive, no literal is
// longer than the limit, and a UID read from a FETCH is never 0.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ackd/mail/imap.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::size_t kMaxLiteral = 4096;

// Every response the bytes make, fed `step` bytes at a time; stops at an error.
std::vector<ackd::mail::imap::Response> cut(std::string_view bytes, std::size_t step) {
  using ackd::mail::imap::Reader;
  Reader reader(kMaxLiteral);
  std::vector<ackd::mail::imap::Response> out;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    reader.feed(bytes.substr(at, step));
    for (;;) {
      auto next = reader.next();
      if (std::holds_alternative<Reader::NeedMore>(next)) break;
      if (std::holds_alternative<std::string>(next)) return out;
      out.push_back(std::get<ackd::mail::imap::Response>(std::move(next)));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = cut(bytes, bytes.size() + 1);
  const auto pieces = cut(bytes, step);
  // Pieces may stop at an error later than the whole does, never earlier.
  check(pieces.size() >= whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    check(whole[i].tag == pieces[i].tag && whole[i].text == pieces[i].text &&
          whole[i].literals == pieces[i].literals);
  }
  for (const auto& r : whole) {
    for (const auto& literal : r.literals) check(literal.size() <= kMaxLiteral);
    (void)r.kind();
    (void)ackd::mail::imap::code_number(r.text, "UIDVALIDITY");
    (void)ackd::mail::imap::capabilities(r.text);
    (void)ackd::mail::imap::search_uids(r.text);
    if (auto f = ackd::mail::imap::fetched(r)) check(f->uid != 0);
  }
  return 0;
}
