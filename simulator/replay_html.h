// The replay view (simulator/replay_view/replay.html): one self-contained
// HTML page that draws a simulated run from its JSON-lines trace. Edge
// code of cairnsim.
#pragma once

#include <ostream>
#include <string_view>

namespace cairn::sim {

// The page's template, with the marker where the trace goes (generated
// from replay_view/replay.html at build time).
extern const std::string_view kReplayHtmlTemplate;

// Writes the page for `trace` (JSON lines) to `out`.
void WriteReplayHtml(std::ostream& out, std::string_view trace);

}  // namespace cairn::sim
