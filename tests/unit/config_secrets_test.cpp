#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ackd/config/read.hpp"
#include "temp_dir.hpp"

namespace config_secrets_test {

namespace {

namespace fs = std::filesystem;

// ackd.yaml with one webhook sink whose token is `token`.
ackd::config::ConfigResult with_token(const std::string& token) {
  return ackd::config::read_config(
      {"ackd.yaml",
       "listen: 127.0.0.1:8080\npolicy: rules\nstate: state\nsinks:\n"
       "  chat: {type: webhook, url: \"https://chat.example/hook\", token: " +
           token + "}\n"});
}

std::vector<std::string> errors(const ackd::config::ConfigResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) out.push_back(d.to_string());
  return out;
}

std::string token_of(const ackd::config::ConfigResult& r) {
  REQUIRE_MESSAGE(r.config, errors(r).front());
  return r.config->sinks.at("chat").settings.at("token").value;
}

}  // namespace

TEST_CASE("secrets: a credential, a file or a variable, read once, the trailing newline dropped") {
  ackd::testing::TempDir dir("ackd-secrets-");
  std::ofstream(dir.path / "chat-token") << "from-systemd\n";
  std::ofstream(dir.path / "token-file") << "from-a-file\n";
  ::setenv("CREDENTIALS_DIRECTORY", dir.path.c_str(), 1);
  ::setenv("ACKD_TEST_CHAT_TOKEN", "from-the-environment", 1);
  CHECK(token_of(with_token("{credential: chat-token}")) == "from-systemd");
  CHECK(token_of(with_token("{file: " + (dir.path / "token-file").string() + "}")) ==
        "from-a-file");
  CHECK(token_of(with_token("{env: ACKD_TEST_CHAT_TOKEN}")) == "from-the-environment");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  ::unsetenv("ACKD_TEST_CHAT_TOKEN");
}

TEST_CASE("secrets: what cannot be read is an error at its place that never shows a value") {
  ackd::testing::TempDir dir("ackd-secrets-");
  std::ofstream(dir.path / "empty") << "\n";
  ::unsetenv("CREDENTIALS_DIRECTORY");
  ::unsetenv("ACKD_TEST_MISSING");
  CHECK(errors(with_token("{credential: chat-token}")) ==
        std::vector<std::string>{
            "ackd.yaml:5:66: error: sink 'chat': token: credential 'chat-token': "
            "$CREDENTIALS_DIRECTORY is not set (systemd sets it for a unit with "
            "LoadCredential=chat-token:PATH; by hand, point it at a directory holding a file "
            "named chat-token)"});
  CHECK(errors(with_token("{env: ACKD_TEST_MISSING}")) ==
        std::vector<std::string>{"ackd.yaml:5:66: error: sink 'chat': token: environment "
                                 "variable ACKD_TEST_MISSING is not set"});
  CHECK(errors(with_token("{file: /nonexistent/token}")) ==
        std::vector<std::string>{"ackd.yaml:5:66: error: sink 'chat': token: file "
                                 "'/nonexistent/token' cannot be read"});
  CHECK(errors(with_token("{file: " + (dir.path / "empty").string() + "}"))
            .front()
            .find("' is empty") != std::string::npos);
  ::setenv("CREDENTIALS_DIRECTORY", dir.path.c_str(), 1);
  CHECK(errors(with_token("{credential: ../empty}")).front().find("has no '/'") !=
        std::string::npos);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  // Written in ackd.yaml itself, a secret is refused, and its text is not repeated.
  auto literal = errors(with_token("hunter2"));
  CHECK(literal == std::vector<std::string>{
                       "ackd.yaml:5:66: error: sink 'chat': token is a secret and is not written "
                       "in ackd.yaml: give {credential: NAME} (systemd's "
                       "LoadCredential=NAME:PATH), {file: PATH} or {env: VAR}"});
}

}  // namespace config_secrets_test
