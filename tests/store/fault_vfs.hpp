// A SQLite VFS for tests that plays a disk with a volatile cache: it wraps the default VFS, keeps every write
// since a file's last xSync in memory and applies it to the real file only at xSync. A simulated power cut
// loses what was not synced (all of it, or a random subset of 512-byte blocks: torn writes); a byte limit
// makes writes fail with SQLITE_FULL. The real file is the "platter": what it holds survived the cut.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

struct sqlite3_vfs;

namespace vigil::test {

class FaultVfs {
 public:
  // Registers the VFS under `name` (never as the default); unregisters on destruction.
  explicit FaultVfs(std::string name);
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const std::string& name() const { return name_; }

  // The power fails at the `ops`-th write, truncate or sync from now (counted over every file; 0: at once):
  // that call and every later one fail with SQLITE_IOERR and leave the real files alone. With a torn_seed,
  // each unsynced 512-byte block of each open file independently reaches the real file or not at the cut.
  void power_cut_after(std::int64_t ops, std::optional<std::uint64_t> torn_seed = std::nullopt);
  bool powered_off() const { return powered_off_; }
  // Power back (for the next files opened through this VFS).
  void power_on();

  // Writes that would make the files open through this VFS hold more than `bytes` in total fail with
  // SQLITE_FULL (the write does not happen). nullopt: no limit.
  void set_disk_limit(std::optional<std::int64_t> bytes) { disk_limit_ = bytes; }

  std::int64_t ops() const { return ops_; }
  std::int64_t open_bytes() const;  // sizes of the files open through this VFS, as SQLite sees them      //
                                    // writes, truncates and syncs so far
  std::int64_t syncs() const { return syncs_; }  // syncs that reached the real file

  struct File;  // internal: one open file (sqlite3_file subclass)

 private:
  friend struct FaultVfsAccess;
  bool count_op();  // false: the power is off (now or already)
  void cut();

  std::string name_;
  sqlite3_vfs* vfs_ = nullptr;
  sqlite3_vfs* base_ = nullptr;
  std::set<File*> open_files_;
  std::int64_t ops_ = 0;
  std::int64_t syncs_ = 0;
  std::optional<std::int64_t> cut_at_;
  std::optional<std::uint64_t> torn_seed_;
  bool powered_off_ = false;
  std::optional<std::int64_t> disk_limit_;
};

}  // namespace vigil::test
