#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

namespace ackd::mail::detail {

// GMime's objects are reference counted: one owned here is unreferenced when it goes.
struct Unref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <class T>
using Owned = std::unique_ptr<T, Unref>;

// GMime is initialised once per process, before its first use.
inline void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace ackd::mail::detail
