#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ackd::store::sqlite {

// How long a connection waits for another's lock before SQLITE_BUSY.
inline constexpr int kBusyTimeoutMs = 5000;

// A failed SQLite call. Thrown inside the writer and turned into a Status at the job
// boundary, where the code decides whether the job or the whole batch failed.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  int primary() const { return code_ & 0xff; }

 private:
  int code_;
};

// A cached prepared statement in use. Resets on destruction so the next user of the same
// statement starts clean and read transactions are not held open by a forgotten cursor.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Query& bind(int i, int v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Query& bind(int i, std::string_view v) {
    return check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Query& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, std::nullptr_t) { return check(sqlite3_bind_null(stmt_, i)); }
  template <class T>
  Query& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, nullptr);
  }

  template <class... Args>
  Query& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
  }
  // Runs a statement that returns no rows (or whose rows do not matter).
  void run() {
    while (step()) {
    }
  }

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  // Valid until the next step: for reading many rows into reused strings.
  std::string_view text_view(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  std::optional<std::int64_t> optional_integer(int col) const {
    if (is_null(col)) return std::nullopt;
    return integer(col);
  }
  std::optional<std::string> optional_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
  }

 private:
  Query& check(int rc) {
    if (rc != SQLITE_OK) throw Error(rc, sqlite3_errmsg(db_));
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One connection and its statement cache. Not thread-safe: owned by one thread at a time.
class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void open(const std::string& path, int flags, const char* vfs = nullptr) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs);
    if (rc != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      close();
      throw Error(rc, message);
    }
    sqlite3_extended_result_codes(db_, 1);
  }

  void close() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  sqlite3* get() const { return db_; }

  // The statement for `sql`, prepared once and kept for the life of the connection.
  // Looked up by view: the writer runs a dozen statements per complaint, and building a
  // std::string key for each was a measurable share of its time.
  Query query(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) throw Error(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
      it = cache_.emplace(sql, stmt).first;
    }
    return Query(db_, it->second);
  }

  // Several statements at once, uncached (schema migrations).
  void exec_script(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      throw Error(sqlite3_extended_errcode(db_), text);
    }
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3* db_ = nullptr;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

}  // namespace ackd::store::sqlite
