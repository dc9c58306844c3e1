// kill -9 in the middle of appends: a child process appends in a loop and reports each id through a pipe
// once append() returned; the parent SIGKILLs it mid-stream; every reported id is in the reopened queue.
#include <array>
#include <map>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/temp_dir.hpp"
#include "store/durable_queue.hpp"
#include "store/test_db.hpp"
#include "store/test_records.hpp"

namespace vigil::store {
namespace VIGIL_TEST_FILE {

using io::test::TempDir;
using test::index_of;
using test::record;

struct Report {
  std::int64_t id;
  std::int64_t index;
};

[[noreturn]] void child(const std::filesystem::path& path, int out) {
  auto q = DurableQueue::open(path);
  if (!q) _exit(2);
  for (int i = 1;; ++i) {
    auto id = q->append(record(i));
    if (!id) _exit(3);
    const Report r{*id, i};
    if (write(out, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) _exit(4);
  }
}

TEST(DurableQueueKill, EveryReportedAppendSurvivesSigkill) {
  TempDir dir;
  const auto path = dir / "killed.db";
  for (int round = 0; round < 3; ++round) {  // the same file: ids must keep growing across kills
    SCOPED_TRACE("round " + std::to_string(round));
    std::array<int, 2> fds{};
    ASSERT_EQ(pipe(fds.data()), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child(path, fds[1]);
    }
    close(fds[1]);
    std::map<std::int64_t, std::int64_t> reported;
    auto read_one = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return false;
      Report r{};
      if (read(fds[0], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) return false;
      reported[r.id] = r.index;
      return true;
    };
    // Kill at a different depth each round, while the child is appending.
    const std::size_t kill_after = 150 + 70 * static_cast<std::size_t>(round);
    while (reported.size() < kill_after && read_one(30'000)) {
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited on its own: " << status;
    while (read_one(0)) {  // reports written before the kill
    }
    close(fds[0]);
    ASSERT_GE(reported.size(), kill_after);

    EXPECT_EQ(test::raw_text(path, "PRAGMA integrity_check"), "ok");
    auto q = DurableQueue::open(path);
    ASSERT_TRUE(q) << q.error().message;
    std::map<std::int64_t, std::vector<std::uint8_t>> present;
    auto rows = q->next_batch(100000, INT64_MAX);
    ASSERT_TRUE(rows) << rows.error().message;
    for (auto& r : *rows) {
      EXPECT_EQ(r.record.payload, record(index_of(r)).payload) << "id " << r.id;
      present[r.id] = std::move(r.record.payload);
    }
    for (auto [id, index] : reported) {
      ASSERT_TRUE(present.contains(id)) << "reported id " << id << " lost";
      EXPECT_EQ(present[id], record(static_cast<int>(index)).payload);
    }
    // Acknowledge this round's records: the next round starts from an empty queue whose ids go on.
    std::vector<std::int64_t> ids;
    for (const auto& [id, payload] : present) ids.push_back(id);
    ASSERT_TRUE(q->acknowledge(ids));
    EXPECT_GT(q->stats().value().last_id, reported.rbegin()->first - 1);
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::store
