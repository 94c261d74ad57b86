#include "cli/cairn/logger.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace cairn::node {

namespace {

constexpr std::array<std::string_view, 6> kLevelNames = {
    "debug", "info", "warn", "error", "panic", "fatal"};

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  return kLevelNames[static_cast<size_t>(level)];
}

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  int64_t ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms - secs * 1000));
  return buf;
}

JsonLogger::JsonLogger(std::ostream& out, LogLevel min_level, std::string name,
                       Clock clock)
    : out_(out),
      min_level_(min_level),
      name_(std::move(name)),
      clock_(std::move(clock)) {}

void JsonLogger::set_member_id(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  member_id_ = id;
}

void JsonLogger::Log(LogLevel level, std::string_view msg,
                     const Fields& fields) {
  if (!Enabled(level)) return;
  Fields line = Fields::object();
  line["level"] = std::string(LogLevelName(level));
  line["ts"] = FormatTimestamp(clock_());
  line["name"] = name_;
  std::lock_guard<std::mutex> lock(mu_);
  if (member_id_.has_value()) {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016" PRIx64, *member_id_);
    line["member"] = hex;
  }
  line["msg"] = std::string(msg);
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
       << '\n';
  out_.flush();
}

}  // namespace cairn::node
