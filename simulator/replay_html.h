// The replay view (simulator/replay_view/replay.html): one self-contained
// HTML page that draws a simulated run from its JSON-lines trace. Edge
// code of cairnsim.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace cairn::sim {

// The page's template, with the marker where the trace goes (generated
// from replay_view/replay.html at build time).
extern const std::string_view kReplayHtmlTemplate;

// Writes the page for `trace` (JSON lines) to `out`.
void WriteReplayHtml(std::ostream& out, std::string_view trace);

// Where a run's trace goes on its way into a page: a string that stops
// growing at `cap` bytes (a day of simulated heartbeats would not fit in
// a browser, nor in memory), cut back to the last whole line.
class PageTrace {
 public:
  explicit PageTrace(size_t cap = kDefaultCap) : buf_(cap), stream_(&buf_) {}
  std::ostream& stream() { return stream_; }
  // The trace so far; when it was cut, with a last line saying so.
  std::string Text() const;

  static constexpr size_t kDefaultCap = 64 << 20;

 private:
  class Buf : public std::streambuf {
   public:
    explicit Buf(size_t cap) : cap_(cap) {}
    const std::string& text() const { return text_; }
    bool full() const { return full_; }

   protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

   private:
    size_t cap_;
    bool full_ = false;
    std::string text_;
  };
  Buf buf_;
  std::ostream stream_;
};

}  // namespace cairn::sim
