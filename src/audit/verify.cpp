// Verifying the chain and the checkpoints of a store.
#include "audit/verify.h"

#include <algorithm>
#include <map>

namespace cordon::audit {
namespace {

// Enough to locate the damage; a store rewritten wholesale would otherwise print a line per row.
constexpr size_t kMaxProblems = 50;

std::string range(int64_t first, int64_t last) {
  return first == last ? "row " + std::to_string(first)
                       : "rows " + std::to_string(first) + ".." + std::to_string(last);
}

struct SessionState {
  int64_t last_seq = 0;
  bool started = false;
  bool ended = false;
};

class Walker {
 public:
  Walker(std::vector<Checkpoint> checkpoints, const Key* key, std::optional<Anchor> anchor)
      : checkpoints_(std::move(checkpoints)), key_(key), anchor_(std::move(anchor)) {
    for (const auto& cp : checkpoints_) signed_rows_.emplace(cp.event_id, &cp);
  }

  void row(const Record& r) {
    report_.rows += 1;
    const bool content_ok = record_hash(r) == r.hash;
    if (!have_prev_) {
      if (r.id < 1) {
        add(r.id, "inserted: the chain starts at row 1");
        return;  // not part of the chain: row 1 must still link to nothing
      }
      if (r.id > 1)
        add(r.id, range(1, r.id - 1) + " deleted: the chain starts at row " + std::to_string(r.id));
      else if (r.prev_hash != Digest{})
        add(r.id, "changed: row 1 must link to nothing");
    } else if (r.id != prev_.id + 1) {
      add(r.id, range(prev_.id + 1, r.id - 1) + " deleted before this row");
    } else if (r.prev_hash != prev_.hash && have_prev_prev_ && r.prev_hash == prev_prev_hash_) {
      // This row links past its predecessor, so the predecessor is the stranger.
      add(prev_.id, "inserted: row " + std::to_string(r.id) + " links to row " +
                        std::to_string(prev_.id - 1) + ", not to this one");
    } else if (r.prev_hash != prev_.hash && content_ok) {
      if (prev_content_ok_) {
        add(prev_.id, "changed: its hash was rewritten to match (row " + std::to_string(r.id) +
                          " still links to the original), or rows were reordered here");
      } else {
        add(r.id, "does not link to row " + std::to_string(prev_.id));
      }
    }
    if (!content_ok) add(r.id, "changed: its content no longer matches its hash");

    SessionState& s = sessions_[r.event.session];
    if (r.event.seq != s.last_seq + 1 && content_ok) {
      add(r.id, "session " + r.event.session + " jumps from event " + std::to_string(s.last_seq) +
                    " to " + std::to_string(r.event.seq) + ": its events in between were deleted");
    }
    s.last_seq = std::max(s.last_seq, r.event.seq);
    s.started = s.started || r.event.kind == "session.start";
    s.ended = s.ended || r.event.kind == "session.end" || r.event.kind == "session.setup-failed";

    auto [first, last] = signed_rows_.equal_range(r.id);
    for (auto it = first; it != last; ++it) {
      if (it->second->event_hash != r.hash) {
        add(r.id,
            "differs from what checkpoint " + std::to_string(it->second->id) +
                " signed: " + range(last_good_checkpoint_row_ + 1, r.id) +
                " were rewritten (hashes recomputed to hide it)",
            it->second->id);
      } else {
        last_good_checkpoint_row_ = r.id;
      }
    }

    have_prev_prev_ = have_prev_;
    prev_prev_hash_ = prev_.hash;
    prev_ = r;
    have_prev_ = true;
    prev_content_ok_ = content_ok;
  }

  VerifyReport finish() {
    const int64_t last_row = have_prev_ ? prev_.id : 0;
    check_checkpoints(last_row);
    if (anchor_) check_anchor(last_row);
    report_.checkpoints = static_cast<int64_t>(checkpoints_.size());
    report_.sessions = static_cast<int64_t>(sessions_.size());
    if (!checkpoints_.empty()) report_.last_checkpoint = checkpoints_.back();
    report_.unsigned_tail = last_row - (checkpoints_.empty() ? 0 : checkpoints_.back().event_id);
    if (report_.unsigned_tail < 0) report_.unsigned_tail = 0;
    for (const auto& [id, s] : sessions_) {
      if (s.started && !s.ended) {
        report_.notes.push_back("session " + id +
                                " has no end event (cordon was killed, or it is still running)");
      }
    }
    if (report_.unsigned_tail > 0) {
      report_.notes.push_back(std::to_string(report_.unsigned_tail) +
                              " row(s) after the last checkpoint are chained but not yet signed");
    }
    report_.signatures_checked = key_ != nullptr;
    if (!key_ && !checkpoints_.empty()) {
      report_.notes.push_back("checkpoint signatures not checked: no key");
    }
    std::stable_sort(report_.problems.begin(), report_.problems.end(),
                     [](const Finding& a, const Finding& b) { return a.row < b.row; });
    return std::move(report_);
  }

 private:
  void add(int64_t row, std::string what, int64_t checkpoint = 0) {
    if (report_.problems.size() < kMaxProblems) {
      report_.problems.push_back(Finding{row, checkpoint, std::move(what)});
    }
  }

  void check_checkpoints(int64_t last_row) {
    const Checkpoint* prev = nullptr;
    for (const auto& cp : checkpoints_) {
      const int64_t expected_id = prev ? prev->id + 1 : 1;
      if (cp.id != expected_id) {
        add(cp.event_id,
            "checkpoint(s) " + std::to_string(expected_id) + ".." + std::to_string(cp.id - 1) +
                " deleted",
            cp.id);
      } else if (cp.prev != (prev ? checkpoint_digest(*prev) : Digest{})) {
        add(cp.event_id,
            "checkpoint " + std::to_string(cp.id) +
                " does not follow the checkpoint before it (changed or reordered)",
            cp.id);
      }
      if (key_ != nullptr) {
        if (cp.key_id != key_->fingerprint()) {
          add(cp.event_id,
              "checkpoint " + std::to_string(cp.id) + " was signed by key " + cp.key_id +
                  ", not by " + key_->fingerprint(),
              cp.id);
        } else if (!key_->verify(checkpoint_message(cp), cp.signature)) {
          add(cp.event_id, "checkpoint " + std::to_string(cp.id) + " has a bad signature", cp.id);
        }
      }
      if (cp.event_id > last_row) {
        add(last_row + 1,
            range(last_row + 1, cp.event_id) + ", signed by checkpoint " + std::to_string(cp.id) +
                ", deleted (the tail was truncated)",
            cp.id);
      }
      prev = &cp;
    }
  }

  // The checkpoint recorded outside the store must still be here, with the hash recorded.
  void check_anchor(int64_t last_row) {
    const std::string expected = "checkpoint " + std::to_string(anchor_->checkpoint);
    for (const auto& cp : checkpoints_) {
      if (cp.id != anchor_->checkpoint) continue;
      if (anchor_->row_hash && cp.event_hash != *anchor_->row_hash) {
        add(cp.event_id,
            expected + " now signs row " + std::to_string(cp.event_id) + " with hash " +
                to_hex(cp.event_hash) + ", not the expected " + to_hex(*anchor_->row_hash) +
                ": the store was cut back before it and written again",
            cp.id);
        return;
      }
      report_.anchor_reached = true;
      return;
    }
    const int64_t last = checkpoints_.empty() ? 0 : checkpoints_.back().id;
    add(last_row + 1,
        expected + " (expected) is missing: the store's checkpoints end at " +
            std::to_string(last) + ", so checkpoint(s) " + std::to_string(last + 1) + ".." +
            std::to_string(anchor_->checkpoint) +
            " and the rows they signed were removed (the store was truncated)",
        anchor_->checkpoint);
  }

  std::vector<Checkpoint> checkpoints_;
  std::multimap<int64_t, const Checkpoint*> signed_rows_;
  const Key* key_;
  std::optional<Anchor> anchor_;
  VerifyReport report_;
  std::map<std::string, SessionState> sessions_;
  Record prev_;
  bool have_prev_ = false;
  bool have_prev_prev_ = false;
  bool prev_content_ok_ = true;
  Digest prev_prev_hash_{};
  int64_t last_good_checkpoint_row_ = 0;  // the newest row a checkpoint confirmed
};

}  // namespace

Result<Anchor> parse_anchor(std::string_view text) {
  const auto bad = [&] {
    return Error(Errc::kInvalidInput, "bad checkpoint anchor '" + std::string(text) + "'")
        .with_hint("ID or ID:HASH, as `cordon audit verify` prints it after \"anchor:\"");
  };
  const size_t colon = text.find(':');
  const std::string_view id = text.substr(0, colon);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), digit)) return bad();
  Anchor anchor;
  anchor.checkpoint = std::stoll(std::string(id));
  if (anchor.checkpoint < 1) return bad();
  if (colon == std::string_view::npos) return anchor;
  const std::string_view hex = text.substr(colon + 1);
  Digest digest{};
  if (hex.size() != digest.size() * 2) return bad();
  for (size_t i = 0; i < digest.size(); ++i) {
    int byte = 0;
    for (const char c : hex.substr(i * 2, 2)) {
      const int nibble = c >= '0' && c <= '9'   ? c - '0'
                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                : -1;
      if (nibble < 0) return bad();
      byte = byte * 16 + nibble;
    }
    digest[i] = static_cast<uint8_t>(byte);
  }
  anchor.row_hash = digest;
  return anchor;
}

std::string anchor_text(const Checkpoint& checkpoint) {
  return std::to_string(checkpoint.id) + ":" + to_hex(checkpoint.event_hash);
}

Result<VerifyReport> verify_store(Store& store, const Key* key,
                                  const std::optional<Anchor>& anchor) {
  // One read transaction: a consistent snapshot while other sessions keep appending.
  CORDON_TRY(store.db().exec("BEGIN"));
  struct EndRead {
    Store& store;
    ~EndRead() { (void)store.db().exec("COMMIT"); }
  } end_read{store};
  std::vector<Checkpoint> checkpoints;
  CORDON_ASSIGN_OR_RETURN(sql::Statement cps,
                          store.db().prepare(std::string("SELECT ") + kCheckpointColumns +
                                             " FROM checkpoints ORDER BY id"));
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, cps.step());
    if (!has_row) break;
    checkpoints.push_back(checkpoint_from(cps));
  }
  Walker walker(std::move(checkpoints), key, anchor);
  CORDON_ASSIGN_OR_RETURN(
      sql::Statement rows,
      store.db().prepare(std::string("SELECT ") + kRecordColumns + " FROM events ORDER BY id"));
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, rows.step());
    if (!has_row) break;
    walker.row(record_from(rows));
  }
  return walker.finish();
}

}  // namespace cordon::audit
