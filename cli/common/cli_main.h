// Shared main() plumbing for cairn, cairnctl and cairnsim. Edge code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cairn::cli {

// Adds the --version flag that prints "<program> version <v>" plus the etcd
// API version it speaks, and exits 0.
void AddVersionFlag(CLI::App& app, const std::string& program);

// Parses argv into `app`. Returns -1 when parsing succeeded and the program
// should go on; otherwise the exit code to return from main(): 0 after
// --help or --version, 1 after a usage error (printed to stderr as
// "Error: ..." in etcdctl's words, followed by a hint to use --help).
int Parse(CLI::App& app, int argc, char** argv);

}  // namespace cairn::cli
