// Running a user's command the way etcdctl's Go code does (os/exec), for
// lock's and watch's exec-command: the same PATH lookup and the same
// error texts. Edge code: forks and waits; call from one thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/util/result.h"

namespace cairn::ctl {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Go's exec.LookPath: a name with a '/' is used as is; otherwise the
// first executable regular file of that name in $PATH. Errors: Go's
// `exec: "NAME": executable file not found in $PATH`.
Result<std::string> LookPath(const std::string& name);

// Runs `argv` (non-empty) with stdin/stdout/stderr shared, `env` added to
// the environment (replacing inherited variables of the same name only
// when `overwrite`, which is how Go resolves duplicate keys in cmd.Env),
// and SIGINT/SIGTERM unblocked in the child. Waits for it to end. Errors
// in Go's words: "exit status N", "signal: killed", "fork/exec PATH:
// no such file or directory", or LookPath's.
Status RunCommand(const std::vector<std::string>& argv, const EnvList& env,
                  bool overwrite);

}  // namespace cairn::ctl
