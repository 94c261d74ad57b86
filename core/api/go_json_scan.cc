#include "core/api/go_json_scan.h"

#include <cstdio>
#include <vector>

namespace cairn::api {

namespace {

enum class Ctx { kObjectKey, kObjectValue, kArrayValue };

enum class St {
  kBeginValue,
  kBeginValueOrEmpty,
  kBeginStringOrEmpty,
  kBeginString,
  kEndValue,
  kInString,
  kInStringEsc,
  kEscU,  // `hex` counts the digits read
  kNeg,
  k1,
  k0,
  kDot,
  kDot0,
  kE,
  kESign,
  kE0,
  kLiteral,  // `literal` is the word, `pos` the next byte expected
};

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHex(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

class Scanner {
 public:
  // Feeds one byte; returns an error text, or "" to go on. done() tells
  // when the first value is complete.
  std::string Step(unsigned char c) {
    for (;;) {
      switch (st_) {
        case St::kBeginValueOrEmpty:
          if (IsSpace(c)) return "";
          if (c == ']') {
            st_ = St::kEndValue;
            continue;
          }
          st_ = St::kBeginValue;
          continue;
        case St::kBeginValue:
          return BeginValue(c);
        case St::kBeginStringOrEmpty:
          if (IsSpace(c)) return "";
          if (c == '}') {
            stack_.back() = Ctx::kObjectValue;
            st_ = St::kEndValue;
            continue;
          }
          st_ = St::kBeginString;
          continue;
        case St::kBeginString:
          if (IsSpace(c)) return "";
          if (c == '"') {
            st_ = St::kInString;
            return "";
          }
          return Error(c, "looking for beginning of object key string");
        case St::kEndValue:
          return EndValue(c);
        case St::kInString:
          if (c == '"') {
            st_ = St::kEndValue;
          } else if (c == '\\') {
            st_ = St::kInStringEsc;
          } else if (c < 0x20) {
            return Error(c, "in string literal");
          }
          return "";
        case St::kInStringEsc:
          if (c == 'u') {
            st_ = St::kEscU;
            hex_ = 0;
            return "";
          }
          if (std::string_view("bfnrt\\/\"").find(static_cast<char>(c)) ==
              std::string_view::npos) {
            return Error(c, "in string escape code");
          }
          st_ = St::kInString;
          return "";
        case St::kEscU:
          if (!IsHex(c)) return Error(c, "in \\u hexadecimal character escape");
          if (++hex_ == 4) st_ = St::kInString;
          return "";
        case St::kNeg:
          if (c == '0') {
            st_ = St::k0;
            return "";
          }
          if (IsDigit(c)) {
            st_ = St::k1;
            return "";
          }
          return Error(c, "in numeric literal");
        case St::k1:
          if (IsDigit(c)) return "";
          st_ = St::k0;
          continue;
        case St::k0:
          if (c == '.') {
            st_ = St::kDot;
            return "";
          }
          if (c == 'e' || c == 'E') {
            st_ = St::kE;
            return "";
          }
          st_ = St::kEndValue;
          continue;
        case St::kDot:
          if (!IsDigit(c)) {
            return Error(c, "after decimal point in numeric literal");
          }
          st_ = St::kDot0;
          return "";
        case St::kDot0:
          if (IsDigit(c)) return "";
          if (c == 'e' || c == 'E') {
            st_ = St::kE;
            return "";
          }
          st_ = St::kEndValue;
          continue;
        case St::kE:
          st_ = St::kESign;
          if (c == '+' || c == '-') return "";
          continue;
        case St::kESign:
          if (!IsDigit(c)) return Error(c, "in exponent of numeric literal");
          st_ = St::kE0;
          return "";
        case St::kE0:
          if (IsDigit(c)) return "";
          st_ = St::kEndValue;
          continue;
        case St::kLiteral:
          if (c != static_cast<unsigned char>(literal_[pos_])) {
            return Error(
                c, "in literal " + std::string(literal_) + " (expecting " +
                       GoQuoteChar(static_cast<unsigned char>(literal_[pos_])) +
                       ")");
          }
          if (++pos_ == literal_.size()) st_ = St::kEndValue;
          return "";
      }
    }
  }

  bool done() const { return done_; }

 private:
  std::string BeginValue(unsigned char c) {
    if (IsSpace(c)) return "";
    switch (c) {
      case '{':
        return Push(Ctx::kObjectKey, St::kBeginStringOrEmpty);
      case '[':
        return Push(Ctx::kArrayValue, St::kBeginValueOrEmpty);
      case '"':
        st_ = St::kInString;
        return "";
      case '-':
        st_ = St::kNeg;
        return "";
      case '0':
        st_ = St::k0;
        return "";
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (c >= '1' && c <= '9') {
          st_ = St::k1;
          return "";
        }
        return Error(c, "looking for beginning of value");
    }
  }

  std::string EndValue(unsigned char c) {
    if (stack_.empty()) {
      done_ = true;  // the Decoder stops at the end of the first value
      return "";
    }
    if (IsSpace(c)) return "";
    switch (stack_.back()) {
      case Ctx::kObjectKey:
        if (c == ':') {
          stack_.back() = Ctx::kObjectValue;
          st_ = St::kBeginValue;
          return "";
        }
        return Error(c, "after object key");
      case Ctx::kObjectValue:
        if (c == ',') {
          stack_.back() = Ctx::kObjectKey;
          st_ = St::kBeginString;
          return "";
        }
        if (c == '}') return Pop();
        return Error(c, "after object key:value pair");
      case Ctx::kArrayValue:
        if (c == ',') {
          st_ = St::kBeginValue;
          return "";
        }
        if (c == ']') return Pop();
        return Error(c, "after array element");
    }
    return "";
  }

  std::string Push(Ctx ctx, St next) {
    if (stack_.size() >= kMaxDepth) return "exceeded max depth";
    stack_.push_back(ctx);
    st_ = next;
    return "";
  }

  std::string Pop() {
    stack_.pop_back();
    st_ = St::kEndValue;
    if (stack_.empty()) done_ = true;
    return "";
  }

  std::string Literal(std::string_view word) {
    literal_ = word;
    pos_ = 1;
    st_ = St::kLiteral;
    return "";
  }

  static std::string Error(unsigned char c, const std::string& context) {
    return "invalid character " + GoQuoteChar(c) + " " + context;
  }

  static constexpr size_t kMaxDepth = 10000;  // Go's maxNestingDepth
  St st_ = St::kBeginValue;
  std::vector<Ctx> stack_;
  std::string_view literal_;
  size_t pos_ = 0;
  int hex_ = 0;
  bool done_ = false;
};

}  // namespace

std::string GoQuoteChar(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  // strconv.Quote of the byte as a rune, between single quotes.
  switch (c) {
    case '\a':
      return "'\\a'";
    case '\b':
      return "'\\b'";
    case '\f':
      return "'\\f'";
    case '\n':
      return "'\\n'";
    case '\r':
      return "'\\r'";
    case '\t':
      return "'\\t'";
    case '\v':
      return "'\\v'";
    case '\\':
      return "'\\\\'";
    default:
      break;
  }
  char buf[16];
  if (c < 0x20 || c == 0x7f) {
    snprintf(buf, sizeof(buf), "'\\x%02x'", c);
  } else if (c < 0x80) {
    snprintf(buf, sizeof(buf), "'%c'", c);
  } else if (c <= 0xa0 || c == 0xad) {
    // C1 controls, no-break space and soft hyphen: not printable for Go.
    snprintf(buf, sizeof(buf), "'\\u%04x'", c);
  } else {
    // U+00A0..U+00FF, printable: its UTF-8 bytes.
    const char utf8[] = {static_cast<char>(0xc0 | (c >> 6)),
                         static_cast<char>(0x80 | (c & 0x3f)), 0};
    return std::string("'") + utf8 + "'";
  }
  return buf;
}

std::optional<std::string> GoJsonSyntaxError(std::string_view body) {
  Scanner scanner;
  for (char ch : body) {
    std::string err = scanner.Step(static_cast<unsigned char>(ch));
    if (!err.empty()) return err;
    if (scanner.done()) return std::nullopt;
  }
  // A number at the very end is complete; anything else open is cut short.
  if (scanner.done()) return std::nullopt;
  std::string err = scanner.Step(' ');
  if (err.empty() && scanner.done()) return std::nullopt;
  return std::string("unexpected EOF");
}

}  // namespace cairn::api
