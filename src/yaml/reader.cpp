#include "reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <vector>

#include "indentation.hpp"

namespace ackd::yaml {

std::string describe_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

SourceLocation Reader::at(const YAML::Node& node) const {
  if (!node.IsDefined() || node.Mark().is_null()) return {file_, 0, 0};
  return {file_, node.Mark().line + 1, node.Mark().column + 1};
}

void Reader::error(const YAML::Node& node, std::string message, Code code) {
  diagnostics_.error(at(node), std::move(message), code);
}

void Reader::warn(const YAML::Node& node, std::string message, Code code) {
  diagnostics_.warn(at(node), std::move(message), code);
}

namespace {

// Refused before yaml-cpp builds the document. Depth: yaml-cpp parses nested collections by
// recursion, and so does the loader (a `when` of `not`s); no policy needs this much.
// Aliases: yaml-cpp shares an aliased node, but whoever walks the document walks it once
// per alias, so ten aliases of ten aliases of ... (the "billion laughs") take a few
// hundred bytes to exhaust the memory of `ackd check` and of a reloading daemon.
constexpr int kMaxDepth = 64;
constexpr std::uint64_t kMaxAliasedNodes = 100000;

struct TooComplex {
  YAML::Mark mark;
  std::string message;
};

// A key written twice in one mapping: yaml-cpp keeps both, lookups see the first and
// loops see both, so the second would be silently ignored or silently merged.
struct DuplicateKey {
  YAML::Mark mark;
  std::string key;
  int first_line;  // 1-based
};

// Sees the first document's events as yaml-cpp parses it, and throws TooComplex past the
// limits. Sizes count nodes as the document is walked: an alias counts the whole of what
// it stands for. Also notes the keys each mapping repeats.
class ComplexityGuard : public YAML::EventHandler {
 public:
  const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    arrive(mark, nullptr);
    leaf(anchor, 1);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    arrive(mark, &value);
    leaf(anchor, 1);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    arrive(mark, nullptr);
    // yaml-cpp knows every anchor an alias names, so one without a size is still open: the
    // alias is inside what it stands for, and walking the document would never end.
    auto found = sizes_.find(anchor);
    if (found == sizes_.end()) {
      throw TooComplex{mark, "an alias (*name) inside what it names: the document is infinite"};
    }
    const std::uint64_t size = found->second;
    aliased_ = saturating_add(aliased_, size);
    if (aliased_ > kMaxAliasedNodes) {
      throw TooComplex{mark, "aliases (*name) stand for more than " +
                                 std::to_string(kMaxAliasedNodes) +
                                 " nodes in all; write it out, or use a list ($name)"};
    }
    leaf(YAML::NullAnchor, size);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    arrive(mark, nullptr);
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    arrive(mark, nullptr);
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    std::uint64_t size;
    bool is_map;
    bool next_is_key;                 // in a mapping, children alternate key and value
    std::map<std::string, int> keys;  // the text keys seen, with their 1-based lines
  };

  static std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
  }

  void leaf(YAML::anchor_t anchor, std::uint64_t size) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = size;
    if (!open_.empty()) open_.back().size = saturating_add(open_.back().size, size);
  }

  // A node starts inside the innermost open collection; `text` is its text if a scalar.
  void arrive(const YAML::Mark& mark, const std::string* text) {
    if (open_.empty() || !open_.back().is_map) return;
    Open& map = open_.back();
    if (map.next_is_key && text) {
      auto [first, fresh] = map.keys.emplace(*text, mark.line + 1);
      if (!fresh) duplicates_.push_back({mark, *text, first->second});
    }
    map.next_is_key = !map.next_is_key;
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    if (static_cast<int>(open_.size()) >= kMaxDepth) {
      throw TooComplex{
          mark, "lists and mappings nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    }
    open_.push_back({anchor, 1, is_map, true, {}});
  }

  void close() {
    const YAML::anchor_t anchor = open_.back().anchor;
    const std::uint64_t size = open_.back().size;
    open_.pop_back();
    leaf(anchor, size);
  }

  std::vector<Open> open_;
  std::map<YAML::anchor_t, std::uint64_t> sizes_;
  std::uint64_t aliased_ = 0;
  std::vector<DuplicateKey> duplicates_;
};

}  // namespace

YAML::Node Reader::parse(const std::string& content) {
  ComplexityGuard guard;
  try {
    std::istringstream in(content);
    YAML::Parser parser(in);
    parser.HandleNextDocument(guard);
  } catch (const TooComplex& e) {
    diagnostics_.error({file_, e.mark.line + 1, e.mark.column + 1}, e.message, Code::too_complex);
    return YAML::Node(YAML::NodeType::Undefined);
  } catch (const YAML::Exception&) {
    // Reported, with its place, by the parse below.
  }
  try {
    YAML::Node root = YAML::Load(content);
    for (const auto& d : guard.duplicates()) {
      diagnostics_.error(
          {file_, d.mark.line + 1, d.mark.column + 1},
          "duplicate key '" + d.key + "' (first at line " + std::to_string(d.first_line) + ")",
          Code::duplicate_key);
    }
    return root;
  } catch (const YAML::Exception& e) {
    SourceLocation where{file_, 0, 0};
    if (!e.mark.is_null()) where = {file_, e.mark.line + 1, e.mark.column + 1};
    auto indented = where.line > 0 ? find_indentation_problem(content, where.line) : std::nullopt;
    if (indented) {
      diagnostics_.error({file_, indented->line, indented->column}, indented->message,
                         Code::indentation);
    } else {
      diagnostics_.error(where, "YAML syntax: " + e.msg, Code::yaml_syntax);
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }
}

bool Reader::is_map(const YAML::Node& node, const std::string& what) {
  if (node.IsMap()) return true;
  error(node, what + " must be a mapping (key: value), got " + describe_kind(node),
        Code::wrong_type);
  return false;
}

bool Reader::is_sequence(const YAML::Node& node, const std::string& what) {
  if (node.IsSequence()) return true;
  error(node, what + " must be a list, got " + describe_kind(node), Code::wrong_type);
  return false;
}

void Reader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                        const std::string& what) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key '" + key + "' in " + what;
    if (auto near = closest_match(key, allowed); !near.empty()) {
      message += " (did you mean '" + near + "'?)";
    } else {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      message += " (expected one of: " + known + ")";
    }
    error(entry.first, message, Code::unknown_key);
  }
}

std::optional<std::string> Reader::string(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) return node.Scalar();
  error(node, what + " must be a text, got " + describe_kind(node), Code::wrong_type);
  return std::nullopt;
}

std::optional<std::string> Reader::one_of(const YAML::Node& node, const std::string& what,
                                          const std::vector<std::string>& allowed,
                                          const std::string& must) {
  auto text = string(node, what);
  if (!text || std::find(allowed.begin(), allowed.end(), *text) != allowed.end()) return text;
  error(node, must + ", got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::int64_t> Reader::integer(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    try {
      return node.as<std::int64_t>();
    } catch (const YAML::Exception&) {
    }
  }
  error(node, what + " must be a whole number, got " + describe_kind(node), Code::wrong_type);
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
    }
  }
  error(node, what + " must be true or false, got " + describe_kind(node), Code::wrong_type);
  return std::nullopt;
}

std::optional<time::Seconds> Reader::duration(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    if (auto d = time::parse_duration(node.Scalar())) return d;
  }
  error(node, what + " must be a duration like 15m, 4h or 3d, got " + describe_kind(node));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Reader::strings(const YAML::Node& node,
                                                        const std::string& what) {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) {
    error(node, what + " must be a text or a list of texts, got " + describe_kind(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : node) {
    if (auto s = string(item, what + " item")) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace ackd::yaml
