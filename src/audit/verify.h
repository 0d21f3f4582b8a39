// Verifying a store: walk the chain and the checkpoints, report the first row that is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  // An anchor was given and the store still holds that checkpoint, with that hash.
  bool anchor_reached = false;

  bool intact() const { return problems.empty(); }
};

// A checkpoint recorded outside the store (a SIEM, a cron job keeping what the last `verify`
// printed). The store alone cannot show that whole signed sessions were cut from its end,
// together with the checkpoints over them: what is left is a shorter chain that agrees with
// every checkpoint left. An anchor can: the store must still reach it.
struct Anchor {
  int64_t checkpoint = 0;
  std::optional<Digest> row_hash;  // the hash of the row it signed; without it, only the id
};
// "ID" or "ID:HASH" (HASH: 64 hex digits), as anchor_text() writes it.
Result<Anchor> parse_anchor(std::string_view text);
std::string anchor_text(const Checkpoint& checkpoint);

// Walks every row and checkpoint of `store`. With `key`, checks each checkpoint's signature
// too; without one, the report says the signatures were not checked. With `anchor`, a store
// whose checkpoints do not reach it, or reach it with another hash, is a problem.
Result<VerifyReport> verify_store(Store& store, const Key* key,
                                  const std::optional<Anchor>& anchor = std::nullopt);

}  // namespace cordon::audit
