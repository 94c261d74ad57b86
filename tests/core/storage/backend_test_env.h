// Test support for storage::Backend implementations: one environment per
// kind that owns a backend and can restart it (a process restart that keeps
// every committed batch) and damage one stored value on "disk".
//
// Test code: single-threaded.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/storage/backend.h"

namespace cairn::storage {

enum class BackendKind { kMemory, kLevelDb };

inline const std::vector<BackendKind> kBackendKinds = {BackendKind::kMemory,
                                                       BackendKind::kLevelDb};

std::string_view BackendKindName(BackendKind kind);

class BackendEnv {
 public:
  virtual ~BackendEnv() = default;
  virtual Backend& backend() = 0;
  // Closes and reopens: every committed batch, synced or not, survives (a
  // process crash; the OS holds what was written).
  virtual void Restart() = 0;
  // Flips a bit of the stored value of `key`; false when it is absent.
  virtual bool CorruptValue(std::string_view key) = 0;
};

std::unique_ptr<BackendEnv> MakeBackendEnv(BackendKind kind);

}  // namespace cairn::storage
