// The small sections: version, default_lang, lists and channels.
#include "loader.hpp"

namespace ackd::policy {

const std::vector<std::string> kChannelKeys = {"max_chars", "counting"};

void Loader::compile_basics() {
  Policy& p = *policy_;
  if (version_) {
    auto v = version_->reader->integer(version_->value, "version");
    if (v && *v != 1) version_->reader->error(version_->value, "version must be 1");
  }
  if (default_lang_) {
    auto lang = default_lang_->reader->string(default_lang_->value, "default_lang");
    if (lang && !is_lang_code(*lang)) {
      default_lang_->reader->error(default_lang_->value,
                                   "default_lang must be a language code like ja or en");
    } else if (lang) {
      p.default_lang = *lang;
    }
  } else {
    p.default_lang = "en";
  }
}

void Loader::compile_lists() {
  for (const auto& e : named_["lists"]) {
    auto items = e.reader->strings(e.value, "list '" + e.name + "'");
    if (!items) continue;
    if (items->empty()) e.reader->error(e.value, "list '" + e.name + "' is empty");
    policy_->lists[e.name] = *items;
  }
}

void Loader::compile_channels() {
  for (const auto& e : named_["channels"]) {
    yaml::Reader& r = *e.reader;
    ChannelLimit channel{e.name, 0, text::Counting::code_points};
    if (!e.value.IsNull() && r.is_map(e.value, "channel '" + e.name + "'")) {
      r.check_keys(e.value, kChannelKeys, "channel '" + e.name + "'");
      if (auto n = e.value["max_chars"]) {
        auto v = r.integer(n, "max_chars");
        if (v && *v <= 0) r.error(n, "max_chars must be above 0");
        if (v && *v > 0) channel.max_chars = static_cast<std::size_t>(*v);
      }
      if (auto c = e.value["counting"]) {
        if (r.one_of(c, "counting", {"chars", "twitter"},
                     "counting must be 'chars' or 'twitter'") == "twitter") {
          channel.counting = text::Counting::twitter;
        }
      }
    }
    policy_->channels[e.name] = channel;
  }
}

}  // namespace ackd::policy
