// The decision log: every decision the edge takes, appended to SQLite and hash-chained so that an edited,
// inserted, deleted or reordered row is found and named. Retention prunes the head behind an Ed25519-signed
// checkpoint, so the rest stays verifiable. The encoding, chain and checkpoint: docs/formats/decision-log.md.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace vigil::store {

using Sha256 = std::array<std::uint8_t, 32>;

struct Decision {
  std::int64_t timestamp_ms = 0;    // source time of the window the decision is about, Unix ms UTC
  std::int64_t window_id = 0;       // >= 0, the pipeline's window counter
  std::string asset;                // asset id, 1..256 bytes
  std::string model_versions;       // e.g. "anomaly=pump-7@3 classifier=cwru@2" (may be empty: rules only)
  std::string inputs;               // key inputs, e.g. "velocity_rms_mm_s=4.1 anomaly_score=7.9"
  std::string output;               // e.g. "warning outer_race 0.73"
  std::string action;               // e.g. "inspect within 72 h"
  std::string details_json = "{}";  // evidence and anything else, a JSON text (checked)
};

struct LoggedDecision {
  std::int64_t row_id = 0;
  Decision decision;
  Sha256 hash{};
};

// A signed statement "the chain up to row last_row_id ended in last_hash", written when rows are pruned.
struct Checkpoint {
  std::int64_t id = 0;
  std::int64_t last_row_id = 0;
  Sha256 last_hash{};
  std::int64_t created_ms = 0;
  std::vector<std::uint8_t> public_key;  // raw Ed25519, 32 bytes
  std::vector<std::uint8_t> signature;   // 64 bytes
};

struct VerifyProblem {
  enum class Subject { row, checkpoint };
  Subject subject = Subject::row;
  std::int64_t id = 0;  // row id or checkpoint id
  std::string what;
};
std::string to_string(const VerifyProblem& p);  // "row 7: content does not match its hash (edited)"

struct VerifyReport {
  std::int64_t rows_verified = 0;
  std::optional<Checkpoint> checkpoint;  // the newest valid checkpoint the chain was checked from
  std::string key_fingerprint;           // first 16 hex digits of SHA-256(node public key); empty if none
  std::vector<VerifyProblem> problems;   // in row order, checkpoints first; empty: intact
  bool intact() const { return problems.empty(); }
};

// Rows older than max_age_ms (by timestamp_ms, relative to now_ms) and/or beyond the newest max_rows are
// pruned; only a prefix of the chain is ever removed.
struct RetentionPolicy {
  std::optional<std::int64_t> max_age_ms;
  std::optional<std::int64_t> max_rows;
};

struct PruneResult {
  std::int64_t rows_pruned = 0;
  std::optional<Checkpoint> checkpoint;  // written when rows_pruned > 0
};

// One DecisionLog per file and writer, used by one thread at a time; readers (vigil log show/verify) may open
// the file read-only beside it.
class DecisionLog {
 public:
  // Opens or creates the log (WAL, synchronous=FULL); OpenOptions::reading() opens an existing log for
  // verify and query without writing.
  static Result<DecisionLog> open(const std::filesystem::path& path, const OpenOptions& options = {});
  DecisionLog(DecisionLog&&) noexcept;
  DecisionLog& operator=(DecisionLog&&) noexcept;
  ~DecisionLog();

  // Appends durably (committed and synced on return) and returns the row with its id and hash. Costs one
  // fsync.
  Result<LoggedDecision> append(const Decision& decision);
  // Several decisions in one transaction and one fsync, chained in the order given: all or none.
  Result<std::vector<LoggedDecision>> append(std::span<const Decision> decisions);

  // Decisions of `asset` (empty: every asset) with timestamp_ms >= since_ms, oldest first, at most limit.
  Result<std::vector<LoggedDecision>> query(std::string_view asset, std::int64_t since_ms,
                                            std::size_t limit) const;

  // Checks every checkpoint signature and every row from the newest valid checkpoint (or the first row).
  // Problems are returned in the report; an Error only when the file cannot be read.
  Result<VerifyReport> verify() const;

  // Applies the policy: verifies the chain (refusing to prune a broken one), signs a checkpoint of the
  // last pruned row with the node key in key_file (an Ed25519 PEM key, created with mode 0600 if missing;
  // refused if group or others can access it), and deletes the pruned rows, in one transaction.
  Result<PruneResult> prune(const RetentionPolicy& policy, const std::filesystem::path& key_file,
                            std::int64_t now_ms);

 private:
  struct Impl;
  explicit DecisionLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::store
