// cairn: the replicated key-value node. Edge program.
//
// For now this binary parses its command line and reports its version; it
// does not serve yet (the node is issue #7). It says so and exits non-zero
// rather than pretending to start.
#include <iostream>

#include "cli/common/cli_main.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cairn: a replicated key-value store that speaks etcd's v3 API.\n"
      "This build does not serve clients yet (the node lands with issue "
      "#7); it only reports its version.",
      "cairn"};
  cairn::cli::AddVersionFlag(app, "cairn");
  if (int rc = cairn::cli::Parse(app, argc, argv); rc >= 0) return rc;
  std::cerr << "Error: cairn cannot serve yet: the node is not built "
               "(issue #7). Try 'cairn --help'.\n";
  return 1;
}
