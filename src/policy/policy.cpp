#include "ackd/policy/policy.hpp"

#include <algorithm>

#include "load/loader.hpp"

namespace ackd::policy {

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = {
      "channel",         "visibility",    "lang",        "text",
      "author.id",       "author.handle", "author.name", "author.followers",
      "author.verified", "pii",           "repeat",      "time"};
  return names;
}

std::string_view name_of(Field f) {
  return field_names()[static_cast<std::size_t>(f)];
}

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name,
                    std::string T::*key = &T::name) {
  auto found =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.*key == name; });
  return found == items.end() ? nullptr : &*found;
}

}  // namespace

const NamedCalendar* Policy::calendar(const std::string& name) const {
  return find_named(calendars, name);
}
const Team* Policy::team(const std::string& name) const {
  return find_named(teams, name);
}
const ReplyTemplate* Policy::reply_template(const std::string& name) const {
  return find_named(templates, name);
}
const Rule* Policy::rule(const std::string& id) const {
  return find_named(rules, id, &Rule::id);
}

}  // namespace ackd::policy
