#include "simulator/trace.h"

#include "core/util/check.h"

namespace cairn::sim {

Trace::Trace(std::ostream* out, size_t keep_last)
    : out_(out), keep_last_(keep_last) {}

void Trace::Emit(Micros t, std::string_view ev, nlohmann::json fields) {
  if (fields.is_null()) fields = nlohmann::json::object();
  CAIRN_CHECK(fields.is_object(), "trace fields must be an object");
  fields["ev"] = ev;
  fields["t"] = t;
  // nlohmann::json's object is a std::map: keys come out sorted.
  std::string line = fields.dump();
  lines_++;
  if (out_ != nullptr) *out_ << line << '\n';
  if (keep_last_ == 0) return;
  if (last_.size() == keep_last_) last_.pop_front();
  last_.push_back(std::move(line));
}

}  // namespace cairn::sim
