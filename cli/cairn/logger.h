// JsonLogger: the node's structured log, one JSON object per line:
//   {"level":"info","ts":"2026-11-25T07:31:33.848Z","name":"n1",
//    "msg":"became leader","term":"3"}
// Edge code. Thread-safe: any thread may log; each line is written whole
// under a mutex. There is no global logger (STYLE.md A7): each node owns
// one and passes it down. The clock is injectable so tests get fixed
// timestamps.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace cairn::node {

// etcd's --log-level values, in increasing severity.
enum class LogLevel { kDebug, kInfo, kWarn, kError, kPanic, kFatal };

// "debug", "info", ...; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

class JsonLogger {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // Extra fields, printed after the fixed ones in the order given.
  using Fields = nlohmann::ordered_json;

  // Writes lines at `min_level` and above to `out`, which must outlive the
  // logger. `name` is the member name printed in every line.
  JsonLogger(std::ostream& out, LogLevel min_level, std::string name,
             Clock clock = std::chrono::system_clock::now);
  JsonLogger(const JsonLogger&) = delete;
  JsonLogger& operator=(const JsonLogger&) = delete;

  // Writes one line unless `level` is below the minimum. `fields` must be
  // a JSON object or null; its members follow "msg". Never throws: text
  // that is not UTF-8 is replaced.
  void Log(LogLevel level, std::string_view msg, const Fields& fields = {});
  void Debug(std::string_view msg, const Fields& fields = {}) {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, const Fields& fields = {}) {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, const Fields& fields = {}) {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, const Fields& fields = {}) {
    Log(LogLevel::kError, msg, fields);
  }

  bool Enabled(LogLevel level) const { return level >= min_level_; }

  // Sets the member id once it is known (printed as "member" in 16 hex
  // digits, as etcd prints member ids).
  void set_member_id(uint64_t id);

 private:
  std::ostream& out_;
  const LogLevel min_level_;
  const std::string name_;
  const Clock clock_;
  std::mutex mu_;
  std::optional<uint64_t> member_id_;  // guarded by mu_
};

// ISO 8601 UTC with milliseconds: "2026-11-25T07:31:33.848Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace cairn::node
