#include "cli/cairnctl/password.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace cairn::ctl {

namespace {

// Go prints an errno as strerror's text with a lower-case first letter.
std::string GoErrno(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) {
    text[0] =
        static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

std::string TrimSpace(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (IsBlank(s[b]) || s[b] == '\n')) ++b;
  while (e > b && (IsBlank(s[e - 1]) || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

// Runs `stty <arg>` on this process's stdin, stdout and stderr and waits
// for it, as speakeasy does. argv[0] is "stty" so that stty's messages
// name it as they do under etcdctl. Returns the spawn error (0 if none).
int RunStty(const std::string& path, const char* arg) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  char name[] = "stty";
  std::string arg_copy = arg;
  char* argv[] = {name, arg_copy.data(), nullptr};
  pid_t pid = 0;
  const int err =
      posix_spawn(&pid, path.c_str(), nullptr, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return err;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return 0;
}

// The signals after which speakeasy turns echo back on before exiting.
sigset_t EchoSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  return set;
}

// Reads one line while the echo signals are blocked and routed to a
// signalfd, so that a signal can be answered (echo on, then die of it)
// without a handler or global state. Returns the signal number in
// `*signal` when one came first.
Result<std::string> ReadLineOrSignal(int fd, int* signal) {
  *signal = 0;
  const sigset_t set = EchoSignals();
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &set, &old);
  const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  Result<std::string> line = std::string();
  if (sfd >= 0) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    while (poll(fds, 2, -1) < 0 && errno == EINTR) {
    }
    signalfd_siginfo info;
    if ((fds[1].revents & POLLIN) != 0 &&
        read(sfd, &info, sizeof(info)) == sizeof(info)) {
      *signal = static_cast<int>(info.ssi_signo);
    }
    close(sfd);
  }
  if (*signal == 0) line = ReadLineFd(fd);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return line;
}

}  // namespace

Result<std::string> ReadLineFd(int fd) {
  std::string line;
  for (;;) {
    char c = 0;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(GoErrno(errno));
    if (n == 0 || c == '\n') break;
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> AskPassword(const std::string& prompt, std::ostream& out,
                                const PasswordInput& input) {
  out << prompt;
  out.flush();  // before stty writes to the same terminal or stream
  if (int err = RunStty(input.stty, "-echo"); err != 0) {
    out << "\n";
    return Status::IOError(
        "failed turning off console echo for password entry:\n\t" +
        GoErrno(err));
  }
  int signal = 0;
  Result<std::string> line = ReadLineOrSignal(input.fd, &signal);
  RunStty(input.stty, "echo");
  if (signal != 0) {
    // Die of the signal as etcdctl would, now that echo is back on.
    ::signal(signal, SIG_DFL);
    raise(signal);
  }
  out << "\n";
  out.flush();
  if (!line.ok()) {
    return Status::IOError("failed during password entry: " +
                           line.status().message());
  }
  return TrimSpace(line.value());
}

std::string ScanWord(int fd) {
  std::string word;
  for (;;) {
    char c = 0;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return word;
    if (c == '\n') return word;
    if (IsBlank(c)) {
      if (word.empty()) continue;
      return word;
    }
    word.push_back(c);
  }
}

}  // namespace cairn::ctl
