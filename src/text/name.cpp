#include "ackd/text/name.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <bitset>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "ackd/text/normalize.hpp"
#include "ackd/text/pii.hpp"
#include "ackd/text/utf8.hpp"
#include "emoji.hpp"
#include "graphemes.hpp"
#include "tld.hpp"

namespace ackd::text {

namespace {

constexpr std::size_t kMaxHandle = 30;
// Display names are at most a few dozen characters on every platform; anything longer is
// not a name, and need not be read through.
constexpr std::size_t kMaxNameBytes = 1024;
// Enough for every script's stacked accents (Vietnamese has two); more is "zalgo" text.
constexpr std::size_t kMaxMarksPerCharacter = 2;
constexpr std::size_t kMaxPictographs = 3;
// A phone number, a birth date or an account number; years and room numbers are shorter.
constexpr std::size_t kMinDigitRun = 6;
constexpr std::size_t kMaxWords = 4;

int category(char32_t cp) {
  return u_charType(static_cast<UChar32>(cp));
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_lower(char32_t c) {
  return c >= 'a' && c <= 'z';
}

// Characters a host name label is made of; non-ASCII letters count, as IDNs render as such.
bool is_label_char(char32_t c) {
  return is_ascii_alnum(c) || c == '-' || c == '_' ||
         (c >= 0x80U && u_isalnum(static_cast<UChar32>(c)));
}

// Past the terminal escape sequence whose ESC is just before `pos`: "\x1B[31m" (CSI),
// "\x1B]0;title\x07" (OSC) or ESC and one character. Dropping only the ESC would leave
// "[31m" in the name.
void skip_escape_sequence(std::string_view raw, std::size_t& pos) {
  if (pos >= raw.size()) return;
  const char introducer = raw[pos++];
  if (introducer == '[') {
    while (pos < raw.size() && raw[pos] >= 0x20 && raw[pos] <= 0x3F) ++pos;
    if (pos < raw.size() && raw[pos] >= 0x40 && raw[pos] <= 0x7E) ++pos;
  } else if (introducer == ']') {
    while (pos < raw.size() && raw[pos] != '\x07' && raw[pos] != '\x1B') ++pos;
    if (pos < raw.size()) ++pos;
  } else if (static_cast<unsigned char>(introducer) >= 0x80U) {
    --pos;  // not an escape sequence: leave the character whole
  }
}

// The code points that may be shown, with every kind of space or line break turned into
// ' ': control, format (zero-width, bidi), private-use, unassigned and other
// default-ignorable code points are dropped, terminal escape sequences with them.
std::vector<char32_t> visible_code_points(std::string_view raw) {
  std::vector<char32_t> out;
  out.reserve(raw.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const char32_t cp = next_code_point(raw, pos);
    const auto c = static_cast<UChar32>(cp);
    switch (category(cp)) {
      case U_CONTROL_CHAR:
        // Tabs and line breaks separate words; other controls are noise.
        if ((cp >= 0x09U && cp <= 0x0DU) || cp == 0x85U) out.push_back(' ');
        if (cp == 0x1BU) skip_escape_sequence(raw, pos);
        continue;
      case U_LINE_SEPARATOR:
      case U_PARAGRAPH_SEPARATOR:
        out.push_back(' ');
        continue;
      case U_FORMAT_CHAR:
      case U_PRIVATE_USE_CHAR:
      case U_UNASSIGNED:
      case U_SURROGATE:
        continue;
      default:
        break;
    }
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) continue;
    // The braille blank renders as a space and is a favourite for "invisible" names.
    if (u_isUWhiteSpace(c) || cp == 0x2800U) {
      out.push_back(' ');
      continue;
    }
    out.push_back(cp);
  }
  return out;
}

bool is_combining_mark(char32_t cp) {
  const int cat = category(cp);
  return cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK;
}
// Pictographs that insult or threaten whoever the reply is addressed to, or say that the
// company is angry: never part of a name we write.
bool is_hostile_pictograph(char32_t cp) {
  static constexpr std::u32string_view kHostile =
      U"\U0001F595\U0001F4A9\U0001F92C\U0001F92E\U0001F621\U0001F4A2\U0001F44E\U0001F480"
      U"\u2620\U0001F52A\U0001F5E1\U0001F52B\U0001F4A3\U0001F9E8\u26B0\U0001FAA6"
      U"\U0001F346\U0001F351\U0001F4A6";
  return kHostile.find(cp) != std::u32string_view::npos;
}

bool is_pictograph(char32_t cp) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_EXTENDED_PICTOGRAPHIC) != 0 ||
         detail::is_regional_indicator(cp) || detail::is_emoji_modifier(cp);
}

// Floods that take over a reply without making the name longer in characters: combining
// marks stacked on one character ("zalgo"; at most 2 kept, none on a space or at the
// start) and pictographs (the first 3 kept, hostile ones never; a flag's two halves and a
// skin tone go with what they complete, so they are kept or dropped with it).
void limit_marks_and_pictographs(std::vector<char32_t>& cps) {
  std::vector<char32_t> kept;
  kept.reserve(cps.size());
  std::size_t pictographs = 0;
  std::size_t marks = 0;
  bool takes_marks = false;       // the last character is shown and may carry marks
  bool after_pictograph = false;  // the last character is a pictograph, shown or not
  bool half_flag = false;         // ... and the first half of a flag
  for (const char32_t cp : cps) {
    if (cp < 0x80U) {  // no mark, no pictograph
      kept.push_back(cp);
      marks = 0;
      takes_marks = cp != ' ';
      after_pictograph = half_flag = false;
      continue;
    }
    if (is_combining_mark(cp)) {
      if (takes_marks && marks < kMaxMarksPerCharacter) {
        kept.push_back(cp);
        ++marks;
      }
      continue;
    }
    marks = 0;
    const bool completes = (half_flag && detail::is_regional_indicator(cp)) ||
                           (after_pictograph && detail::is_emoji_modifier(cp));
    half_flag = !completes && detail::is_regional_indicator(cp);
    if (completes) {
      if (takes_marks) kept.push_back(cp);
      continue;
    }
    after_pictograph = is_pictograph(cp);
    if (!after_pictograph) {
      kept.push_back(cp);
      takes_marks = cp != ' ';
      continue;
    }
    takes_marks = pictographs < kMaxPictographs && !is_hostile_pictograph(cp);
    if (takes_marks) {
      ++pictographs;
      kept.push_back(cp);
    }
  }
  cps = std::move(kept);
}

bool is_cjk(char32_t cp) {
  // The common blocks first: kana and CJK punctuation, full width forms, unified ideographs,
  // Hangul syllables.
  if ((cp >= 0x3000U && cp <= 0x30FFU) || (cp >= 0xFF00U && cp <= 0xFFEFU) ||
      (cp >= 0x4E00U && cp <= 0x9FFFU) || (cp >= 0xAC00U && cp <= 0xD7AFU)) {
    return true;
  }
  if (cp < 0x2E80U) return false;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(static_cast<UChar32>(cp), &status);
  return U_SUCCESS(status) &&
         (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA ||
          script == USCRIPT_HANGUL || script == USCRIPT_BOPOMOFO);
}

const USpoofChecker* spoof_checker() {
  static const USpoofChecker* const checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker* c = uspoof_open(&status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU spoof checker unavailable");
    return c;
  }();
  return checker;
}

// The ASCII letter, digit or address punctuation `cp` passes for (Cyrillic "о" for "o",
// "ꓸ" for "."), or `cp` itself, from Unicode's confusables (UTS #39 skeletons).
char32_t skeleton_look_alike(char32_t cp) {
  UChar source[2];
  int32_t length = 0;
  U16_APPEND_UNSAFE(source, length, static_cast<UChar32>(cp));
  UChar skeleton[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = uspoof_getSkeleton(spoof_checker(), 0, source, length, skeleton, 8, &status);
  if (U_FAILURE(status) || n != 1 || skeleton[0] >= 0x80U) return cp;
  char32_t ascii = skeleton[0];
  if (ascii >= 'A' && ascii <= 'Z') ascii = ascii - 'A' + 'a';
  const bool useful = is_ascii_alnum(ascii) || ascii == '.' || ascii == ':' || ascii == '/' ||
                      ascii == '@' || ascii == '#';
  return useful ? ascii : cp;
}

// The same, looked up once for the Latin, Greek and Cyrillic letters of European names.
char32_t ascii_look_alike(char32_t cp) {
  constexpr char32_t kCached = 0x530U;
  static const std::vector<char32_t> cache = [] {
    std::vector<char32_t> table(kCached);
    for (char32_t c = 0; c < kCached; ++c) table[c] = skeleton_look_alike(c);
    return table;
  }();
  return cp < kCached ? cache[cp] : skeleton_look_alike(cp);
}

// How a folded code point reads to someone looking for an address in it: every dot a
// browser or a reader accepts as one, the decimal digits of every script as ASCII, and
// look-alikes from other scripts as the ASCII they imitate ("еvil.cоm" in Cyrillic).
// Japanese, Chinese and Korean characters stay as they are: some resemble punctuation
// ("ノ", "〇") and they are what most names here are written in.
char32_t reading_form(char32_t cp) {
  if (cp < 0x80U) return cp;
  if (cp == 0x3002U || cp == 0x2E3CU) return '.';  // 。 (and ｡ after NFKC), ⸼
  if (category(cp) == U_DECIMAL_DIGIT_NUMBER) {
    const int32_t digit = u_charDigitValue(static_cast<UChar32>(cp));
    if (digit >= 0 && digit <= 9) return static_cast<char32_t>('0' + digit);
  }
  if (is_cjk(cp)) return cp;
  return ascii_look_alike(cp);
}

// What the name looks like once folded (NFKC with case folding, per code point), so that
// "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "＠evil" or "＃sale" are seen for what they are. `owner` maps each
// folded code point back to its index in the visible code points.
struct Folded {
  std::u32string text;
  std::vector<std::size_t> owner;
};

Folded fold(const std::vector<char32_t>& cps) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold unavailable");
  Folded f;
  f.text.reserve(cps.size());
  f.owner.reserve(cps.size());
  auto put = [&](char32_t c, std::size_t i) {
    f.text.push_back(reading_form(c));
    f.owner.push_back(i);
  };
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t cp = cps[i];
    if (cp < 0x80U) {
      put(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp, i);
      continue;
    }
    // An accent must not hide what the letters under it spell ("evil.c\u0301om"); it goes
    // with its letter (unsafe_code_points).
    if (is_combining_mark(cp)) continue;
    if (nfkc_cf->isInert(static_cast<UChar32>(cp))) {  // most kana and kanji: itself
      put(cp, i);
      continue;
    }
    status = U_ZERO_ERROR;
    const icu::UnicodeString folded =
        nfkc_cf->normalize(icu::UnicodeString(static_cast<UChar32>(cp)), status);
    if (U_FAILURE(status)) {
      put(cp, i);
      continue;
    }
    for (int32_t k = 0; k < folded.length();) {
      const UChar32 c = folded.char32At(k);
      put(static_cast<char32_t>(c), i);
      k += U16_LENGTH(c);
    }
  }
  return f;
}

bool starts_with_at(const std::u32string& t, std::size_t i, std::size_t end,
                    std::u32string_view s) {
  return end - i >= s.size() && std::u32string_view(t).substr(i, s.size()) == s;
}

// A dot written "[.]" or "(.)" to get past a link check.
bool is_defanged_dot(const std::u32string& t, std::size_t i, std::size_t begin, std::size_t end) {
  return i > begin && i + 1 < end && (t[i - 1] == '[' || t[i - 1] == '(') &&
         (t[i + 1] == ']' || t[i + 1] == ')');
}

// Whether the dot at `i` of the token [begin, end) ends a host name: a known top-level
// domain follows ("evil.com", "bit.ly/x"), or any ASCII label followed by a path or a port
// after an ASCII label ("evil.abogado/x").
bool ends_host(const std::u32string& t, std::size_t i, std::size_t begin, std::size_t end) {
  const bool defanged = is_defanged_dot(t, i, begin, end);
  const std::size_t after = defanged ? i + 2 : i + 1;
  std::size_t j = after;
  while (j < end && is_ascii_lower(t[j])) ++j;
  if (j == after) return false;
  // "evil.com-x" still reads "evil.com".
  if (j == end || !is_ascii_alnum(t[j])) {
    if (detail::is_known_tld(std::string(t.begin() + static_cast<std::ptrdiff_t>(after),
                                         t.begin() + static_cast<std::ptrdiff_t>(j)))) {
      return true;
    }
  }
  const bool path_or_port =
      j < end &&
      (t[j] == '/' || (t[j] == ':' && j + 1 < end && t[j + 1] >= '0' && t[j + 1] <= '9'));
  const std::size_t dot = defanged ? i - 1 : i;
  const bool ascii_label_before =
      dot >= begin + 2 && is_ascii_alnum(t[dot - 1]) && is_ascii_alnum(t[dot - 2]);
  return path_or_port && j - after >= 2 && ascii_label_before;
}

// Start of a URL, domain, e-mail address, mention or hashtag in the token
// [begin, end) of `t`, or `end`. Everything from there to the end of the token goes.
std::size_t unsafe_start(const std::u32string& t, std::size_t begin, std::size_t end) {
  std::size_t cut = end;
  auto back_over = [&](std::size_t i, auto&& pred) {
    while (i > begin && pred(t[i - 1])) --i;
    return i;
  };
  for (std::size_t i = begin; i < end && i < cut; ++i) {
    const char32_t c = t[i];
    if (c == '@') {
      // An address takes its local part along; a mention starts at the '@'.
      std::size_t j = i + 1;
      bool dotted = false;
      while (j < end && (is_ascii_alnum(t[j]) || t[j] == '-' || t[j] == '.')) {
        dotted = dotted || (t[j] == '.' && j > i + 1);
        ++j;
      }
      cut = std::min(cut, dotted ? back_over(i,
                                             [](char32_t x) {
                                               return is_ascii_alnum(x) || x == '.' || x == '_' ||
                                                      x == '%' || x == '+' || x == '-';
                                             })
                                 : i);
    } else if (c == '#' || c == 0x266FU) {  // ♯ passes for a hashtag
      cut = std::min(cut, i);
    } else if (c == 'h' &&
               (starts_with_at(t, i, end, U"http") || starts_with_at(t, i, end, U"hxxp"))) {
      // A scheme without "://" still tells the reader to go somewhere ("https:evil").
      cut = std::min(cut, i);
    } else if (c == 'x' && starts_with_at(t, i, end, U"xn--")) {
      cut = std::min(cut, back_over(i, [](char32_t x) { return is_label_char(x) || x == '.'; }));
    } else if (c == ':' && i + 2 < end && t[i + 1] == '/' && t[i + 2] == '/') {
      cut = std::min(cut, back_over(i, [](char32_t x) {
                       return is_ascii_alnum(x) || x == '+' || x == '.' || x == '-';
                     }));
    } else if (c == 'w' && starts_with_at(t, i, end, U"www.")) {
      cut = std::min(cut, i);
    } else if (c == '.' && ends_host(t, i, begin, end)) {
      // ".com" alone still advertises it; a defanged "[.]" goes with its brackets.
      const std::size_t dot = is_defanged_dot(t, i, begin, end) ? i - 1 : i;
      cut = std::min(cut, back_over(dot, [](char32_t x) { return is_label_char(x) || x == '.'; }));
    }
  }
  return cut;
}

// Only the folded code points whose owner is not yet dropped, so that what is left is
// judged as it will be shown.
Folded without(const Folded& f, const std::vector<bool>& drop) {
  Folded out;
  for (std::size_t k = 0; k < f.text.size(); ++k) {
    if (drop[f.owner[k]]) continue;
    out.text.push_back(f.text[k]);
    out.owner.push_back(f.owner[k]);
  }
  return out;
}

// The closing of the template tag opening at `i` of `t` ("{{" "}}", "{%" "%}", "${" "}"),
// or "" when none opens there.
std::u32string_view template_close(const std::u32string& t, std::size_t i) {
  if (i + 1 >= t.size()) return {};
  if (t[i] == '{' && t[i + 1] == '{') return U"}}";
  if (t[i] == '{' && t[i + 1] == '%') return U"%}";
  if (t[i] == '$' && t[i + 1] == '{') return U"}";
  return {};
}

bool is_digit_like(char32_t c) {
  // Kanji numerals write phone numbers too: "〇九〇ー一二三四ー五六七八".
  static constexpr std::u32string_view kKanjiDigits = U"〇一二三四五六七八九";
  return (c >= '0' && c <= '9') || kKanjiDigits.find(c) != std::u32string_view::npos;
}

// What people put between the groups of a phone number: spaces, hyphens, dashes and the
// long-vowel mark, dots and middle dots, slashes, parentheses.
bool is_digit_separator(char32_t c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '+' ||
         (c >= 0x2010U && c <= 0x2015U) || c == 0x2212U || c == 0x30FCU || c == 0x30FBU ||
         c == 0x00B7U;
}

// Runs of at least kMinDigitRun digits, at most 3 separators apart ("+81 (0)90-1234 5678"),
// with a leading '+' or '(' and a closing ')'.
std::vector<std::pair<std::size_t, std::size_t>> digit_runs(const std::u32string& t) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  std::size_t i = 0;
  while (i < t.size()) {
    if (!is_digit_like(t[i])) {
      ++i;
      continue;
    }
    std::size_t digits = 0;
    std::size_t separators = 0;
    std::size_t last = i;
    for (std::size_t j = i; j < t.size(); ++j) {
      if (is_digit_like(t[j])) {
        ++digits;
        separators = 0;
        last = j + 1;
      } else if (t[j] == ' ' && j > i && t[j - 1] == ' ') {
        // Spaces are collapsed later: a run of them must count as the one it becomes.
      } else if (is_digit_separator(t[j]) && separators < 3) {
        ++separators;
      } else {
        break;
      }
    }
    if (digits >= kMinDigitRun) {
      std::size_t first = i;
      while (first > 0 && (t[first - 1] == '+' || t[first - 1] == '(')) --first;
      const std::size_t end = last < t.size() && t[last] == ')' ? last + 1 : last;
      runs.emplace_back(first, end);
    }
    i = last;
  }
  return runs;
}

// Marks what must not be shown. Template syntax goes first, as it may span words: "{{...}}"
// (to the end when never closed), and then every brace left, or removing one piece would
// join its neighbours into new syntax ("a{}}{b"). Numbers go next, as their groups may be
// apart ("090 1234 5678"). URLs, mentions and the like are then found per
// whitespace-separated token of what remains, so that a removed piece cannot hide what its
// neighbours form once joined ("evil{{x}}.com", "evil123456.com").
std::vector<bool> unsafe_code_points(const std::vector<char32_t>& cps) {
  std::vector<bool> drop(cps.size(), false);
  const Folded f = fold(cps);
  auto mark = [&drop](const Folded& in, std::size_t a, std::size_t b) {
    for (std::size_t i = a; i < b; ++i) drop[in.owner[i]] = true;
  };
  const std::u32string& t = f.text;
  for (std::size_t i = 0; i + 1 < t.size();) {
    if (const std::u32string_view close = template_close(t, i); !close.empty()) {
      const auto found = t.find(close, i + 2);
      const std::size_t end = found == std::u32string::npos ? t.size() : found + close.size();
      mark(f, i, end);
      i = end;
    } else {
      ++i;
    }
  }
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' || t[i] == '}') drop[f.owner[i]] = true;
  }
  // Copies only when something went: most names have no braces and no number.
  auto remaining = [&f, &drop](Folded& storage) -> const Folded& {
    if (std::none_of(drop.begin(), drop.end(), [](bool d) { return d; })) return f;
    storage = without(f, drop);
    return storage;
  };
  Folded numbered_storage;
  const Folded& numbered = remaining(numbered_storage);
  for (const auto& [a, b] : digit_runs(numbered.text)) mark(numbered, a, b);
  Folded rest_storage;
  const Folded& rest = remaining(rest_storage);
  const std::u32string& r = rest.text;
  std::size_t i = 0;
  while (i < r.size()) {
    while (i < r.size() && r[i] == ' ') ++i;
    const std::size_t begin = i;
    while (i < r.size() && r[i] != ' ') ++i;
    if (begin < i) mark(rest, unsafe_start(r, begin, i), i);
  }
  for (std::size_t k = 1; k < cps.size(); ++k) {
    if (is_combining_mark(cps[k]) && drop[k - 1]) drop[k] = true;
  }
  return drop;
}

bool is_space(char32_t c) {
  return c == ' ';
}

// An opening bracket or a separator left dangling after what followed it was removed.
bool is_dangling_end(char32_t c) {
  const int cat = category(c);
  return is_space(c) || cat == U_START_PUNCTUATION || cat == U_INITIAL_PUNCTUATION || c == ':' ||
         c == ';' || c == ',' || c == '/' || c == '|' || c == 0xFF1AU || c == 0xFF5CU ||
         c == 0xFF0FU;
}

void trim_dangling_end(std::vector<char32_t>& cps) {
  while (!cps.empty() && is_dangling_end(cps.back())) cps.pop_back();
}

std::string to_utf8(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size() * 3);
  for (const char32_t c : cps) append_utf8(out, c);
  return out;
}

std::string without_spaces(std::string_view s) {
  std::string out;
  std::remove_copy(s.begin(), s.end(), std::back_inserter(out), ' ');
  return out;
}

// The forms of a name a phrase is looked for in: normalized, without spaces ("ba nned"),
// and that again with look-alikes read as the ASCII they imitate ("bаnned", Cyrillic "а").
struct PhraseForms {
  std::string normalized;
  std::string compact;
  std::string read_as_ascii;
  std::bitset<256> bytes;  // every byte of the three: a phrase with another is in none
};

PhraseForms phrase_forms(const std::vector<char32_t>& name) {
  PhraseForms forms;
  forms.normalized = normalize(to_utf8(name));
  forms.compact = without_spaces(forms.normalized);
  std::size_t pos = 0;
  while (pos < forms.compact.size()) {
    append_utf8(forms.read_as_ascii, reading_form(next_code_point(forms.compact, pos)));
  }
  for (const std::string* form : {&forms.normalized, &forms.read_as_ascii}) {
    for (const char ch : *form) forms.bytes.set(static_cast<unsigned char>(ch));
  }
  return forms;
}

bool holds_phrase(const PhraseForms& forms, const std::vector<std::string>& phrases) {
  // Most names have no space and no look-alike: one search per phrase then.
  const bool spaced = forms.compact.size() != forms.normalized.size();
  const bool disguised = forms.read_as_ascii != forms.compact;
  std::string compact;
  auto absent = [&forms](char ch) {
    return ch != ' ' && !forms.bytes[static_cast<unsigned char>(ch)];
  };
  for (const auto& phrase : phrases) {
    if (phrase.empty() || std::any_of(phrase.begin(), phrase.end(), absent)) continue;
    if (forms.normalized.find(phrase) != std::string::npos) return true;
    const bool phrase_spaced = phrase.find(' ') != std::string::npos;
    if (!spaced && !disguised && !phrase_spaced) continue;
    compact = phrase_spaced ? without_spaces(phrase) : phrase;
    if (compact.empty()) continue;
    if (forms.compact.find(compact) != std::string::npos ||
        (disguised && forms.read_as_ascii.find(compact) != std::string::npos)) {
      return true;
    }
  }
  return false;
}

// Markup, code and injection attempts ("<script>", "'; DROP TABLE", "' OR 1=1 --"): not a
// name, and quoting what is left of one would look as if the attempt had worked.
bool looks_like_code(const PhraseForms& forms) {
  if (forms.normalized.find_first_of("<>;=`\\$|") != std::string::npos) return true;
  static constexpr std::string_view kCodeWords[] = {
      "--",         "/*",         "*/",        "script",  "onerror",    "onload",
      "alert(",     "eval(",      "droptable", "select*", "selectfrom", "unionselect",
      "insertinto", "deletefrom", "document.", "window."};
  return std::any_of(std::begin(kCodeWords), std::end(kCodeWords), [&](std::string_view word) {
    return forms.read_as_ascii.find(word) != std::string::npos;
  });
}

bool is_letter(char32_t c) {
  const auto u = static_cast<UChar32>(c);
  return u_isalpha(u) || u_hasBinaryProperty(u, UCHAR_IDEOGRAPHIC);
}

bool is_sentence_punctuation(char32_t c) {
  static constexpr std::u32string_view kPunctuation = U"!?。、！？｡､‼⁇⁈⁉";
  return kPunctuation.find(c) != std::u32string_view::npos;
}

// A sentence rather than a name: more than kMaxWords words ("thanks for nothing you
// scammers"), or sentence punctuation between words ("最悪！金返せ", "Why? Answer"). A full
// stop ending a word of 4 letters or more counts too ("Stop. Read."): shorter ones are
// abbreviations and initials ("Mr. J. Smith").
bool looks_like_sentence(const std::vector<char32_t>& cps) {
  std::size_t words = 0;
  bool in_word = false;
  bool letter_before = false;
  bool punctuation_after_letter = false;
  std::size_t letters_in_run = 0;  // letters since the last space or punctuation
  bool full_stop = false;          // the last character ends a long word with a '.'
  for (const char32_t c : cps) {
    const bool ended_sentence = full_stop && is_space(c);
    full_stop = c == '.' && letters_in_run >= 4;
    if (is_space(c)) {
      punctuation_after_letter = punctuation_after_letter || ended_sentence;
      in_word = false;
      letters_in_run = 0;
      continue;
    }
    if (!in_word) ++words;
    in_word = true;
    if (is_sentence_punctuation(c)) {
      punctuation_after_letter = punctuation_after_letter || letter_before;
      letters_in_run = 0;
    } else if (is_letter(c)) {
      if (punctuation_after_letter) return true;
      letter_before = true;
      ++letters_in_run;
    } else {
      letters_in_run = 0;
    }
  }
  return words > kMaxWords;
}

bool has_letter(const std::vector<char32_t>& cps) {
  return std::any_of(cps.begin(), cps.end(), is_letter);
}

std::string skeleton(std::string_view utf8) {
  std::string out(utf8.size() * 4 + 16, '\0');
  UErrorCode status = U_ZERO_ERROR;
  int32_t n =
      uspoof_getSkeletonUTF8(spoof_checker(), 0, utf8.data(), static_cast<int32_t>(utf8.size()),
                             out.data(), static_cast<int32_t>(out.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    out.assign(static_cast<std::size_t>(n), '\0');
    status = U_ZERO_ERROR;
    n = uspoof_getSkeletonUTF8(spoof_checker(), 0, utf8.data(), static_cast<int32_t>(utf8.size()),
                               out.data(), static_cast<int32_t>(out.size()), &status);
  }
  if (U_FAILURE(status)) return std::string(utf8);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The skeleton of one code point. UTS #39 maps a text code point by code point (after
// NFD, which each code point's own skeleton includes), so a text's key is built from
// these; they are cached per thread, as ICU takes about a microsecond for each.
std::string code_point_skeleton(char32_t cp) {
  if (cp < 0x80U) {
    static const std::vector<std::string> ascii = [] {
      std::vector<std::string> table(0x80);
      for (char32_t c = 0; c < 0x80U; ++c)
        table[c] = skeleton(std::string(1, static_cast<char>(c)));
      return table;
    }();
    return ascii[cp];
  }
  constexpr std::size_t kMaxCached = 4096;
  thread_local std::unordered_map<char32_t, std::string> cache;
  if (auto it = cache.find(cp); it != cache.end()) return it->second;
  std::string source;
  append_utf8(source, cp);
  std::string result = skeleton(source);
  if (cache.size() < kMaxCached) cache.emplace(cp, result);
  return result;
}

bool is_letter_mark_or_digit(char32_t cp) {
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
}

const std::vector<std::string>& deny_keys_of(const NameRules& rules,
                                             std::vector<std::string>& storage) {
  if (rules.deny_keys.size() == rules.deny.size()) return rules.deny_keys;
  storage.clear();
  for (const auto& word : rules.deny) storage.push_back(confusable_key(word));
  return storage;
}

// A denied word hidden by look-alikes of another script or by separators: "АСМЕ" (all
// Cyrillic), "a.c.m.e". The name is read as written (Cyrillic capitals imitate Latin
// ones; NFKC would turn Greek "Ϲ" into "Σ"), in capitals (some small letters imitate
// Latin ones only once capitalised: Cyrillic "м") and normalized (full width, katakana).
bool holds_denied_look_alike(const std::vector<char32_t>& name, const NameRules& rules) {
  if (rules.deny.empty()) return false;
  std::vector<std::string> storage;
  const std::vector<std::string>& keys = deny_keys_of(rules, storage);
  const std::string written = to_utf8(name);
  std::string capitals;
  for (const char32_t cp : name) {
    append_utf8(capitals, static_cast<char32_t>(u_toupper(static_cast<UChar32>(cp))));
  }
  const std::string forms[] = {confusable_key(written),
                               capitals == written ? std::string() : confusable_key(capitals),
                               confusable_key(normalize(written))};
  for (const auto& key : keys) {
    if (key.empty()) continue;
    for (const auto& form : forms) {
      if (form.find(key) != std::string::npos) return true;
    }
  }
  return false;
}

// A street address or a postal code: the name would publish where the customer lives.
bool holds_address(std::string_view normalized) {
  static const PiiDetector detector = [] {
    std::vector<PiiPattern> kept;
    for (auto& p : default_pii_patterns()) {
      if (p.kind == "address" || p.kind == "postal_code") kept.push_back(std::move(p));
    }
    return PiiDetector(kept);
  }();
  return detector.find(normalized).has_value();
}

// What may not be shown even after the unsafe parts are gone: a banned or denied word,
// code, a sentence.
bool is_suspicious(const std::vector<char32_t>& name, const NameRules& rules) {
  if (looks_like_sentence(name)) return true;
  const PhraseForms forms = phrase_forms(name);
  return holds_phrase(forms, rules.banned) || holds_phrase(forms, rules.deny) ||
         looks_like_code(forms) || holds_denied_look_alike(name, rules);
}

// `cps` without what must not be shown, whitespace collapsed, no dangling end.
std::vector<char32_t> safe_part(const std::vector<char32_t>& cps) {
  const std::vector<bool> drop = unsafe_code_points(cps);
  std::vector<char32_t> rest;
  rest.reserve(cps.size());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (!drop[i]) rest.push_back(cps[i]);
  }
  // Marks that a removed piece left on nothing, or piled onto its neighbour.
  if (rest.size() < cps.size()) limit_marks_and_pictographs(rest);
  std::vector<char32_t> kept;
  kept.reserve(rest.size());
  for (const char32_t c : rest) {
    if (is_space(c) && (kept.empty() || is_space(kept.back()))) continue;
    kept.push_back(c);
  }
  trim_dangling_end(kept);
  return kept;
}

}  // namespace

std::string confusable_key(std::string_view utf8) {
  if (find_invalid_utf8(utf8)) return {};
  std::string first;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const char32_t cp = next_code_point(utf8, pos);
    if (is_letter_mark_or_digit(cp)) first += code_point_skeleton(cp);
  }
  // Skeletons keep case ("ACME" is not "acme"), and folding can make a new look-alike
  // ("M" folds to "m", whose skeleton is "rn"): skeleton, fold, skeleton.
  std::string key;
  for (std::size_t pos = 0; pos < first.size();) {
    const char32_t cp = next_code_point(first, pos);
    key += code_point_skeleton(
        static_cast<char32_t>(u_foldCase(static_cast<UChar32>(cp), U_FOLD_CASE_DEFAULT)));
  }
  return key;
}

void deny_word(NameRules& rules, std::string_view word) {
  std::string folded = normalize(word);
  if (folded.empty()) return;
  if (rules.deny_keys.size() == rules.deny.size())
    rules.deny_keys.push_back(confusable_key(folded));
  rules.deny.push_back(std::move(folded));
}

std::string sanitize_name(std::string_view raw, const NameRules& rules) {
  if (raw.size() > kMaxNameBytes || find_invalid_utf8(raw)) return "";
  std::vector<char32_t> shown = visible_code_points(raw);
  limit_marks_and_pictographs(shown);
  // Before numbers are cut out of it: "〒100-0005" would leave "〒".
  if (holds_address(normalize(to_utf8(shown)))) return "";
  std::vector<char32_t> kept = safe_part(shown);
  bool changed = kept != shown;
  if (is_suspicious(kept, rules)) return "";
  const std::size_t uncut = kept.size();
  detail::cut_graphemes(kept, rules.max_chars);
  // A cut ends the last word anew, and "evil.comx" cut to "evil.com" is a domain.
  if (kept.size() < uncut) {
    kept = safe_part(kept);
    changed = true;
  }
  if (!has_letter(kept)) return "";
  // Removing one piece must not have left another behind, nor joined its neighbours into
  // something suspicious ("*" "/"): what is shown is safe as it is.
  if (changed && (safe_part(kept) != kept || is_suspicious(kept, rules))) return "";
  return to_utf8(kept);
}

bool repeats_text(std::string_view name, std::string_view normalized_text) {
  if (name.empty() || normalized_text.empty() || find_invalid_utf8(name)) return false;
  std::u32string folded;
  const std::string normalized_name = normalize(name);
  for (std::size_t pos = 0; pos < normalized_name.size();) {
    const char32_t c = next_code_point(normalized_name, pos);
    if (!u_isUWhiteSpace(static_cast<UChar32>(c))) folded.push_back(c);
  }
  std::string text;
  text.reserve(normalized_text.size());
  for (std::size_t pos = 0; pos < normalized_text.size();) {
    const std::size_t start = pos;
    const char32_t c = next_code_point(normalized_text, pos);
    if (u_isUWhiteSpace(static_cast<UChar32>(c))) continue;
    text.append(normalized_text.substr(start, pos - start));
  }
  // Every longer shared run holds a shared run of 4, or of 3 around its CJK character.
  auto shared = [&](std::size_t at, std::size_t length) {
    std::string run;
    for (std::size_t k = at; k < at + length; ++k) append_utf8(run, folded[k]);
    return text.find(run) != std::string::npos;
  };
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (i + 4 <= folded.size() && shared(i, 4)) return true;
    if (i + 3 <= folded.size() &&
        std::any_of(folded.begin() + static_cast<std::ptrdiff_t>(i),
                    folded.begin() + static_cast<std::ptrdiff_t>(i + 3), is_cjk) &&
        shared(i, 3)) {
      return true;
    }
  }
  return false;
}

std::string sanitize_handle(std::string_view raw) {
  constexpr std::string_view kFullWidthAt = "\xEF\xBC\xA0";  // ＠
  for (;;) {
    if (!raw.empty() && raw.front() == '@') {
      raw.remove_prefix(1);
    } else if (raw.substr(0, kFullWidthAt.size()) == kFullWidthAt) {
      raw.remove_prefix(kFullWidthAt.size());
    } else {
      break;
    }
  }
  std::string out;
  for (const char c : raw) {
    if (out.size() == kMaxHandle) break;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '.' || c == '-') {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace ackd::text
