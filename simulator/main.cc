// cairnsim: the deterministic cluster simulator. Edge program (the host of
// the simulated world).
//
// For now it reports its version and what it will run; the simulator itself
// lands with issue #4 on top of the Raft core (issue #3).
#include <iostream>

#include "cli/common/cli_main.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cairnsim: runs whole cairn clusters in one process on a "
      "virtual clock, reproducible from a seed.",
      "cairnsim"};
  cairn::cli::AddVersionFlag(app, "cairnsim");
  if (int rc = cairn::cli::Parse(app, argc, argv); rc >= 0) return rc;
  std::cerr << "Error: cairnsim has nothing to simulate yet: the Raft core "
               "and simulator land with issues #3 and #4.\n";
  return 1;
}
