// Printer: member, endpoint, alarm and move-leader answers.
#include <string>
#include <vector>

#include "cli/cairnctl/go_format.h"
#include "cli/cairnctl/printer.h"

namespace cairn::ctl {

namespace {

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::vector<std::string>> MemberRows(const Json& resp) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& m : JsonField(resp, "members")) {
    const std::string name = JsonString(m, "name");
    rows.push_back({MemberHex(JsonUint(m, "ID")),
                    name.empty() ? "unstarted" : "started", name,
                    Join(JsonStrings(JsonField(m, "peerURLs")), ","),
                    Join(JsonStrings(JsonField(m, "clientURLs")), ","),
                    JsonBool(m, "isLearner") ? "true" : "false"});
  }
  return rows;
}

std::vector<std::vector<std::string>> StatusRows(
    const std::vector<EndpointStatus>& list) {
  std::vector<std::vector<std::string>> rows;
  for (const EndpointStatus& s : list) {
    const Json& st = s.status;
    const uint64_t member = JsonUint(JsonField(st, "header"), "member_id");
    rows.push_back({s.endpoint, MemberHex(member), JsonString(st, "version"),
                    HumanizeBytes(static_cast<uint64_t>(JsonInt(st, "dbSize"))),
                    JsonUint(st, "leader") == member ? "true" : "false",
                    JsonBool(st, "isLearner") ? "true" : "false",
                    std::to_string(JsonUint(st, "raftTerm")),
                    std::to_string(JsonUint(st, "raftIndex")),
                    std::to_string(JsonUint(st, "raftAppliedIndex")),
                    Join(JsonStrings(JsonField(st, "errors")), ", ")});
  }
  return rows;
}

void PrintRows(std::ostream& out,
               const std::vector<std::vector<std::string>>& rows) {
  for (const auto& row : rows) out << Join(row, ", ") << "\n";
}

const char* AlarmName(const Json& alarm) {
  const std::string s = alarm.is_string() ? alarm.get<std::string>() : "";
  if (s == "NOSPACE" || s == "1") return "NOSPACE";
  if (s == "CORRUPT" || s == "2") return "CORRUPT";
  return "NONE";
}

}  // namespace

Status Printer::MemberAdd(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "Member "
           << MemberHex16(JsonUint(JsonField(resp, "member"), "ID"))
           << " added to cluster "
           << MemberHex16(JsonUint(JsonField(resp, "header"), "cluster_id"))
           << "\n";
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    default:
      break;
  }
  return Unsupported();
}

// etcdctl's simple line for member remove/update/promote, or the json.
Status Printer::MemberChange(const char* what, uint64_t id, const Json& resp) {
  if (options_.format == OutputFormat::kSimple) {
    out_ << "Member " << MemberHex16(id) << " " << what << " cluster "
         << MemberHex16(JsonUint(JsonField(resp, "header"), "cluster_id"))
         << "\n";
    return Status::Ok();
  }
  if (options_.format == OutputFormat::kJson) {
    PrintJson(Numberize(resp));
    return Status::Ok();
  }
  return Unsupported();
}

Status Printer::MemberRemove(uint64_t id, const Json& resp) {
  return MemberChange("removed from", id, resp);
}

Status Printer::MemberUpdate(uint64_t id, const Json& resp) {
  return MemberChange("updated in", id, resp);
}

Status Printer::MemberPromote(uint64_t id, const Json& resp) {
  return MemberChange("promoted in", id, resp);
}

Status Printer::MemberList(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      PrintRows(out_, MemberRows(resp));
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& m : JsonField(resp, "members")) {
        out_ << "\"ID\" : " << JsonUint(m, "ID") << "\n"
             << "\"Name\" : " << GoQuote(JsonString(m, "name")) << "\n";
        for (const std::string& u : JsonStrings(JsonField(m, "peerURLs"))) {
          out_ << "\"PeerURL\" : " << GoQuote(u) << "\n";
        }
        for (const std::string& u : JsonStrings(JsonField(m, "clientURLs"))) {
          out_ << "\"ClientURL\" : " << GoQuote(u) << "\n";
        }
        out_ << "\"IsLearner\" : "
             << (JsonBool(m, "isLearner") ? "true" : "false") << "\n\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      Table(
          {"ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"},
          MemberRows(resp));
      return Status::Ok();
  }
  return Unsupported();
}

Status Printer::EndpointHealthList(const std::vector<EndpointHealth>& list) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      // etcdctl writes these lines to stderr.
      for (const EndpointHealth& h : list) {
        if (h.error.empty()) {
          err_ << h.endpoint
               << " is healthy: successfully committed proposal: took = "
               << h.took << "\n";
        } else {
          err_ << h.endpoint
               << " is unhealthy: failed to commit proposal: " << h.error
               << "\n";
        }
      }
      return Status::Ok();
    case OutputFormat::kJson: {
      Json out = Json::array();
      for (const EndpointHealth& h : list) {
        Json e = {
            {"endpoint", h.endpoint}, {"health", h.health}, {"took", h.took}};
        if (!h.error.empty()) e["error"] = h.error;
        out.push_back(e);
      }
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      for (const EndpointHealth& h : list) {
        out_ << "\"Endpoint\" : " << GoQuote(h.endpoint) << "\n"
             << "\"Health\" : " << (h.health ? "true" : "false") << "\n"
             << "\"Took\" : " << h.took << "\n"
             << "\"Error\" : " << h.error << "\n\n";
      }
      return Status::Ok();
    case OutputFormat::kTable: {
      std::vector<std::vector<std::string>> rows;
      for (const EndpointHealth& h : list) {
        rows.push_back(
            {h.endpoint, h.health ? "true" : "false", h.took, h.error});
      }
      Table({"endpoint", "health", "took", "error"}, rows);
      return Status::Ok();
    }
  }
  return Unsupported();
}

Status Printer::EndpointStatusList(const std::vector<EndpointStatus>& list) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      PrintRows(out_, StatusRows(list));
      return Status::Ok();
    case OutputFormat::kJson: {
      Json out = Json::array();
      for (const EndpointStatus& s : list) {
        out.push_back(
            Json{{"Endpoint", s.endpoint}, {"Status", Numberize(s.status)}});
      }
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      for (const EndpointStatus& s : list) {
        const Json& st = s.status;
        FieldsHeader(JsonField(st, "header"));
        out_ << "\"Version\" : " << GoQuote(JsonString(st, "version")) << "\n"
             << "\"DBSize\" : " << JsonInt(st, "dbSize") << "\n"
             << "\"Leader\" : " << JsonUint(st, "leader") << "\n"
             << "\"IsLearner\" : "
             << (JsonBool(st, "isLearner") ? "true" : "false") << "\n"
             << "\"RaftIndex\" : " << JsonUint(st, "raftIndex") << "\n"
             << "\"RaftTerm\" : " << JsonUint(st, "raftTerm") << "\n"
             << "\"RaftAppliedIndex\" : " << JsonUint(st, "raftAppliedIndex")
             << "\n"
             << "\"Errors\" : "
             << GoStringSlice(JsonStrings(JsonField(st, "errors"))) << "\n"
             << "\"Endpoint\" : " << GoQuote(s.endpoint) << "\n\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      Table({"endpoint", "ID", "version", "db size", "is leader", "is learner",
             "raft term", "raft index", "raft applied index", "errors"},
            StatusRows(list));
      return Status::Ok();
  }
  return Unsupported();
}

Status Printer::EndpointHashKVList(const std::vector<EndpointHashKV>& list) {
  std::vector<std::vector<std::string>> rows;
  for (const EndpointHashKV& h : list) {
    rows.push_back({h.endpoint, std::to_string(JsonUint(h.hashkv, "hash"))});
  }
  switch (options_.format) {
    case OutputFormat::kSimple:
      PrintRows(out_, rows);
      return Status::Ok();
    case OutputFormat::kJson: {
      Json out = Json::array();
      for (const EndpointHashKV& h : list) {
        out.push_back(
            Json{{"Endpoint", h.endpoint}, {"HashKV", Numberize(h.hashkv)}});
      }
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      for (const EndpointHashKV& h : list) {
        FieldsHeader(JsonField(h.hashkv, "header"));
        out_ << "\"Endpoint\" : " << GoQuote(h.endpoint) << "\n"
             << "\"Hash\" : " << JsonUint(h.hashkv, "hash") << "\n\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      Table({"endpoint", "hash"}, rows);
      return Status::Ok();
  }
  return Unsupported();
}

Status Printer::Alarm(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      // Go's %+v of an AlarmMember.
      for (const Json& a : JsonField(resp, "alarms")) {
        out_ << "memberID:" << JsonUint(a, "memberID")
             << " alarm:" << AlarmName(JsonField(a, "alarm")) << " \n";
      }
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& a : JsonField(resp, "alarms")) {
        out_ << "\"MemberID\" : " << JsonUint(a, "memberID") << "\n"
             << "\"AlarmType\" : " << AlarmName(JsonField(a, "alarm"))
             << "\n\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::MoveLeader(uint64_t leader, uint64_t target, const Json& resp) {
  if (options_.format == OutputFormat::kSimple) {
    out_ << "Leadership transferred from " << MemberHex(leader) << " to "
         << MemberHex(target) << "\n";
    return Status::Ok();
  }
  if (options_.format == OutputFormat::kJson) {
    PrintJson(Numberize(resp));
    return Status::Ok();
  }
  return Unsupported();
}

}  // namespace cairn::ctl
