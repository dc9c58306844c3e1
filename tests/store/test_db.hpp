// Test helpers for the stores: raw SQL through the sqlite3 API (outside the code under test).
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace vigil::store::test {

// Runs `sql` on the file with a fresh connection of the default VFS; fails the test on an error.
inline void raw_exec(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(raw);
}

// The first column of the first row of `sql` as text ("" when no row).
inline std::string raw_text(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  std::string out;
  if (sqlite3_open(db.c_str(), &raw) != SQLITE_OK) return "cannot open";
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(s, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return out;
}

}  // namespace vigil::store::test
