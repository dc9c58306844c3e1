#include "store/fault_vfs.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <sqlite3.h>

namespace vigil::test {

namespace {
constexpr std::size_t k_block = 512;
}

// What SQLite allocates for an open file (szOsFile): the base struct first, then our state.
struct FaultVfs::File {
  sqlite3_file base;
  FaultVfs* owner;
  sqlite3_file* real;
  std::vector<std::uint8_t>* image;  // the file as the process sees it
  std::set<std::size_t>* dirty;      // blocks written since the last sync
};

struct FaultVfsAccess {
  using File = FaultVfs::File;
  static FaultVfs& owner(sqlite3_vfs* vfs) { return *static_cast<FaultVfs*>(vfs->pAppData); }
  static File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }
  static sqlite3_vfs* base(sqlite3_vfs* vfs) { return owner(vfs).base_; }

  static std::int64_t open_bytes(const FaultVfs& v) {
    std::int64_t sum = 0;
    for (const File* f : v.open_files_) sum += static_cast<std::int64_t>(f->image->size());
    return sum;
  }

  static std::int64_t real_size(File& f) {
    sqlite3_int64 size = 0;
    f.real->pMethods->xFileSize(f.real, &size);
    return size;
  }

  // Writes the dirty blocks (all, or those `keep` says) and the size to the real file.
  template <typename Keep>
  static int apply(File& f, Keep keep) {
    const std::int64_t size = static_cast<std::int64_t>(f.image->size());
    if (real_size(f) > size) {
      if (int rc = f.real->pMethods->xTruncate(f.real, size); rc != SQLITE_OK) return rc;
    }
    for (std::size_t block : *f.dirty) {
      const std::size_t begin = block * k_block;
      if (begin >= f.image->size() || !keep()) continue;
      const std::size_t n = std::min(k_block, f.image->size() - begin);
      if (int rc = f.real->pMethods->xWrite(f.real, f.image->data() + begin, static_cast<int>(n),
                                            static_cast<sqlite3_int64>(begin));
          rc != SQLITE_OK)
        return rc;
    }
    f.dirty->clear();
    return SQLITE_OK;
  }

  static int close(sqlite3_file* p) {
    File& f = file(p);
    // A process that closes a file without syncing leaves its writes in the OS cache: they reach the disk
    // unless the power fails first.
    if (!f.owner->powered_off_) apply(f, [] { return true; });
    const int rc = f.real->pMethods->xClose(f.real);
    f.owner->open_files_.erase(&f);
    sqlite3_free(f.real);
    delete f.image;
    delete f.dirty;
    return rc;
  }

  static int read(sqlite3_file* p, void* out, int amount, sqlite3_int64 offset) {
    File& f = file(p);
    if (f.owner->powered_off_) return SQLITE_IOERR_READ;
    const auto begin = static_cast<std::size_t>(offset);
    const auto n = static_cast<std::size_t>(amount);
    const std::size_t available = begin >= f.image->size() ? 0 : std::min(n, f.image->size() - begin);
    if (available > 0) std::memcpy(out, f.image->data() + begin, available);
    if (available < n) {
      std::memset(static_cast<std::uint8_t*>(out) + available, 0, n - available);
      return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
  }

  static int write(sqlite3_file* p, const void* data, int amount, sqlite3_int64 offset) {
    File& f = file(p);
    if (!f.owner->count_op()) return SQLITE_IOERR_WRITE;
    const auto begin = static_cast<std::size_t>(offset);
    const auto n = static_cast<std::size_t>(amount);
    const std::size_t end = begin + n;
    if (end > f.image->size()) {
      const auto growth = static_cast<std::int64_t>(end - f.image->size());
      if (f.owner->disk_limit_ && open_bytes(*f.owner) + growth > *f.owner->disk_limit_) return SQLITE_FULL;
      f.image->resize(end, 0);
    }
    std::memcpy(f.image->data() + begin, data, n);
    for (std::size_t b = begin / k_block; b * k_block < end; ++b) f.dirty->insert(b);
    return SQLITE_OK;
  }

  static int truncate(sqlite3_file* p, sqlite3_int64 size) {
    File& f = file(p);
    if (!f.owner->count_op()) return SQLITE_IOERR_TRUNCATE;
    f.image->resize(static_cast<std::size_t>(size), 0);
    return SQLITE_OK;
  }

  // The only moment data reaches the "platter". The real file is not fsync'ed: the test never loses it.
  static int sync(sqlite3_file* p, int) {
    File& f = file(p);
    if (!f.owner->count_op()) return SQLITE_IOERR_FSYNC;
    if (int rc = apply(f, [] { return true; }); rc != SQLITE_OK) return rc;
    ++f.owner->syncs_;
    return SQLITE_OK;
  }

  static int file_size(sqlite3_file* p, sqlite3_int64* size) {
    *size = static_cast<sqlite3_int64>(file(p).image->size());
    return SQLITE_OK;
  }

  static int lock(sqlite3_file* p, int level) { return file(p).real->pMethods->xLock(file(p).real, level); }
  static int unlock(sqlite3_file* p, int level) {
    return file(p).real->pMethods->xUnlock(file(p).real, level);
  }
  static int check_reserved(sqlite3_file* p, int* out) {
    return file(p).real->pMethods->xCheckReservedLock(file(p).real, out);
  }
  static int file_control(sqlite3_file* p, int op, void* arg) {
    // Size hints would grow the real file behind the image's back; they are only hints.
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;
    return file(p).real->pMethods->xFileControl(file(p).real, op, arg);
  }
  static int sector_size(sqlite3_file* p) { return file(p).real->pMethods->xSectorSize(file(p).real); }
  static int device(sqlite3_file* p) { return file(p).real->pMethods->xDeviceCharacteristics(file(p).real); }
  // The WAL index (-shm) is shared memory, rebuilt from the WAL after a crash: passed through.
  static int shm_map(sqlite3_file* p, int region, int size, int extend, void volatile** out) {
    return file(p).real->pMethods->xShmMap(file(p).real, region, size, extend, out);
  }
  static int shm_lock(sqlite3_file* p, int offset, int n, int flags) {
    return file(p).real->pMethods->xShmLock(file(p).real, offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* p) { file(p).real->pMethods->xShmBarrier(file(p).real); }
  static int shm_unmap(sqlite3_file* p, int delete_flag) {
    return file(p).real->pMethods->xShmUnmap(file(p).real, delete_flag);
  }

  static constexpr sqlite3_io_methods k_methods = {
      2,        close,       read,           write,        truncate,    sync,   file_size,
      lock,     unlock,      check_reserved, file_control, sector_size, device, shm_map,
      shm_lock, shm_barrier, shm_unmap,      nullptr,      nullptr};

  static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
    FaultVfs& v = owner(vfs);
    File& f = file(p);
    f.base.pMethods = nullptr;
    if (v.powered_off_) return SQLITE_IOERR;
    f.real = static_cast<sqlite3_file*>(sqlite3_malloc(v.base_->szOsFile));
    if (f.real == nullptr) return SQLITE_NOMEM;
    std::memset(f.real, 0, static_cast<std::size_t>(v.base_->szOsFile));
    if (int rc = v.base_->xOpen(v.base_, name, f.real, flags, out_flags); rc != SQLITE_OK) {
      if (f.real->pMethods != nullptr) f.real->pMethods->xClose(f.real);
      sqlite3_free(f.real);
      return rc;
    }
    f.owner = &v;
    f.image = new std::vector<std::uint8_t>(static_cast<std::size_t>(real_size(f)));
    f.dirty = new std::set<std::size_t>();
    if (!f.image->empty())
      f.real->pMethods->xRead(f.real, f.image->data(), static_cast<int>(f.image->size()), 0);
    f.base.pMethods = &k_methods;
    v.open_files_.insert(&f);
    return SQLITE_OK;
  }

  static int remove(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    if (owner(vfs).powered_off_) return SQLITE_IOERR_DELETE;
    return base(vfs)->xDelete(base(vfs), name, sync_dir);
  }
  static int access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return base(vfs)->xAccess(base(vfs), name, flags, out);
  }
  static int full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
    return base(vfs)->xFullPathname(base(vfs), name, n, out);
  }
  static int randomness(sqlite3_vfs* vfs, int n, char* out) {
    return base(vfs)->xRandomness(base(vfs), n, out);
  }
  static int sleep(sqlite3_vfs* vfs, int us) { return base(vfs)->xSleep(base(vfs), us); }
  static int current_time(sqlite3_vfs* vfs, double* out) { return base(vfs)->xCurrentTime(base(vfs), out); }
  static int last_error(sqlite3_vfs* vfs, int n, char* out) {
    return base(vfs)->xGetLastError(base(vfs), n, out);
  }
  static int current_time_ms(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return base(vfs)->xCurrentTimeInt64(base(vfs), out);
  }
};

FaultVfs::FaultVfs(std::string name) : name_(std::move(name)) {
  base_ = sqlite3_vfs_find(nullptr);
  vfs_ = new sqlite3_vfs{};
  vfs_->iVersion = 2;
  vfs_->szOsFile = sizeof(File);
  vfs_->mxPathname = base_->mxPathname;
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
  vfs_->xOpen = FaultVfsAccess::open;
  vfs_->xDelete = FaultVfsAccess::remove;
  vfs_->xAccess = FaultVfsAccess::access;
  vfs_->xFullPathname = FaultVfsAccess::full_pathname;
  vfs_->xRandomness = FaultVfsAccess::randomness;
  vfs_->xSleep = FaultVfsAccess::sleep;
  vfs_->xCurrentTime = FaultVfsAccess::current_time;
  vfs_->xGetLastError = FaultVfsAccess::last_error;
  vfs_->xCurrentTimeInt64 = FaultVfsAccess::current_time_ms;
  sqlite3_vfs_register(vfs_, 0);
}

FaultVfs::~FaultVfs() {
  sqlite3_vfs_unregister(vfs_);
  delete vfs_;
}

void FaultVfs::power_cut_after(std::int64_t ops, std::optional<std::uint64_t> torn_seed) {
  cut_at_ = ops_ + ops;
  torn_seed_ = torn_seed;
  if (ops <= 0) cut();
}

std::int64_t FaultVfs::open_bytes() const { return FaultVfsAccess::open_bytes(*this); }

void FaultVfs::power_on() {
  powered_off_ = false;
  cut_at_.reset();
}

bool FaultVfs::count_op() {
  if (powered_off_) return false;
  ++ops_;
  if (cut_at_ && ops_ >= *cut_at_) {
    cut();
    return false;
  }
  return true;
}

void FaultVfs::cut() {
  powered_off_ = true;
  if (!torn_seed_) return;
  std::mt19937_64 rng(*torn_seed_);
  for (File* f : open_files_) FaultVfsAccess::apply(*f, [&] { return (rng() & 1) != 0; });
}

}  // namespace vigil::test
