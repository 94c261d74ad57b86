#include "cli/common/cli_main.h"

#include <cstdio>
#include <iostream>

#include "core/version.h"

namespace cairn::cli {

void AddVersionFlag(CLI::App& app, const std::string& program) {
  const std::string text = program + " version " + kVersion +
                           "\nAPI version (etcd v3): " + kEtcdApiVersion;
  app.set_version_flag("--version", text, "Print the version and exit");
}

int Parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // cobra's words (etcd, etcdctl): "unknown flag: --x".
    const std::string what = e.what();
    const size_t dash = what.find(": -");
    if (dash != std::string::npos) {
      std::cerr << "Error: unknown flag: " << what.substr(dash + 2) << "\n";
    } else {
      std::cerr << "Error: " << what << "\n";
    }
    std::cerr << "Run '" << app.get_name() << " --help' for usage.\n";
    return 1;
  } catch (const CLI::ParseError& e) {
    std::cerr << "Error: " << e.what() << "\n"
              << "Run '" << app.get_name() << " --help' for usage.\n";
    return 1;
  }
  return -1;
}

}  // namespace cairn::cli
