// Verifying a store: walk the chain and the checkpoints, report the first row that is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/signing.h"
#include "audit/store.h"
#include "base/result.h"

namespace cordon::audit {

struct Finding {
  int64_t row = 0;         // the row (or, for checkpoint findings, the row it covers)
  int64_t checkpoint = 0;  // the checkpoint concerned, 0 for none
  std::string what;        // "changed: its content does not match its hash", ...
};

struct VerifyReport {
  int64_t rows = 0;
  int64_t checkpoints = 0;
  int64_t sessions = 0;
  // Tampering, in chain order; the first is the first bad row. Empty: the store is intact.
  std::vector<Finding> problems;
  // Not tampering, but worth knowing: sessions that never ended (cordon killed), rows after the
  // last checkpoint (not yet signed), checkpoints not checked for want of a key.
  std::vector<std::string> notes;
  bool signatures_checked = false;
  std::optional<Checkpoint> last_checkpoint;
  int64_t unsigned_tail = 0;  // rows after the last checkpoint

  bool intact() const { return problems.empty(); }
};

// Walks every row and checkpoint of `store`. With `key`, checks each checkpoint's signature
// too; without one, the report says the signatures were not checked.
Result<VerifyReport> verify_store(Store& store, const Key* key);

}  // namespace cordon::audit
