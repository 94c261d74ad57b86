#include "core/util/coding.h"

#include "core/util/check.h"

namespace cairn {

void AppendFixed(std::string& out, uint64_t v, int bytes) {
  CAIRN_CHECK(bytes >= 1 && bytes <= 8, "AppendFixed of %d bytes", bytes);
  for (int i = 0; i < bytes; i++) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

}  // namespace cairn
