// WriteReplayHtml (replay_html.h).
#include "simulator/replay_html.h"

#include "core/util/check.h"

namespace cairn::sim {

namespace {

constexpr std::string_view kMarker = "/*CAIRN_TRACE*/";

}  // namespace

void WriteReplayHtml(std::ostream& out, std::string_view trace) {
  const size_t at = kReplayHtmlTemplate.find(kMarker);
  CAIRN_CHECK(at != std::string_view::npos, "replay.html lost its marker");
  out << kReplayHtmlTemplate.substr(0, at);
  // The trace sits in a <script> element: "</" must not end it early. In
  // JSON, "</" occurs only inside strings, where "<\/" means the same.
  size_t from = 0;
  while (from < trace.size()) {
    const size_t lt = trace.find("</", from);
    if (lt == std::string_view::npos) {
      out << trace.substr(from);
      break;
    }
    out << trace.substr(from, lt - from) << "<\\/";
    from = lt + 2;
  }
  out << kReplayHtmlTemplate.substr(at + kMarker.size());
}

}  // namespace cairn::sim
