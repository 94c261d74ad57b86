// GoJsonSyntaxError: the text Go's encoding/json gives for the first syntax
// error in the first JSON value of a body, as json.Decoder.Decode reads it
// (etcd's gateway decodes requests that way): "invalid character '}'
// looking for beginning of object key string", "unexpected EOF", ... Text
// after the first complete value is not looked at. A port of the states
// of Go's scanner.go; pure core.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cairn::api {

// nullopt when the first value is complete and well formed.
std::optional<std::string> GoJsonSyntaxError(std::string_view body);

// Go's quoteChar: how its errors quote one byte ('x', '\'', '\n', '\x01').
std::string GoQuoteChar(unsigned char c);

}  // namespace cairn::api
