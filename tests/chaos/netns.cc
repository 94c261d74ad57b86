#include "tests/chaos/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cairn::chaos {
namespace {

constexpr char kSubnet[] = "10.213.0.";
constexpr char kHubAddress[] = "10.213.0.254/24";

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

Status RunCommand(const std::vector<std::string>& argv) {
  return CaptureCommand(argv).status();
}

Result<std::string> CaptureCommand(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return Status::IOError("pipe failed");
  std::vector<char*> c_argv = CArgv(argv);
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return Status::IOError("fork failed");
  }
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execvp(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buf[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) output.append(buf, n);
  close(pipe_fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return Status(
      Code::kUnavailable,
      "`" + Join(argv) + "` failed: " +
          (output.empty() ? "exit status " + std::to_string(wstatus) : output));
}

Topology::Topology(std::string prefix, int members)
    : prefix_(prefix + "-" + std::to_string(getpid())),
      hub_(prefix_ + "-hub"),
      cut_(members, std::vector<bool>(members, false)),
      slow_(members, false) {
  for (int i = 0; i < members; ++i) {
    ns_.push_back(prefix_ + "-m" + std::to_string(i));
  }
}

Topology::~Topology() { Destroy(); }

void Topology::SweepStale(const std::string& prefix) {
  std::error_code ec;
  const std::string start = prefix + "-";
  for (const auto& entry :
       std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(start, 0) != 0) continue;
    const std::string rest = name.substr(start.size());
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    const std::string pid_text = rest.substr(0, dash);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
    fprintf(stderr, "chaos: deleting stale namespace %s\n", name.c_str());
    (void)RunCommand({"ip", "netns", "del", name});
  }
}

std::string Topology::Address(int member) {
  return kSubnet + std::to_string(member + 1);
}

std::string Topology::ProxyAddress(int member) {
  return kSubnet + std::to_string(member + 101);
}

int Topology::MemberAt(const std::string& address) const {
  const std::string subnet = kSubnet;
  if (address.rfind(subnet, 0) != 0) return -1;
  const std::string host = address.substr(subnet.size());
  if (host.empty() || host.size() > 3 ||
      host.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  const int n = std::stoi(host);
  const int members = static_cast<int>(ns_.size());
  if (n >= 1 && n <= members) return n - 1;
  if (n >= 101 && n < 101 + members) return n - 101;
  return -1;
}

Status Topology::Create() {
  created_ = true;
  std::vector<std::vector<std::string>> steps = {
      {"ip", "netns", "add", hub_},
      {"ip", "-n", hub_, "link", "set", "lo", "up"},
      {"ip", "-n", hub_, "link", "add", "br0", "type", "bridge"},
      {"ip", "-n", hub_, "addr", "add", kHubAddress, "dev", "br0"},
      {"ip", "-n", hub_, "link", "set", "br0", "up"},
  };
  for (size_t i = 0; i < ns_.size(); ++i) {
    steps.push_back({"ip", "-n", hub_, "addr", "add",
                     ProxyAddress(static_cast<int>(i)) + "/24", "dev", "br0"});
  }
  for (size_t i = 0; i < ns_.size(); ++i) {
    const std::string hub_end = "m" + std::to_string(i);
    steps.push_back({"ip", "netns", "add", ns_[i]});
    steps.push_back({"ip", "-n", ns_[i], "link", "set", "lo", "up"});
    steps.push_back({"ip", "-n", hub_, "link", "add", hub_end, "type", "veth",
                     "peer", "name", "veth0", "netns", ns_[i]});
    steps.push_back(
        {"ip", "-n", hub_, "link", "set", hub_end, "master", "br0", "up"});
    steps.push_back({"ip", "-n", ns_[i], "addr", "add",
                     Address(static_cast<int>(i)) + "/24", "dev", "veth0"});
    steps.push_back({"ip", "-n", ns_[i], "link", "set", "veth0", "up"});
  }
  for (const auto& step : steps) {
    Status s = RunCommand(step);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Topology::EnterHub() {
  const std::string path = "/run/netns/" + hub_;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path + ": " + strerror(errno));
  const int rc = setns(fd, CLONE_NEWNET);
  const int err = errno;
  close(fd);
  if (rc != 0) return Status::IOError("setns " + path + ": " + strerror(err));
  return Status::Ok();
}

void Topology::Destroy() {
  if (!created_) return;
  created_ = false;
  for (const std::string& ns : ns_)
    (void)RunCommand({"ip", "netns", "del", ns});
  (void)RunCommand({"ip", "netns", "del", hub_});
}

Status Topology::Cut(int from, int to) {
  if (cut_[from][to]) return Status::Ok();
  // The proxy address first: if the second route fails, Heal still
  // deletes the first (a missing route is not an error there).
  for (const std::string& a : {ProxyAddress(to), Address(to)}) {
    Status s = RunCommand(
        {"ip", "-n", ns_[from], "route", "replace", "blackhole", a + "/32"});
    if (!s.ok()) {
      (void)RunCommand({"ip", "-n", ns_[from], "route", "del", "blackhole",
                        ProxyAddress(to) + "/32"});
      return s;
    }
  }
  cut_[from][to] = true;
  return Status::Ok();
}

Status Topology::Heal(int from, int to) {
  if (!cut_[from][to]) return Status::Ok();
  Status status = Status::Ok();
  for (const std::string& a : {ProxyAddress(to), Address(to)}) {
    Status s = RunCommand(
        {"ip", "-n", ns_[from], "route", "del", "blackhole", a + "/32"});
    if (!s.ok()) status = s;
  }
  cut_[from][to] = false;  // a route that would not go is reported, once
  return status;
}

void Topology::HealAll() {
  for (size_t a = 0; a < ns_.size(); ++a) {
    for (size_t b = 0; b < ns_.size(); ++b) {
      Status s = Heal(static_cast<int>(a), static_cast<int>(b));
      if (!s.ok()) fprintf(stderr, "chaos: heal: %s\n", s.ToString().c_str());
    }
    Status s = Unslow(static_cast<int>(a));
    if (!s.ok()) fprintf(stderr, "chaos: unslow: %s\n", s.ToString().c_str());
  }
}

Topology::SlowKind Topology::ProbeSlowLink() {
  slow_kind_ = SlowKind::kNetem;
  if (Slow(0).ok() && Unslow(0).ok()) return slow_kind_;
  slow_kind_ = SlowKind::kTbf;
  if (Slow(0).ok() && Unslow(0).ok()) return slow_kind_;
  slow_kind_ = SlowKind::kNone;
  return slow_kind_;
}

Status Topology::Slow(int member) {
  if (slow_[member]) return Status::Ok();
  std::vector<std::string> cmd = {"ip",    "netns", "exec", ns_[member],
                                  "tc",    "qdisc", "add",  "dev",
                                  "veth0", "root"};
  switch (slow_kind_) {
    case SlowKind::kNone:
      return Status(Code::kUnavailable, "no slow-link qdisc in this kernel");
    case SlowKind::kNetem:
      // 60 ms +- 40 ms on every packet the member sends.
      cmd.insert(cmd.end(), {"netem", "delay", "60ms", "40ms"});
      break;
    case SlowKind::kTbf:
      // 400 kbit/s; packets wait up to 300 ms in the queue, then drop.
      cmd.insert(cmd.end(), {"tbf", "rate", "400kbit", "burst", "8kbit",
                             "latency", "300ms"});
      break;
  }
  Status s = RunCommand(cmd);
  if (s.ok()) slow_[member] = true;
  return s;
}

Status Topology::Unslow(int member) {
  if (!slow_[member]) return Status::Ok();
  Status s = RunCommand({"ip", "netns", "exec", ns_[member], "tc", "qdisc",
                         "del", "dev", "veth0", "root"});
  if (s.ok()) slow_[member] = false;
  return s;
}

Result<pid_t> Topology::Spawn(int member, const std::vector<std::string>& argv,
                              const std::string& log) {
  const std::string path = "/run/netns/" + ns_[member];
  const int ns_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0)
    return Status::IOError("open " + path + ": " + strerror(errno));
  const int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    close(ns_fd);
    return Status::IOError("open " + log + ": " + strerror(errno));
  }
  std::vector<char*> c_argv = CArgv(argv);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    if (setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);  // the driver died already
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(ns_fd);
  close(log_fd);
  if (pid < 0) return Status::IOError("fork failed");
  return pid;
}

}  // namespace cairn::chaos
