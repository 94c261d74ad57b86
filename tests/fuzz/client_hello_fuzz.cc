// Fuzzes ClassifyClientHello (cli/cairn/client_hello.h), which reads the
// first bytes of every TLS connection to the client port before anything
// else does.
//
// Properties: no crash or sanitizer report, no read past the input; a
// verdict once given (not kIncomplete) stays the same whatever bytes
// follow, since only the first TLS record decides it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cli/cairn/client_hello.h"
#include "core/util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::node::ClassifyClientHello;
  using cairn::node::HelloKind;
  // A copy of exactly `size` bytes, so ASan sees any read beyond it.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const HelloKind kind = ClassifyClientHello(bytes);
  if (kind != HelloKind::kIncomplete) {
    CAIRN_CHECK(ClassifyClientHello(bytes + std::string(64, '\x01')) == kind,
                "the verdict changed with bytes after the record");
  }
  return 0;
}
