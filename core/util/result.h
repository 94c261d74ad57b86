// Result<T>: a value or the Status that explains why there is none
// (STYLE.md E2; std::expected is C++23). Pure core, header only.
#pragma once

#include <utility>
#include <variant>

#include "core/util/check.h"
#include "core/util/status.h"

namespace cairn {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok(). A Result built from a Status is an error.
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit
    CAIRN_CHECK(!std::get<Status>(data_).ok(),
                "Result built from an OK status has no value");
  }
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit

  bool ok() const { return std::holds_alternative<T>(data_); }

  // The error; Status::Ok() when the Result holds a value.
  Status status() const {
    return ok() ? Status::Ok() : std::get<Status>(data_);
  }

  // REQUIRES: ok().
  const T& value() const& {
    CAIRN_CHECK(ok(), "value() of an error Result: %s",
                std::get<Status>(data_).ToString().c_str());
    return std::get<T>(data_);
  }
  T& value() & {
    CAIRN_CHECK(ok(), "value() of an error Result: %s",
                std::get<Status>(data_).ToString().c_str());
    return std::get<T>(data_);
  }
  T&& value() && {
    CAIRN_CHECK(ok(), "value() of an error Result: %s",
                std::get<Status>(data_).ToString().c_str());
    return std::get<T>(std::move(data_));
  }

 private:
  std::variant<T, Status> data_;
};

}  // namespace cairn
