#include "cli/cairnctl/exec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/cairnctl/session.h"

namespace cairn::ctl {

namespace {

std::string LowerFirst(std::string text) {
  if (!text.empty()) {
    text[0] =
        static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// Go's error text for an errno (its own table is strerror lower-cased),
// and likewise for a signal ("killed", "interrupt").
std::string GoErrno(int err) { return LowerFirst(std::strerror(err)); }

}  // namespace

Result<std::string> LookPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    // An empty PATH entry means the current directory, as in Go.
    const std::string dir =
        end > start ? path.substr(start, end - start) : std::string(".");
    const std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & 0111) != 0) {
      return candidate;
    }
    start = end + 1;
  }
  return Status::NotFound("exec: \"" + name +
                          "\": executable file not found in $PATH");
}

Status RunCommand(const std::vector<std::string>& argv, const EnvList& env,
                  bool overwrite) {
  Result<std::string> path = LookPath(argv[0]);
  if (!path.ok()) return path.status();
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    return Status::IOError("pipe: " + GoErrno(errno));
  }
  std::cout.flush();
  const pid_t pid = fork();
  if (pid < 0)
    return Status::IOError("fork/exec " + path.value() + ": " + GoErrno(errno));
  if (pid == 0) {
    UnblockSignals();
    for (const auto& [name, value] : env)
      setenv(name.c_str(), value.c_str(), overwrite ? 1 : 0);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(path.value().c_str(), args.data());
    const int err = errno;
    (void)!write(report[1], &err, sizeof(err));
    _exit(127);
  }
  close(report[1]);
  int exec_errno = 0;
  const bool exec_failed =
      read(report[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno);
  close(report[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (exec_failed) {
    return Status::IOError("fork/exec " + path.value() + ": " +
                           GoErrno(exec_errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  if (WIFEXITED(status)) {
    return Status::IOError("exit status " +
                           std::to_string(WEXITSTATUS(status)));
  }
  return Status::IOError("signal: " + LowerFirst(strsignal(WTERMSIG(status))));
}

}  // namespace cairn::ctl
