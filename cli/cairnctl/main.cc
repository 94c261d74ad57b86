// cairnctl: the etcdctl-style client. Edge program.
//
// For now it knows only `version` (etcdctl's command, which prints the
// client's version) and --version; the other commands land with issue #8.
#include <iostream>

#include "cli/common/cli_main.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cairnctl: a simple command line client for cairn (etcdctl "
      "style).",
      "cairnctl"};
  cairn::cli::AddVersionFlag(app, "cairnctl");
  CLI::App* version = app.add_subcommand("version", "Prints the version");
  if (int rc = cairn::cli::Parse(app, argc, argv); rc >= 0) return rc;
  if (version->parsed()) {
    std::cout << "cairnctl version: " << cairn::kVersion << "\n"
              << "API version: 3.4\n";
    return 0;
  }
  // Like etcdctl, no command prints the usage and succeeds.
  std::cout << app.help();
  return 0;
}
