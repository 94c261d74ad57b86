// Reading passwords the way etcdctl 3.4 does, for user add, user passwd and
// the global --user flag. Edge code: forks stty, reads a file descriptor
// unbuffered and installs signal handlers while it waits; call from one
// thread, before any other thread starts.
//
// etcdctl asks through bgentry/speakeasy v0.1.0: the prompt goes to
// stdout, terminal echo is turned off by running `stty -echo` on the
// process's own stdin, stdout and stderr, one line is read from stdin a
// byte at a time, and `stty echo` turns echo back on. When stdin is not a
// terminal stty complains on stderr and the line is read anyway; running
// stty the same way makes cairnctl print exactly what etcdctl prints in
// both cases. Reading unbuffered leaves the rest of stdin for the next
// question (a second prompt, or the --user password after a new user's).
#pragma once

#include <ostream>
#include <string>

#include "core/util/result.h"

namespace cairn::ctl {

struct PasswordInput {
  int fd = 0;                      // where the answer is read from
  std::string stty = "/bin/stty";  // run with "-echo" and "echo"
};

// Reads bytes from `fd` up to a '\n' or the end of input and never past the
// newline. Returns the line without the '\n' and without one trailing
// '\r'. Errors: kIOError with the read error's text.
Result<std::string> ReadLineFd(int fd);

// speakeasy.Ask: prints `prompt` to `out`, turns echo off, reads a line and
// trims white space around it, turns echo on, then prints a newline to
// `out`. A SIGINT, SIGTERM, SIGHUP or SIGQUIT while it waits turns echo
// back on before the signal ends the process. Errors (kIOError, speakeasy's
// texts): "failed turning off console echo for password entry:\n\t<why>"
// when stty cannot be started, "failed during password entry: <why>" when
// reading fails.
Result<std::string> AskPassword(const std::string& prompt, std::ostream& out,
                                const PasswordInput& input = {});

// fmt.Scanf("%s", &word) on `fd` (user add/passwd --interactive=false):
// skips blanks, stops at a newline or the end of input (giving ""), and
// otherwise returns the run of non-space bytes that follows. Reads one
// byte past the word, as Go's Scanf does.
std::string ScanWord(int fd);

}  // namespace cairn::ctl
