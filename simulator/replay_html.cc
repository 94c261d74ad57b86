// WriteReplayHtml (replay_html.h).
#include "simulator/replay_html.h"

#include <nlohmann/json.hpp>

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

PageTrace::Buf::int_type PageTrace::Buf::overflow(int_type c) {
  if (c == traits_type::eof()) return traits_type::not_eof(c);
  const char ch = traits_type::to_char_type(c);
  return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

std::streamsize PageTrace::Buf::xsputn(const char* s, std::streamsize n) {
  if (full_) return n;  // dropped: the page ends where the cap was
  const auto len = static_cast<size_t>(n);
  if (text_.size() + len > cap_) {
    full_ = true;
    return n;
  }
  text_.append(s, len);
  return n;
}

std::string PageTrace::Text() const {
  if (!buf_.full()) return buf_.text();
  std::string text = buf_.text();
  text.resize(text.rfind('\n') + 1);  // npos + 1 == 0: nothing whole
  uint64_t t = 0;
  const size_t last = text.rfind('\n', text.size() >= 2 ? text.size() - 2 : 0);
  const std::string line =
      text.substr(last == std::string::npos ? 0 : last + 1);
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_object() && j.contains("t") && j["t"].is_number_unsigned()) {
    t = j["t"].get<uint64_t>();
  }
  text += nlohmann::json{{"ev", "narrate"},
                         {"t", t},
                         {"text", "The trace was cut here, at " +
                                      std::to_string(buf_.text().size()) +
                                      " bytes: the run went on."}}
              .dump() +
          "\n";
  return text;
}

}  // namespace cairn::sim
