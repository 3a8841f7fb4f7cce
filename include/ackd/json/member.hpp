#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ackd {

// A member of JSON that someone else wrote (a platform's webhook, a platform's answer, a
// stored payload), read without trusting its shape: a member of another type is as if
// absent, where nlohmann's value() would throw. `object` may be of any type.
inline std::string json_text(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline bool json_flag(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace ackd
