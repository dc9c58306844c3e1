#include "store/decision_log.hpp"

#include <cstdio>

#include <fcntl.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite.hpp"

namespace vigil::store {
namespace {

constexpr std::size_t k_max_asset_bytes = 256;
constexpr std::size_t k_max_text_bytes = 64 << 10;
constexpr std::size_t k_max_details_bytes = 256 << 10;
constexpr std::size_t k_ed25519_key_bytes = 32;
constexpr std::size_t k_ed25519_signature_bytes = 64;
constexpr std::uint8_t k_row_encoding_version = 1;
// Domain separation: a checkpoint signature can never be mistaken for a signature over anything else.
constexpr std::string_view k_checkpoint_domain = "vigil decision-log checkpoint v1";

constexpr std::string_view k_schema_v1 = R"sql(
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  timestamp_ms INTEGER NOT NULL,
  window_id INTEGER NOT NULL,
  asset TEXT NOT NULL,
  model_versions TEXT NOT NULL,
  inputs TEXT NOT NULL,
  output TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX decisions_by_asset_time ON decisions (asset, timestamp_ms);
CREATE INDEX decisions_by_time ON decisions (timestamp_ms);
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  last_row_id INTEGER NOT NULL,
  last_hash BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  signature BLOB NOT NULL
);
CREATE TABLE node_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  public_key BLOB NOT NULL
);
)sql";
constexpr std::array<std::string_view, 1> k_migrations{k_schema_v1};

constexpr std::string_view k_select_row =
    "SELECT id, timestamp_ms, window_id, asset, model_versions, inputs, output, action, details, prev_hash, "
    "hash "
    "FROM decisions ";

struct FreeKey {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, FreeKey>;
struct FreeMdCtx {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

void put_be64(std::vector<std::uint8_t>& out, std::int64_t value) {
  const auto u = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(u >> shift));
}

void put_text(std::vector<std::uint8_t>& out, std::string_view text) {
  const auto n = static_cast<std::uint32_t>(text.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  out.insert(out.end(), text.begin(), text.end());
}

Sha256 sha256(std::span<const std::uint8_t> bytes) {
  Sha256 out{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

// hash = SHA-256(prev_hash || version || row_id || timestamp_ms || window_id || six length-prefixed texts);
// docs/formats/decision-log.md.
Sha256 row_hash(const Sha256& prev, std::int64_t row_id, const Decision& d) {
  std::vector<std::uint8_t> bytes(prev.begin(), prev.end());
  bytes.push_back(k_row_encoding_version);
  put_be64(bytes, row_id);
  put_be64(bytes, d.timestamp_ms);
  put_be64(bytes, d.window_id);
  for (std::string_view text :
       {std::string_view(d.asset), std::string_view(d.model_versions), std::string_view(d.inputs),
        std::string_view(d.output), std::string_view(d.action), std::string_view(d.details_json)})
    put_text(bytes, text);
  return sha256(bytes);
}

std::vector<std::uint8_t> checkpoint_message(std::int64_t last_row_id, const Sha256& last_hash,
                                             std::int64_t created_ms) {
  std::vector<std::uint8_t> m(k_checkpoint_domain.begin(), k_checkpoint_domain.end());
  put_be64(m, last_row_id);
  m.insert(m.end(), last_hash.begin(), last_hash.end());
  put_be64(m, created_ms);
  return m;
}

bool verify_signature(const Checkpoint& c) {
  if (c.public_key.size() != k_ed25519_key_bytes || c.signature.size() != k_ed25519_signature_bytes)
    return false;
  Key key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, c.public_key.data(), c.public_key.size()));
  std::unique_ptr<EVP_MD_CTX, FreeMdCtx> ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
    return false;
  const auto m = checkpoint_message(c.last_row_id, c.last_hash, c.created_ms);
  return EVP_DigestVerify(ctx.get(), c.signature.data(), c.signature.size(), m.data(), m.size()) == 1;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string s;
  for (auto b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

std::string fingerprint(std::span<const std::uint8_t> public_key) {
  return hex(sha256(public_key)).substr(0, 16);
}

Sha256 to_hash(std::span<const std::uint8_t> blob) {
  Sha256 h{};
  if (blob.size() == h.size()) std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The node's Ed25519 key: read from `path`, or generated and written there (PEM, PKCS#8) with mode 0600.
Result<Key> load_or_create_key(const std::filesystem::path& path) {
  const std::string name = path.string();
  struct stat st {};
  if (::stat(name.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0)
      return fail(ErrorCode::invalid_argument,
                  "{}: node key is accessible by group or others (mode {:04o}); chmod 600 it", name,
                  st.st_mode & 07777);
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!file) return fail(ErrorCode::io, "{}: cannot read node key", name);
    Key key(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
    if (!key) return fail(ErrorCode::parse, "{}: not a PEM private key", name);
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
      return fail(ErrorCode::unsupported, "{}: node key is not an Ed25519 key", name);
    return key;
  }
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return fail(ErrorCode::internal, "{}: generating an Ed25519 key failed", name);
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::io, "{}: cannot create node key", name);
  std::unique_ptr<FILE, int (*)(FILE*)> file(::fdopen(fd, "wb"), &std::fclose);
  if (!file) {
    ::close(fd);
    return fail(ErrorCode::io, "{}: cannot create node key", name);
  }
  if (PEM_write_PrivateKey(file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      std::fflush(file.get()) != 0 || ::fsync(fd) != 0)
    return fail(ErrorCode::io, "{}: cannot write node key", name);
  return key;
}

Status check_decision(const Decision& d) {
  if (d.asset.empty() || d.asset.size() > k_max_asset_bytes)
    return fail(ErrorCode::invalid_argument, "decision asset id of {} bytes, expected 1..{}", d.asset.size(),
                k_max_asset_bytes);
  if (d.window_id < 0)
    return fail(ErrorCode::invalid_argument, "decision window id {} is negative", d.window_id);
  const std::pair<std::string_view, const std::string*> texts[] = {{"model_versions", &d.model_versions},
                                                                   {"inputs", &d.inputs},
                                                                   {"output", &d.output},
                                                                   {"action", &d.action}};
  for (const auto& [field, text] : texts)
    if (text->size() > k_max_text_bytes)
      return fail(ErrorCode::invalid_argument, "decision {} of {} bytes exceeds {}", field, text->size(),
                  k_max_text_bytes);
  if (d.details_json.size() > k_max_details_bytes)
    return fail(ErrorCode::invalid_argument, "decision details of {} bytes exceed {}", d.details_json.size(),
                k_max_details_bytes);
  if (!nlohmann::json::accept(d.details_json))
    return fail(ErrorCode::invalid_argument, "decision details are not a JSON text");
  return {};
}

LoggedDecision read_row(const Statement& s, Sha256* prev_hash) {
  LoggedDecision r;
  r.row_id = s.column_int64(0);
  r.decision.timestamp_ms = s.column_int64(1);
  r.decision.window_id = s.column_int64(2);
  r.decision.asset = s.column_text(3);
  r.decision.model_versions = s.column_text(4);
  r.decision.inputs = s.column_text(5);
  r.decision.output = s.column_text(6);
  r.decision.action = s.column_text(7);
  r.decision.details_json = s.column_text(8);
  if (prev_hash != nullptr) *prev_hash = to_hash(s.column_blob(9));
  r.hash = to_hash(s.column_blob(10));
  return r;
}

std::string row_range(std::int64_t first, std::int64_t last) {
  return first == last ? fmt::format("row {} is missing", first)
                       : fmt::format("rows {}..{} are missing", first, last);
}

}  // namespace

std::string to_string(const VerifyProblem& p) {
  return fmt::format("{} {}: {}", p.subject == VerifyProblem::Subject::row ? "row" : "checkpoint", p.id,
                     p.what);
}

struct DecisionLog::Impl {
  Database db;
  explicit Impl(Database d) : db(std::move(d)) {}

  Result<std::vector<Checkpoint>> checkpoints() {
    auto q = db.prepare(
        "SELECT id, last_row_id, last_hash, created_ms, public_key, signature FROM checkpoints ORDER BY id "
        "DESC");
    if (!q) return std::unexpected(q.error());
    std::vector<Checkpoint> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      Checkpoint c;
      c.id = q->column_int64(0);
      c.last_row_id = q->column_int64(1);
      const auto h = q->column_blob(2);
      c.last_hash = to_hash(h);
      c.created_ms = q->column_int64(3);
      const auto k = q->column_blob(4);
      const auto s = q->column_blob(5);
      c.public_key.assign(k.begin(), k.end());
      c.signature.assign(s.begin(), s.end());
      if (h.size() != c.last_hash.size()) c.signature.clear();  // a malformed hash can never verify
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<std::optional<std::vector<std::uint8_t>>> node_public_key() {
    auto q = db.prepare("SELECT public_key FROM node_key WHERE id = 1");
    if (!q) return std::unexpected(q.error());
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::nullopt;
    const auto k = q->column_blob(0);
    return std::vector<std::uint8_t>(k.begin(), k.end());
  }

  // Id and hash the next row chains to: the newest row, else the newest checkpoint, else (0, zeros).
  Result<std::pair<std::int64_t, Sha256>> head() {
    auto q = db.prepare("SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1");
    if (!q) return std::unexpected(q.error());
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (*row) return std::pair{q->column_int64(0), to_hash(q->column_blob(1))};
    auto c = db.prepare("SELECT last_row_id, last_hash FROM checkpoints ORDER BY id DESC LIMIT 1");
    if (!c) return std::unexpected(c.error());
    row = c->step();
    if (!row) return std::unexpected(row.error());
    if (*row) return std::pair{c->column_int64(0), to_hash(c->column_blob(1))};
    return std::pair{std::int64_t{0}, Sha256{}};
  }
};

DecisionLog::DecisionLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DecisionLog::DecisionLog(DecisionLog&&) noexcept = default;
DecisionLog& DecisionLog::operator=(DecisionLog&&) noexcept = default;
DecisionLog::~DecisionLog() = default;

Result<DecisionLog> DecisionLog::open(const std::filesystem::path& path, const OpenOptions& options) {
  auto db = Database::open(path, options);
  if (!db) return std::unexpected(db.error());
  if (auto ok = migrate(*db, "decision_log", k_migrations); !ok) return std::unexpected(ok.error());
  return DecisionLog(std::make_unique<Impl>(std::move(*db)));
}

Result<LoggedDecision> DecisionLog::append(const Decision& decision) {
  auto rows = append(std::span(&decision, 1));
  if (!rows) return std::unexpected(rows.error());
  return std::move(rows->front());
}

Result<std::vector<LoggedDecision>> DecisionLog::append(std::span<const Decision> decisions) {
  Database& db = impl_->db;
  for (const Decision& d : decisions)
    if (auto ok = check_decision(d); !ok) return std::unexpected(ok.error().with_context(db.path()));
  std::vector<LoggedDecision> rows;
  if (decisions.empty()) return rows;
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto head = impl_->head();
  if (!head) return std::unexpected(head.error());
  auto insert = db.prepare(
      "INSERT INTO decisions (id, timestamp_ms, window_id, asset, model_versions, inputs, output, action, "
      "details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert) return std::unexpected(insert.error());
  auto [id, prev] = *head;
  for (const Decision& d : decisions) {
    ++id;
    LoggedDecision r{id, d, row_hash(prev, id, d)};
    insert->bind(1, r.row_id)
        .bind(2, d.timestamp_ms)
        .bind(3, d.window_id)
        .bind(4, d.asset)
        .bind(5, d.model_versions)
        .bind(6, d.inputs)
        .bind(7, d.output)
        .bind(8, d.action)
        .bind(9, d.details_json)
        .bind_blob(10, prev)
        .bind_blob(11, r.hash);
    if (auto ok = insert->run(); !ok) return std::unexpected(ok.error());
    prev = r.hash;
    rows.push_back(std::move(r));
  }
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  return rows;
}

Result<std::vector<LoggedDecision>> DecisionLog::query(std::string_view asset, std::int64_t since_ms,
                                                       std::size_t limit) const {
  // Two statements rather than "?1 = '' OR asset = ?1", which would keep SQLite from using the asset index
  // (an unused ?1 is allowed and ignored).
  auto q = impl_->db.prepare(
      std::string(k_select_row) +
      (asset.empty() ? "WHERE timestamp_ms >= ?2 ORDER BY timestamp_ms, id LIMIT ?3"
                     : "WHERE asset = ?1 AND timestamp_ms >= ?2 ORDER BY timestamp_ms, id LIMIT ?3"));
  if (!q) return std::unexpected(q.error());
  q->bind(1, asset)
      .bind(2, since_ms)
      .bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<LoggedDecision> out;
  for (;;) {
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_row(*q, nullptr));
  }
  return out;
}

Result<VerifyReport> DecisionLog::verify() const {
  VerifyReport report;
  auto key = impl_->node_public_key();
  if (!key) return std::unexpected(key.error());
  if (*key) report.key_fingerprint = fingerprint(**key);
  auto checkpoints = impl_->checkpoints();
  if (!checkpoints) return std::unexpected(checkpoints.error());
  for (const Checkpoint& c : *checkpoints) {  // newest first
    std::string what;
    if (!*key || !equal(c.public_key, **key))
      what = "signed with a key that is not the node key stored in the log";
    else if (!verify_signature(c))
      what = fmt::format("signature over row {}'s hash does not verify (checkpoint or signature altered)",
                         c.last_row_id);
    if (what.empty()) {
      report.checkpoint = c;
      break;
    }
    report.problems.push_back({VerifyProblem::Subject::checkpoint, c.id, std::move(what)});
  }

  std::int64_t expected_id = report.checkpoint ? report.checkpoint->last_row_id + 1 : 1;
  Sha256 expected_prev = report.checkpoint ? report.checkpoint->last_hash : Sha256{};
  auto q = impl_->db.prepare(std::string(k_select_row) + "ORDER BY id");
  if (!q) return std::unexpected(q.error());
  for (;;) {
    auto step = q->step();
    if (!step) return std::unexpected(step.error());
    if (!*step) break;
    Sha256 prev{};
    const LoggedDecision row = read_row(*q, &prev);
    const bool hash_blobs_ok =
        q->column_blob(9).size() == prev.size() && q->column_blob(10).size() == prev.size();
    ++report.rows_verified;
    auto problem = [&](std::string what) {
      report.problems.push_back({VerifyProblem::Subject::row, row.row_id, std::move(what)});
    };
    if (row.row_id < expected_id) {
      problem(report.checkpoint
                  ? fmt::format("inserted: at or before row {}, which checkpoint {} says was pruned",
                                report.checkpoint->last_row_id, report.checkpoint->id)
                  : "inserted: row ids start at 1");
      continue;
    }
    std::vector<std::string> wrong;
    if (row.row_id > expected_id)
      wrong.push_back(row_range(expected_id, row.row_id - 1) + " before this row (deleted)");
    else if (prev != expected_prev)
      wrong.push_back(fmt::format(
          "does not follow {}: its prev_hash is not that row's hash (a row was inserted, deleted or "
          "reordered)",
          expected_id == 1 || (report.checkpoint && expected_id == report.checkpoint->last_row_id + 1)
              ? std::string("the start of the chain")
              : fmt::format("row {}", expected_id - 1)));
    if (!hash_blobs_ok || row_hash(prev, row.row_id, row.decision) != row.hash)
      wrong.push_back("content does not match its hash (edited)");
    if (!wrong.empty()) problem(fmt::format("{}", fmt::join(wrong, "; ")));
    expected_id = row.row_id + 1;
    expected_prev = row.hash;
  }
  return report;
}

Result<PruneResult> DecisionLog::prune(const RetentionPolicy& policy, const std::filesystem::path& key_file,
                                       std::int64_t now_ms) {
  Database& db = impl_->db;
  if (policy.max_rows && *policy.max_rows < 0)
    return fail(ErrorCode::invalid_argument, "{}: retention max_rows {} is negative", db.path(),
                *policy.max_rows);
  if (policy.max_age_ms && *policy.max_age_ms < 0)
    return fail(ErrorCode::invalid_argument, "{}: retention max_age_ms {} is negative", db.path(),
                *policy.max_age_ms);
  auto report = verify();
  if (!report) return std::unexpected(report.error());
  if (!report->intact())
    return fail(ErrorCode::parse, "{}: refusing to prune a log that does not verify: {}", db.path(),
                to_string(report->problems.front()));

  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto count_q = db.prepare("SELECT count(*) FROM decisions");
  if (!count_q) return std::unexpected(count_q.error());
  if (auto row = count_q->step(); !row) return std::unexpected(row.error());
  const std::int64_t count = count_q->column_int64(0);
  const std::int64_t over_rows = policy.max_rows ? std::max<std::int64_t>(0, count - *policy.max_rows) : 0;
  // Rows with timestamp_ms below the cutoff are too old (no age limit: nothing is below INT64_MIN).
  const std::int64_t cutoff_ms = policy.max_age_ms ? now_ms - *policy.max_age_ms : INT64_MIN;

  // The pruned prefix: rows are taken in id order while the policy wants them gone.
  auto scan = db.prepare("SELECT id, timestamp_ms, hash FROM decisions ORDER BY id");
  if (!scan) return std::unexpected(scan.error());
  PruneResult result;
  Sha256 last_hash{};
  std::int64_t last_row_id = 0;
  for (;;) {
    auto row = scan->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    const bool old = scan->column_int64(1) < cutoff_ms;
    if (!(result.rows_pruned < over_rows || old)) break;
    last_row_id = scan->column_int64(0);
    last_hash = to_hash(scan->column_blob(2));
    ++result.rows_pruned;
  }
  scan->reset();
  if (result.rows_pruned == 0) return result;

  auto key = load_or_create_key(key_file);
  if (!key) return std::unexpected(key.error());
  std::vector<std::uint8_t> public_key(k_ed25519_key_bytes);
  std::size_t key_size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key->get(), public_key.data(), &key_size) != 1 ||
      key_size != k_ed25519_key_bytes)
    return fail(ErrorCode::internal, "{}: cannot read the node's public key", key_file.string());
  auto stored = impl_->node_public_key();
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) {
    auto set = db.prepare("INSERT INTO node_key (id, public_key) VALUES (1, ?1)");
    if (!set) return std::unexpected(set.error());
    set->bind_blob(1, public_key);
    if (auto ok = set->run(); !ok) return std::unexpected(ok.error());
  } else if (!equal(**stored, public_key)) {
    return fail(ErrorCode::invalid_argument,
                "{}: node key {} (fingerprint {}) is not the key this log's checkpoints are signed with ({})",
                db.path(), key_file.string(), fingerprint(public_key), fingerprint(**stored));
  }

  Checkpoint c;
  c.last_row_id = last_row_id;
  c.last_hash = last_hash;
  c.created_ms = now_ms;
  c.public_key = public_key;
  c.signature.resize(k_ed25519_signature_bytes);
  std::size_t signature_size = c.signature.size();
  const auto message = checkpoint_message(c.last_row_id, c.last_hash, c.created_ms);
  std::unique_ptr<EVP_MD_CTX, FreeMdCtx> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), c.signature.data(), &signature_size, message.data(), message.size()) != 1 ||
      signature_size != k_ed25519_signature_bytes)
    return fail(ErrorCode::internal, "{}: signing the checkpoint failed", db.path());

  auto insert = db.prepare(
      "INSERT INTO checkpoints (last_row_id, last_hash, created_ms, public_key, signature) VALUES (?1, ?2, "
      "?3, ?4, "
      "?5)");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, c.last_row_id).bind_blob(2, c.last_hash).bind(3, c.created_ms).bind_blob(4, c.public_key);
  insert->bind_blob(5, c.signature);
  if (auto ok = insert->run(); !ok) return std::unexpected(ok.error());
  c.id = db.last_insert_rowid();
  auto del = db.prepare("DELETE FROM decisions WHERE id <= ?1");
  if (!del) return std::unexpected(del.error());
  del->bind(1, c.last_row_id);
  if (auto ok = del->run(); !ok) return std::unexpected(ok.error());
  if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
  result.checkpoint = std::move(c);
  return result;
}

}  // namespace vigil::store
