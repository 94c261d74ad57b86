// Printer: txn, watch, lease, cluster and maintenance answers.
#include <cstdio>
#include <string>

#include "cli/cairnctl/go_format.h"
#include "cli/cairnctl/printer.h"

namespace cairn::ctl {

namespace {

// Go's name for each oneof member of etcdserverpb.ResponseOp.
const char* GoOpName(const std::string& gateway_name) {
  if (gateway_name == "response_range") return "ResponseRange";
  if (gateway_name == "response_put") return "ResponsePut";
  if (gateway_name == "response_delete_range") return "ResponseDeleteRange";
  if (gateway_name == "response_txn") return "ResponseTxn";
  return nullptr;
}

// etcdctl prints a TxnResponse through Go's encoding/json: each op is
// {"Response":{"ResponsePut":{...}}}.
Json GoTxn(const Json& resp) {
  Json out = Numberize(resp);
  if (!out.contains("responses")) return out;
  Json ops = Json::array();
  for (const Json& op : resp["responses"]) {
    Json inner = Json::object();
    for (auto it = op.begin(); it != op.end(); ++it) {
      const char* name = GoOpName(it.key());
      if (name == nullptr) continue;
      inner[name] = std::string(name) == "ResponseTxn" ? GoTxn(it.value())
                                                       : Numberize(it.value());
    }
    ops.push_back(Json{{"Response", inner}});
  }
  out["responses"] = ops;
  return out;
}

}  // namespace

Status Printer::Txn(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << (JsonBool(resp, "succeeded") ? "SUCCESS" : "FAILURE") << "\n";
      for (const Json& op : JsonField(resp, "responses")) {
        out_ << "\n";
        if (op.contains("response_range")) {
          (void)Get(op["response_range"]);  // simple never fails
        } else if (op.contains("response_put")) {
          (void)Put(op["response_put"]);
        } else if (op.contains("response_delete_range")) {
          (void)Del(op["response_delete_range"]);
        } else {
          out_ << "unexpected response " << op.dump() << "\n";
        }
      }
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(GoTxn(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      out_ << "\"Succeeded\" : "
           << (JsonBool(resp, "succeeded") ? "true" : "false") << "\n";
      for (const Json& op : JsonField(resp, "responses")) {
        if (op.contains("response_range")) {
          (void)Get(op["response_range"]);
        } else if (op.contains("response_put")) {
          (void)Put(op["response_put"]);
        } else if (op.contains("response_delete_range")) {
          (void)Del(op["response_delete_range"]);
        } else {
          out_ << "\"Unknown\" : " << GoQuote(op.dump()) << "\n";
        }
      }
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Watch(const Json& resp) {
  const Json& events = JsonField(resp, "events");
  switch (options_.format) {
    case OutputFormat::kSimple:
      for (const Json& ev : events) {
        out_ << (JsonString(ev, "type") == "DELETE" ? "DELETE" : "PUT") << "\n";
        if (ev.contains("prev_kv")) PrintKv(ev["prev_kv"]);
        PrintKv(JsonField(ev, "kv"));
      }
      return Status::Ok();
    case OutputFormat::kJson: {
      // clientv3.WatchResponse has no json tags: Go field names.
      Json evs = Json::array();
      for (const Json& ev : events) {
        Json e = Json::object();
        if (JsonString(ev, "type") == "DELETE") e["type"] = 1;
        if (ev.contains("kv")) e["kv"] = Numberize(ev["kv"]);
        if (ev.contains("prev_kv")) e["prev_kv"] = Numberize(ev["prev_kv"]);
        evs.push_back(e);
      }
      Json out = Json::object();
      out["Header"] = Numberize(JsonField(resp, "header"));
      out["Events"] = events.is_array() ? evs : Json(nullptr);
      out["CompactRevision"] = JsonInt(resp, "compact_revision");
      out["Canceled"] = JsonBool(resp, "canceled");
      out["Created"] = JsonBool(resp, "created");
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& ev : events) {
        out_ << "\"Type\" : "
             << (JsonString(ev, "type") == "DELETE" ? "DELETE" : "PUT") << "\n";
        if (ev.contains("prev_kv")) FieldsKv("Prev", ev["prev_kv"]);
        FieldsKv("", JsonField(ev, "kv"));
      }
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Compaction(int64_t rev, const Json&) {
  // etcdctl prints this line whatever the output format.
  out_ << "compacted revision " << rev << "\n";
  return Status::Ok();
}

// Grant and KeepAlive print the same fields; json flattens the header
// into the object (clientv3's embedded *ResponseHeader).
Status Printer::IdAndTtl(const Json& resp, const std::string& simple_line,
                         bool with_error) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << simple_line << "\n";
      return Status::Ok();
    case OutputFormat::kJson: {
      Json out = FlatHeader(resp);
      out["ID"] = JsonInt(resp, "ID");
      out["TTL"] = JsonInt(resp, "TTL");
      if (with_error) out["Error"] = JsonString(resp, "error");
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      out_ << "\"ID\" : " << JsonInt(resp, "ID") << "\n"
           << "\"TTL\" : " << JsonInt(resp, "TTL") << "\n";
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Grant(const Json& resp) {
  return IdAndTtl(resp,
                  "lease " + LeaseHex(JsonInt(resp, "ID")) +
                      " granted with TTL(" +
                      std::to_string(JsonInt(resp, "TTL")) + "s)",
                  /*with_error=*/true);
}

Status Printer::Revoke(int64_t id, const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "lease " << LeaseHex(id) << " revoked\n";
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::KeepAlive(const Json& resp) {
  return IdAndTtl(resp,
                  "lease " + LeaseHex(JsonInt(resp, "ID")) +
                      " keepalived with TTL(" +
                      std::to_string(JsonInt(resp, "TTL")) + ")",
                  /*with_error=*/false);
}

Status Printer::TimeToLive(const Json& resp, bool keys) {
  const int64_t id = JsonInt(resp, "ID");
  const int64_t ttl = JsonInt(resp, "TTL");
  const int64_t granted = JsonInt(resp, "grantedTTL");
  switch (options_.format) {
    case OutputFormat::kSimple: {
      if (granted == 0 && ttl == -1) {
        out_ << "lease " << LeaseHex(id) << " already expired\n";
        return Status::Ok();
      }
      out_ << "lease " << LeaseHex(id) << " granted with TTL(" << granted
           << "s), remaining(" << ttl << "s)";
      if (keys) {
        std::vector<std::string> ks;
        for (const Json& k : JsonField(resp, "keys"))
          ks.push_back(BytesValue(k));
        out_ << ", attached keys(" << GoStringSlice(ks) << ")";
      }
      out_ << "\n";
      return Status::Ok();
    }
    case OutputFormat::kJson: {
      Json out = FlatHeader(resp);
      out["id"] = id;
      out["ttl"] = ttl;
      out["granted-ttl"] = granted;
      const Json& ks = JsonField(resp, "keys");
      out["keys"] = ks.is_array() && !ks.empty() ? ks : Json(nullptr);
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      out_ << "\"ID\" : " << id << "\n"
           << "\"TTL\" : " << ttl << "\n"
           << "\"GrantedTTL\" : " << granted << "\n";
      for (const Json& k : JsonField(resp, "keys")) {
        out_ << "\"Key\" : " << GoQuote(BytesValue(k)) << "\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::Leases(const Json& resp) {
  const Json& leases = JsonField(resp, "leases");
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "found " << (leases.is_array() ? leases.size() : 0)
           << " leases\n";
      for (const Json& l : leases) out_ << LeaseHex(JsonInt(l, "ID")) << "\n";
      return Status::Ok();
    case OutputFormat::kJson: {
      Json out = FlatHeader(resp);
      Json list = Json::array();
      for (const Json& l : leases)
        list.push_back(Json{{"id", JsonInt(l, "ID")}});
      out["leases"] = leases.is_array() ? list : Json(nullptr);
      PrintJson(out);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& l : leases)
        out_ << "\"ID\" : " << JsonInt(l, "ID") << "\n";
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

// etcdctl's printer for snapshot.Status (printer_simple.go,
// printer_fields.go, printer_table.go's makeDBStatusTable).
Status Printer::SnapshotStatus(uint32_t hash, int64_t revision,
                               uint64_t total_keys, uint64_t total_size) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%x", hash);
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << hex << ", " << revision << ", " << total_keys << ", "
           << HumanizeBytes(total_size) << "\n";
      return Status::Ok();
    case OutputFormat::kJson: {
      Json j = Json::object();
      j["hash"] = hash;
      j["revision"] = revision;
      j["totalKey"] = total_keys;
      j["totalSize"] = total_size;
      PrintJson(j);
      return Status::Ok();
    }
    case OutputFormat::kFields:
      out_ << "\"Hash\" : " << hash << "\n\"Revision\" : " << revision
           << "\n\"Keys\" : " << total_keys << "\n\"Size\" : " << total_size
           << "\n";
      return Status::Ok();
    case OutputFormat::kTable:
      Table({"hash", "revision", "total keys", "total size"},
            {{hex, std::to_string(revision), std::to_string(total_keys),
              HumanizeBytes(total_size)}});
      return Status::Ok();
  }
  return Unsupported();
}

}  // namespace cairn::ctl
