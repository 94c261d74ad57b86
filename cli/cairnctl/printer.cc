#include "cli/cairnctl/printer.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "cli/cairnctl/go_format.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

// The fields the gateway prints as strings because they are 64-bit.
const std::set<std::string>& IntFields() {
  static const std::set<std::string> kFields = {"cluster_id",
                                                "member_id",
                                                "revision",
                                                "raft_term",
                                                "create_revision",
                                                "mod_revision",
                                                "version",
                                                "lease",
                                                "count",
                                                "deleted",
                                                "compact_revision",
                                                "ID",
                                                "TTL",
                                                "grantedTTL",
                                                "watch_id",
                                                "leader",
                                                "raftIndex",
                                                "raftTerm",
                                                "raftAppliedIndex",
                                                "dbSize",
                                                "dbSizeInUse",
                                                "memberID",
                                                "targetID",
                                                "hash"};
  return kFields;
}

bool IsIntegerText(const std::string& s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Json IntText(const std::string& s) {
  if (s[0] == '-') return Json(std::stoll(s));
  return Json(std::stoull(s));
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(c));
  return s;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "simple") return OutputFormat::kSimple;
  if (text == "json") return OutputFormat::kJson;
  if (text == "fields") return OutputFormat::kFields;
  if (text == "table") return OutputFormat::kTable;
  return Status::InvalidArgument("unsupported output format");
}

const Json& JsonField(const Json& obj, const char* field) {
  static const Json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(field);
  return it == obj.end() ? kNull : *it;
}

int64_t JsonInt(const Json& obj, const char* field) {
  const Json& v = JsonField(obj, field);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string() && IsIntegerText(v.get<std::string>())) {
    return static_cast<int64_t>(std::stoll(v.get<std::string>()));
  }
  return 0;
}

uint64_t JsonUint(const Json& obj, const char* field) {
  const Json& v = JsonField(obj, field);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_string() && IsIntegerText(v.get<std::string>()) &&
      v.get<std::string>()[0] != '-') {
    return std::stoull(v.get<std::string>());
  }
  return 0;
}

bool JsonBool(const Json& obj, const char* field) {
  const Json& v = JsonField(obj, field);
  return v.is_boolean() && v.get<bool>();
}

std::string JsonString(const Json& obj, const char* field) {
  const Json& v = JsonField(obj, field);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::vector<std::string> JsonStrings(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const Json& v : list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string JsonBytes(const Json& obj, const char* field) {
  return BytesValue(JsonField(obj, field));
}

std::string BytesValue(const Json& value) {
  if (!value.is_string()) return std::string();
  Result<std::string> r = api::DecodeBase64(value.get<std::string>());
  return r.ok() ? std::move(r).value() : std::string();
}

Json Numberize(const Json& gateway) {
  if (gateway.is_array()) {
    Json out = Json::array();
    for (const Json& v : gateway) out.push_back(Numberize(v));
    return out;
  }
  if (!gateway.is_object()) return gateway;
  Json out = Json::object();
  for (auto it = gateway.begin(); it != gateway.end(); ++it) {
    const Json& v = it.value();
    if (v.is_string() && IntFields().count(it.key()) &&
        IsIntegerText(v.get<std::string>())) {
      out[it.key()] = IntText(v.get<std::string>());
    } else {
      out[it.key()] = Numberize(v);
    }
  }
  return out;
}

Status Printer::Unsupported() const {
  static const char* kNames[] = {"simple", "json", "fields", "table"};
  return Status(Code::kFailedPrecondition,
                std::string(kNames[static_cast<int>(options_.format)]) +
                    " not supported as output format");
}

void Printer::PrintJson(const Json& value) { out_ << value.dump() << "\n"; }

void Printer::PrintKv(const Json& kv) {
  std::string k = JsonBytes(kv, "key");
  std::string v = JsonBytes(kv, "value");
  if (options_.hex) {
    k = HexEscape(k);
    v = HexEscape(v);
  }
  if (!options_.value_only) out_ << k << "\n";
  out_ << v << "\n";
}

void Printer::FieldsHeader(const Json& h) {
  out_ << "\"ClusterID\" : " << JsonUint(h, "cluster_id") << "\n"
       << "\"MemberID\" : " << JsonUint(h, "member_id") << "\n"
       << "\"Revision\" : " << JsonInt(h, "revision") << "\n"
       << "\"RaftTerm\" : " << JsonUint(h, "raft_term") << "\n";
}

void Printer::FieldsKv(const std::string& pfx, const Json& kv) {
  out_ << "\"" << pfx << "Key\" : " << GoQuote(JsonBytes(kv, "key")) << "\n"
       << "\"" << pfx << "CreateRevision\" : " << JsonInt(kv, "create_revision")
       << "\n"
       << "\"" << pfx << "ModRevision\" : " << JsonInt(kv, "mod_revision")
       << "\n"
       << "\"" << pfx << "Version\" : " << JsonInt(kv, "version") << "\n"
       << "\"" << pfx << "Value\" : " << GoQuote(JsonBytes(kv, "value")) << "\n"
       << "\"" << pfx << "Lease\" : " << JsonInt(kv, "lease") << "\n";
}

// olekukonko/tablewriter as etcdctl configures it: upper-case centred
// headers, right-aligned cells, '+', '-' and '|' borders.
void Printer::Table(const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string line = "+";
  for (size_t w : width) line += std::string(w + 2, '-') + "+";
  out_ << line << "\n|";
  for (size_t c = 0; c < header.size(); ++c) {
    const size_t gap = width[c] - header[c].size();
    out_ << " " << std::string(gap / 2, ' ') << Upper(header[c])
         << std::string(gap - gap / 2, ' ') << " |";
  }
  out_ << "\n" << line << "\n";
  for (const auto& row : rows) {
    out_ << "|";
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      out_ << " " << std::string(width[c] - cell.size(), ' ') << cell << " |";
    }
    out_ << "\n";
  }
  out_ << line << "\n";
}

Json Printer::FlatHeader(const Json& resp) const {
  Json out = Json::object();
  const Json h = Numberize(JsonField(resp, "header"));
  if (h.is_object()) {
    for (auto it = h.begin(); it != h.end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

Status Printer::Get(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      for (const Json& kv : JsonField(resp, "kvs")) PrintKv(kv);
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& kv : JsonField(resp, "kvs")) FieldsKv("", kv);
      out_ << "\"More\" : " << (JsonBool(resp, "more") ? "true" : "false")
           << "\n"
           << "\"Count\" : " << JsonInt(resp, "count") << "\n";
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Put(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "OK\n";
      if (resp.contains("prev_kv")) PrintKv(resp["prev_kv"]);
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      if (resp.contains("prev_kv")) FieldsKv("Prev", resp["prev_kv"]);
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Del(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << JsonInt(resp, "deleted") << "\n";
      for (const Json& kv : JsonField(resp, "prev_kvs")) PrintKv(kv);
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      out_ << "\"Deleted\" : " << JsonInt(resp, "deleted") << "\n";
      for (const Json& kv : JsonField(resp, "prev_kvs")) FieldsKv("Prev", kv);
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

}  // namespace cairn::ctl
