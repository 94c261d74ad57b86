// Fuzzes the scenario parser (simulator/scenario_parser.cc): any bytes
// either parse or give an error at a position inside the text, and never
// crash or hang. A text that parses parses the same way twice.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "core/util/check.h"
#include "simulator/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::sim::scenario;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseScenario("fuzz.scn", text);
  if (const auto* e = std::get_if<ParseError>(&parsed)) {
    CAIRN_CHECK(e->pos.line >= 1 && e->pos.col >= 1, "error at %d:%d",
                e->pos.line, e->pos.col);
    CAIRN_CHECK(!e->message.empty(), "an error without a message");
    CAIRN_CHECK(!e->ToString().empty(), "an empty rendering");
    return 0;
  }
  const Scenario& s = std::get<Scenario>(parsed);
  CAIRN_CHECK(s.setup.members >= 1 && s.setup.members <= 9, "members %d",
              s.setup.members);
  auto again = ParseScenario("fuzz.scn", text);
  CAIRN_CHECK(
      std::holds_alternative<Scenario>(again) &&
          std::get<Scenario>(again).statements.size() == s.statements.size(),
      "a second parse differs");
  return 0;
}
