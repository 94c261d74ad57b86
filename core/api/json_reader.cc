#include "core/api/json_reader.h"

#include <cstdio>
#include <limits>
#include <vector>

#include "core/api/base64.h"
#include "core/api/go_json_scan.h"

namespace cairn::api {

using nlohmann::json;

namespace {

// Go's encoding/json refuses nesting deeper than this (scanner.go).
constexpr size_t kMaxJsonDepth = 10000;

// Forwards every SAX event to nlohmann's DOM builder, except that numbers
// with a fraction or exponent (and integers too large for 64 bits) become
// binary values holding their literal text: Go quotes that text in its
// errors, and a double cannot give it back.
class BodySax {
 public:
  explicit BodySax(json& root) : dom_(root, /*allow_exceptions=*/false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) {
    return dom_.number_integer(v);
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return dom_.number_unsigned(v);
  }
  bool number_float(json::number_float_t, const std::string& literal) {
    json::binary_t bin(std::vector<uint8_t>(literal.begin(), literal.end()));
    return dom_.binary(bin);
  }
  bool string(std::string& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(size_t n) { return dom_.start_object(n); }
  bool key(std::string& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <class Exception>
  bool parse_error(size_t position, const std::string&, const Exception&) {
    error_position_ = position;
    has_error_ = true;
    return false;
  }

  bool has_error() const { return has_error_; }
  size_t error_position() const { return error_position_; }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  bool has_error_ = false;
  size_t error_position_ = 0;
};

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// True when brackets (outside strings) nest deeper than Go allows.
bool TooDeep(std::string_view body) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Go's syntax error text for a failure at byte `position` (1-based count of
// bytes read, as nlohmann reports it).
Status SyntaxError(std::string_view body, size_t position) {
  if (position == 0 || position > body.size()) {
    return Status::InvalidArgument("unexpected EOF");
  }
  return Status::InvalidArgument(
      "invalid character " +
      GoQuoteChar(static_cast<unsigned char>(body[position - 1])) +
      " looking for beginning of value");
}

Status TypeError(std::string_view what, std::string_view go_type) {
  return Status::InvalidArgument("json: cannot unmarshal " + std::string(what) +
                                 " into Go value of type " +
                                 std::string(go_type));
}

std::string BinaryText(const json& v) {
  const auto& bin = v.get_binary();
  return std::string(bin.begin(), bin.end());
}

Status InvalidChar(char c, std::string_view context) {
  return Status::InvalidArgument("invalid character " +
                                 GoQuoteChar(static_cast<unsigned char>(c)) +
                                 " " + std::string(context));
}

// Checks `text` (trimmed, non-empty) against JSON's number grammar, with
// the texts Go's scanner gives for the first violation. Go scans the input
// followed by one blank, so a literal cut short reports "invalid character
// ' '" ("-" gives "' ' in numeric literal", seen on etcd). Sets `integral`
// to false when the literal has a fraction or an exponent.
Status ScanNumber(std::string_view text, bool& integral) {
  size_t i = 0;
  auto at_end = [&] { return i == text.size(); };
  auto digits = [&] {
    size_t start = i;
    while (!at_end() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  auto next = [&] { return at_end() ? ' ' : text[i]; };
  if (text[i] == '-') ++i;
  if (next() < '0' || next() > '9') {
    return InvalidChar(next(), i == 0 ? "looking for beginning of value"
                                      : "in numeric literal");
  }
  if (text[i] == '0') {
    ++i;
  } else {
    digits();
  }
  if (!at_end() && text[i] == '.') {
    ++i;
    integral = false;
    if (digits() == 0) {
      return InvalidChar(next(), "after decimal point in numeric literal");
    }
  }
  if (!at_end() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    integral = false;
    if (!at_end() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) {
      return InvalidChar(next(), "in exponent of numeric literal");
    }
  }
  if (!at_end()) return InvalidChar(text[i], "after top-level value");
  return Status::Ok();
}

// Parses a JSON number literal as Go's json.Unmarshal into an integer type
// would: an integral literal in [min, max] is accepted; any other number is
// "cannot unmarshal number X". `raw` is what jsonpb hands Go after removing
// the quotes of a quoted integer, so it may be any JSON text.
Result<int64_t> ParseIntLiteral(std::string_view raw, int64_t min, int64_t max,
                                std::string_view go_type) {
  size_t b = 0, e = raw.size();
  while (b < e && IsJsonSpace(raw[b])) ++b;
  while (e > b && IsJsonSpace(raw[e - 1])) --e;
  std::string_view text = raw.substr(b, e - b);
  if (text.empty()) {
    return Status::InvalidArgument("unexpected end of JSON input");
  }
  // jsonpb hands Go the raw text between the quotes; these two literals
  // are valid JSON of another type.
  if (text == "true" || text == "false") return TypeError("bool", go_type);
  if (text == "null") return 0;  // Go leaves the integer unset
  bool integral = true;
  Status syntax = ScanNumber(text, integral);
  if (!syntax.ok()) return syntax;
  Status range_error = TypeError("number " + std::string(text), go_type);
  bool negative = text[0] == '-';
  std::string_view mag_digits = text.substr(negative ? 1 : 0);
  if (!integral || mag_digits.size() > 19) return range_error;  // overflows
  uint64_t mag = 0;
  for (char c : mag_digits) mag = mag * 10 + static_cast<uint64_t>(c - '0');
  constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
  if (mag > (negative ? kMinMagnitude : kMinMagnitude - 1)) return range_error;
  int64_t x = !negative              ? static_cast<int64_t>(mag)
              : mag == kMinMagnitude ? std::numeric_limits<int64_t>::min()
                                     : -static_cast<int64_t>(mag);
  if (x < min || x > max) return range_error;
  return x;
}

// Reads an integer field value of any JSON type, as jsonpb does.
Result<int64_t> ReadInt(const json& v, int64_t min, int64_t max,
                        std::string_view go_type) {
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    int64_t x = v.get<int64_t>();
    if (x < min || x > max) {
      return TypeError("number " + std::to_string(x), go_type);
    }
    return x;
  }
  if (v.is_number_unsigned()) {
    uint64_t x = v.get<uint64_t>();
    if (x > static_cast<uint64_t>(max)) {
      return TypeError("number " + std::to_string(x), go_type);
    }
    return static_cast<int64_t>(x);
  }
  if (v.is_binary()) return TypeError("number " + BinaryText(v), go_type);
  if (v.is_string()) {
    return ParseIntLiteral(v.get_ref<const std::string&>(), min, max, go_type);
  }
  return TypeError(GoJsonType(v), go_type);
}

// Parses a JSON number literal as Go's json.Unmarshal into a uint64 would,
// with the same conventions as ParseIntLiteral: a negative, fractional or
// too large literal is "cannot unmarshal number X into Go value of type
// uint64".
Result<uint64_t> ParseUintLiteral(std::string_view raw) {
  size_t b = 0, e = raw.size();
  while (b < e && IsJsonSpace(raw[b])) ++b;
  while (e > b && IsJsonSpace(raw[e - 1])) --e;
  std::string_view text = raw.substr(b, e - b);
  if (text.empty()) {
    return Status::InvalidArgument("unexpected end of JSON input");
  }
  if (text == "true" || text == "false") return TypeError("bool", "uint64");
  if (text == "null") return 0;  // Go leaves the integer unset
  bool integral = true;
  Status syntax = ScanNumber(text, integral);
  if (!syntax.ok()) return syntax;
  Status range_error = TypeError("number " + std::string(text), "uint64");
  if (!integral || text[0] == '-' || text.size() > 20) return range_error;
  uint64_t x = 0;
  for (char c : text) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (x > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return range_error;
    }
    x = x * 10 + digit;
  }
  return x;
}

// Reads a uint64 field value of any JSON type, as jsonpb does.
Result<uint64_t> ReadUint(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    return TypeError("number " + std::to_string(v.get<int64_t>()), "uint64");
  }
  if (v.is_binary()) return TypeError("number " + BinaryText(v), "uint64");
  if (v.is_string()) {
    return ParseUintLiteral(v.get_ref<const std::string&>());
  }
  return TypeError(GoJsonType(v), "uint64");
}

// jsonpb takes a string as a value name and anything else as the number,
// which need not name a known value (proto3 enums are open).
Result<int32_t> ReadEnum(const json& v, const EnumDesc& desc) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    for (size_t i = 0; i < desc.names.size(); ++i) {
      if (desc.names[i] == s) return static_cast<int32_t>(i);
    }
    return Status::InvalidArgument("unknown value \"" + s + "\" for enum " +
                                   std::string(desc.go_type));
  }
  Result<int64_t> r =
      ReadInt(v, std::numeric_limits<int32_t>::min(),
              std::numeric_limits<int32_t>::max(), desc.go_type);
  if (!r.ok()) return r.status();
  return static_cast<int32_t>(r.value());
}

}  // namespace

Result<json> ParseBody(std::string_view body) {
  size_t first = 0;
  while (first < body.size() && IsJsonSpace(body[first])) ++first;
  if (first == body.size()) return json::object();  // io.EOF: empty request
  if (TooDeep(body)) return Status::InvalidArgument("exceeded max depth");
  json root;
  BodySax sax(root);
  bool ok = json::sax_parse(body, &sax, nlohmann::detail::input_format_t::json,
                            /*strict=*/false);
  if (!ok || sax.has_error()) {
    // Go's scanner says which rule broke; nlohmann only where.
    if (std::optional<std::string> go = GoJsonSyntaxError(body)) {
      return Status::InvalidArgument(*go);
    }
    return SyntaxError(body, sax.error_position());
  }
  if (root.is_null()) return json::object();
  return root;
}

std::string_view GoJsonType(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::null:
      return "null";
    default:
      return "number";  // integers and binary-held literals
  }
}

Status CheckObject(const json& v) {
  if (v.is_object() || v.is_null()) return Status::Ok();
  return Status::InvalidArgument(
      "json: cannot unmarshal " + std::string(GoJsonType(v)) +
      " into Go value of type map[string]json.RawMessage");
}

JsonReader::JsonReader(const json& obj) : obj_(obj) { Fail(CheckObject(obj)); }

void JsonReader::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
}

const json* JsonReader::Find(std::string_view name,
                             std::string_view json_name) const {
  if (!status_.ok() || !obj_.is_object()) return nullptr;
  for (std::string_view n : {name, json_name}) {
    auto it = obj_.find(n);
    if (it != obj_.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string JsonReader::Bytes(std::string_view name,
                              std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return {};
  if (v->is_array()) return ByteArray(*v);
  if (!v->is_string()) {
    Fail(TypeError(GoJsonType(*v), "[]uint8"));
    return {};
  }
  Result<std::string> r = DecodeBase64(v->get_ref<const std::string&>());
  if (!r.ok()) {
    Fail(r.status());
    return {};
  }
  return std::move(r).value();
}

std::string JsonReader::ByteArray(const json& array) {
  // Go decodes a []byte from an array element by element (null is 0);
  // the first element that is not a uint8 is the error.
  std::string out;
  for (const json& e : array) {
    if (e.is_null()) {
      out.push_back('\0');
      continue;
    }
    std::string number;
    if (e.is_number_unsigned()) {
      if (e.get<uint64_t>() <= 255) {
        out.push_back(static_cast<char>(e.get<uint64_t>()));
        continue;
      }
      number = std::to_string(e.get<uint64_t>());
    } else if (e.is_number_integer()) {
      number = std::to_string(e.get<int64_t>());
    } else if (e.is_binary()) {
      number = BinaryText(e);
    }
    Fail(number.empty() ? TypeError(GoJsonType(e), "uint8")
                        : TypeError("number " + number, "uint8"));
    return {};
  }
  return out;
}

std::string JsonReader::String(std::string_view name,
                               std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Fail(TypeError(GoJsonType(*v), "string"));
    return {};
  }
  return v->get<std::string>();
}

int64_t JsonReader::Int64(std::string_view name, std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return 0;
  Result<int64_t> r = ReadInt(*v, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(), "int64");
  if (!r.ok()) {
    Fail(r.status());
    return 0;
  }
  return r.value();
}

uint64_t JsonReader::Uint64(std::string_view name, std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return 0;
  Result<uint64_t> r = ReadUint(*v);
  if (!r.ok()) {
    Fail(r.status());
    return 0;
  }
  return r.value();
}

// Go unmarshals a JSON null element of a []string as "" (it leaves the
// element at its zero value).
std::vector<std::string> JsonReader::Strings(std::string_view name,
                                             std::string_view json_name) {
  std::vector<std::string> out;
  const json* arr = Array(name, json_name);
  if (arr == nullptr) return out;
  for (const json& elem : *arr) {
    if (elem.is_null()) {
      out.emplace_back();
    } else if (elem.is_string()) {
      out.push_back(elem.get<std::string>());
    } else {
      Fail(TypeError(GoJsonType(elem), "string"));
      return {};
    }
  }
  return out;
}

bool JsonReader::Bool(std::string_view name, std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Fail(TypeError(GoJsonType(*v), "bool"));
    return false;
  }
  return v->get<bool>();
}

int32_t JsonReader::Enum(std::string_view name, std::string_view json_name,
                         const EnumDesc& desc) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return 0;
  Result<int32_t> r = ReadEnum(*v, desc);
  if (!r.ok()) {
    Fail(r.status());
    return 0;
  }
  return r.value();
}

std::vector<int32_t> JsonReader::Enums(std::string_view name,
                                       std::string_view json_name,
                                       const EnumDesc& desc) {
  std::vector<int32_t> out;
  const json* arr = Array(name, json_name);
  if (arr == nullptr) return out;
  for (const json& elem : *arr) {
    // A null element stays at the zero value, as Go leaves it.
    Result<int32_t> r =
        elem.is_null() ? Result<int32_t>(0) : ReadEnum(elem, desc);
    if (!r.ok()) {
      Fail(r.status());
      return {};
    }
    out.push_back(r.value());
  }
  return out;
}

const json* JsonReader::Message(std::string_view name,
                                std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return nullptr;
  Status s = CheckObject(*v);
  if (!s.ok()) {
    Fail(std::move(s));
    return nullptr;
  }
  return v;
}

const json* JsonReader::Array(std::string_view name,
                              std::string_view json_name) {
  const json* v = Find(name, json_name);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    Fail(TypeError(GoJsonType(*v), "[]json.RawMessage"));
    return nullptr;
  }
  return v;
}

bool JsonReader::Has(std::string_view name, std::string_view json_name) const {
  return Find(name, json_name) != nullptr;
}

}  // namespace cairn::api
