// snapshot save/status/restore, as etcdctl 3.4's snapshot_command.go:
// arguments, errors, exit codes and output. save streams the member's
// state from /v3/maintenance/snapshot into a file (FILE.part, synced, then
// renamed, as etcd's client does) and checks the SHA-256 the server
// appends; status and restore read cairn's snapshot format
// (core/server/snapshot_file.h) and share the node's data-directory rules
// (cli/cairn/snapshot_restore.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/cairn/snapshot_restore.h"
#include "cli/cairnctl/command.h"
#include "cli/common/sha256.h"

namespace cairn::ctl {

namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write " + path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Streams the snapshot into `part` (open as `fd`), checking the trailing
// SHA-256 against what came before it.
Status Download(GatewayClient& client, int fd, const std::string& part) {
  Sha256 sha;
  std::string tail;  // the last kSnapshotHashBytes received
  Status write_error;
  Status s = client.Stream(
      "/v3/maintenance/snapshot", Json::object(), [&](const Json& msg) {
        std::string blob = JsonBytes(JsonField(msg, "result"), "blob");
        write_error = WriteAll(fd, blob, part);
        if (!write_error.ok()) return false;
        tail += blob;
        const size_t keep = server::kSnapshotHashBytes;
        if (tail.size() > keep) {
          sha.Update(std::string_view(tail).substr(0, tail.size() - keep));
          tail.erase(0, tail.size() - keep);
        }
        return true;
      });
  if (!write_error.ok()) return write_error;
  if (!s.ok()) return s;
  if (tail.size() != server::kSnapshotHashBytes || sha.Finish() != tail) {
    return Status::Corruption("snapshot stream ended early or damaged");
  }
  if (::fsync(fd) != 0) return Errno("fsync " + part);
  return Status::Ok();
}

std::optional<CommandError> Save(Context& ctx, const std::string& path) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ErrorFrom(client.status(), kExitBadArgs);
  const auto& eps = client.value()->endpoints();
  if (eps.size() != 1) {
    std::string list;
    for (const auto& e : eps) list += (list.empty() ? "" : " ") + e.text;
    return CommandError{kExitInterrupted,
                        "snapshot must be requested to one selected node, "
                        "not multiple [" +
                            list + "]"};
  }
  const std::string part = path + ".part";
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return ErrorFrom(Errno("open " + part), kExitInterrupted);
  Status s = Download(*client.value(), fd, part);
  ::close(fd);
  if (s.ok() && ::rename(part.c_str(), path.c_str()) != 0) {
    s = Errno("rename " + part);
  }
  if (!s.ok()) {
    ::unlink(part.c_str());
    return ErrorFrom(s, kExitInterrupted);
  }
  ctx.out() << "Snapshot saved at " << path << "\n";
  return std::nullopt;
}

std::optional<CommandError> PrintStatus(Context& ctx, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrorFrom(Errno("stat " + path));
  }
  Result<std::string> dump =
      node::ReadSnapshotFile(path, /*skip_hash_check=*/true);
  if (!dump.ok()) return ErrorFrom(dump.status());
  Result<server::SnapshotInfo> info = server::InspectSnapshot(dump.value());
  if (!info.ok()) return CommandError{kExitError, "invalid database"};
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = p.value()->SnapshotStatus(info.value().hash, info.value().revision,
                                       info.value().total_keys,
                                       static_cast<uint64_t>(st.st_size));
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

void AddSave(CLI::App* snap, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = snap->add_subcommand(
      "save", "Stores an etcd node backend snapshot to a given file");
  cmd->add_option("filename", *args, "<filename>");
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs, "snapshot save expects one argument"};
      }
      return Save(ctx, (*args)[0]);
    };
  });
}

void AddStatus(CLI::App* snap, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = snap->add_subcommand(
      "status", "Gets backend snapshot status of a given file");
  cmd->add_option("filename", *args, "<filename>");
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "snapshot status requires exactly one argument"};
      }
      return PrintStatus(ctx, (*args)[0]);
    };
  });
}

void AddRestore(CLI::App* snap, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto o = std::make_shared<node::RestoreOptions>();
  CLI::App* cmd = snap->add_subcommand(
      "restore", "Restores an etcd member snapshot to an etcd directory");
  cmd->add_option("filename", *args, "<filename>");
  cmd->add_option("--data-dir", o->data_dir,
                  "Path to the data directory (default <name>.cairn)");
  cmd->add_option("--name", o->name,
                  "Human-readable name for this member (default \"default\")");
  cmd->add_option("--initial-cluster", o->initial_cluster,
                  "Initial cluster configuration for restore bootstrap");
  cmd->add_option("--initial-cluster-token", o->initial_cluster_token,
                  "Initial cluster token for the etcd cluster during restore "
                  "bootstrap");
  cmd->add_option("--initial-advertise-peer-urls",
                  o->initial_advertise_peer_urls,
                  "List of this member's peer URLs to advertise to the rest "
                  "of the cluster");
  cmd->add_flag("--skip-hash-check", o->skip_hash_check,
                "Ignore snapshot integrity hash value (required if copied "
                "from data directory)");
  cmd->callback([selected, args, o] {
    *selected = [args, o](Context&) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "snapshot restore requires exactly one argument"};
      }
      node::RestoreOptions opts = *o;
      opts.snapshot_path = (*args)[0];
      Status s = node::RestoreSnapshot(opts);
      if (!s.ok()) return ErrorFrom(s);
      return std::nullopt;
    };
  });
}

}  // namespace

void AddSnapshotCommands(Registry reg) {
  CLI::App* snap =
      reg.app.add_subcommand("snapshot", "Manages etcd node snapshots");
  snap->allow_extras();  // unknown subcommand: help, as etcdctl
  AddSave(snap, reg.selected);
  AddStatus(snap, reg.selected);
  AddRestore(snap, reg.selected);
}

}  // namespace cairn::ctl
