#include "cli/cairnctl/go_format.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace cairn::ctl {

namespace {

// Decodes one UTF-8 rune at s[i]; returns its length, or 0 when the bytes
// there are not valid UTF-8 (Go then prints the byte as \xNN).
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  size_t n = 0;
  uint32_t r = 0;
  if (c < 0x80) {
    *rune = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    r = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    r = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    r = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b(k) & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range runes are invalid in Go.
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return n;
}

// strconv.IsPrint, simplified: C0/C1 controls, DEL, the soft hyphen and
// the Unicode non-characters are not printable; other runes are. (Go also
// treats unassigned code points as not printable; cairnctl does not carry
// Unicode tables, a documented difference.)
bool IsPrint(uint32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r < 0xA0) return false;
  if (r == 0xAD) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;
  return true;
}

std::string Hex2(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02x", b);
  return buf;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t r = 0;
    const size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      out += Hex2(static_cast<uint8_t>(s[i]));
      ++i;
      continue;
    }
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (IsPrint(r)) {
      out.append(s.substr(i, n));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default: {
          char buf[16];
          if (r < ' ' || r == 0x7F) {
            std::snprintf(buf, sizeof(buf), "\\x%02x", r);
          } else if (r < 0x10000) {
            std::snprintf(buf, sizeof(buf), "\\u%04x", r);
          } else {
            std::snprintf(buf, sizeof(buf), "\\U%08x", r);
          }
          out += buf;
        }
      }
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string HexEscape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 4);
  for (char c : bytes) out += Hex2(static_cast<uint8_t>(c));
  return out;
}

std::string LeaseHex(int64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, static_cast<uint64_t>(id));
  return buf;
}

std::string MemberHex16(uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%16" PRIx64, id);
  return buf;
}

std::string MemberHex(uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%" PRIx64, id);
  return buf;
}

std::string GoStringSlice(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += items[i];
  }
  return out + "]";
}

namespace {

// Go's fmtFrac/fmtInt for Duration.String: `v` in units of 10^-prec,
// printed with trailing zeros of the fraction dropped.
std::string FixedTrim(uint64_t v, int prec) {
  std::string frac;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  std::string out = std::to_string(v);
  if (!frac.empty()) out += "." + frac;
  return out;
}

}  // namespace

std::string GoDuration(int64_t nanos) {
  const bool neg = nanos < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(nanos + 1)) + 1
                   : static_cast<uint64_t>(nanos);
  std::string out;
  if (u == 0) return "0s";
  if (u < 1000) {
    out = std::to_string(u) + "ns";
  } else if (u < 1000000) {
    out = FixedTrim(u, 3) + "µs";
  } else if (u < 1000000000) {
    out = FixedTrim(u, 6) + "ms";
  } else {
    const uint64_t secs_ns = u % 60000000000ULL;
    uint64_t mins = u / 60000000000ULL;
    out = FixedTrim(secs_ns, 9) + "s";
    if (mins > 0) {
      const uint64_t hours = mins / 60;
      mins %= 60;
      out = std::to_string(mins) + "m" + out;
      if (hours > 0) out = std::to_string(hours) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

std::string HumanizeBytes(uint64_t bytes) {
  static const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  char buf[32];
  if (bytes < 10) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 " B", bytes);
    return buf;
  }
  const double s = static_cast<double>(bytes);
  const int e = static_cast<int>(std::floor(std::log(s) / std::log(1000.0)));
  const double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val,
                kSizes[e]);
  return buf;
}

}  // namespace cairn::ctl
