#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "ackd/http/server.hpp"

namespace ackd::api {

// What happens to cases, for GET /v1/events (Server-Sent Events), so the console shows a new
// case or a claim made elsewhere within a second. An event names what happened and to
// which case ({"type": "claimed", "id": "..."}), never customer text: the console fetches
// what it shows with its token. Events are not kept: a console that reconnects fetches the
// list again. On the io thread.
class Events {
 public:
  explicit Events(boost::asio::io_context& io,
                  std::chrono::milliseconds heartbeat = std::chrono::seconds(20));

  void subscribe(std::shared_ptr<http::EventStream> stream);
  void publish(nlohmann::json event);
  // A case changed: {"type": type, "id": case_id}.
  void publish(std::string_view type, std::string_view case_id);
  std::size_t subscribers() const;

 private:
  void beat();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds heartbeat_;
  std::vector<std::shared_ptr<http::EventStream>> streams_;
  std::uint64_t next_id_ = 1;
  bool beating_ = false;
};

}  // namespace ackd::api
