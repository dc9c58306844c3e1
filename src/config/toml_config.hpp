// Reading a TOML configuration file so that every problem is reported at once, each naming the file, the
// line, the dotted key and why ("edge.toml:12: asset[1].bearing: unknown bearing '6205X'"): the shared part
// of edge.toml and hub.toml. Include only from the .cpp that reads a configuration (toml++ is large).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "config/problem.hpp"
// Debian builds toml++ as a shared library with exceptions: parse errors are caught in parse_file_text.
#include <toml++/toml.h>

namespace vigil::config {

inline constexpr double k_inf = std::numeric_limits<double>::infinity();

inline int line_of(const toml::node* n) { return n ? static_cast<int>(n->source().begin.line) : 0; }

// A path from the file, relative to `base` (the file's folder) unless absolute; empty stays empty.
std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p);

// One table of the file, read key by key; every problem lands in `problems`, unknown keys included.
class Section {
 public:
  Section(std::vector<Problem>& problems, const toml::table* table, std::string prefix)
      : problems_(problems), table_(table), prefix_(std::move(prefix)) {}

  bool present() const { return table_ != nullptr; }
  int line() const { return line_of(table_); }

  void problem(std::string_view key, std::string why) {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    problems_.push_back({path(key), n ? line_of(n) : line_of(table_), std::move(why)});
  }

  void text(std::string_view key, std::string& out, bool required = false) {
    const toml::node* n = find(key, required);
    if (!n) return;
    if (auto v = n->value<std::string>()) {
      out = *v;
    } else {
      problem(key, fmt::format("expected a string, found {}", type_name(*n)));
    }
  }

  // A path to a file (certificate, key, model bundle), resolved against `base`; when set, it must name a
  // regular file.
  void file(std::string_view key, const std::filesystem::path& base, std::filesystem::path& out) {
    std::string p;
    text(key, p);
    out = resolve(base, p);
    std::error_code ec;
    if (!out.empty() && !std::filesystem::is_regular_file(out, ec))
      problem(key, fmt::format("{} is not a readable file", out.string()));
  }

  void flag(std::string_view key, bool& out) {
    const toml::node* n = find(key, false);
    if (!n) return;
    if (auto v = n->value_exact<bool>()) {
      out = *v;
    } else {
      problem(key, fmt::format("expected true or false, found {}", type_name(*n)));
    }
  }

  void number(std::string_view key, double& out, double lo, double hi, bool required = false) {
    const toml::node* n = find(key, required);
    if (!n) return;
    if (!n->is_number()) {
      problem(key, fmt::format("expected a number, found {}", type_name(*n)));
      return;
    }
    const double v = *n->value<double>();
    if (!(v >= lo && v <= hi)) {
      problem(key, hi == k_inf ? fmt::format("{} is out of range, expected at least {}", v, lo)
                               : fmt::format("{} is out of range, expected {} to {}", v, lo, hi));
      return;
    }
    out = v;
  }

  template <typename Int>
  void integer(std::string_view key, Int& out, std::int64_t lo, std::int64_t hi, bool required = false) {
    const toml::node* n = find(key, required);
    if (!n) return;
    auto v = n->value_exact<std::int64_t>();
    if (!v) {
      problem(key, fmt::format("expected an integer, found {}", type_name(*n)));
      return;
    }
    if (*v < lo || *v > hi) {
      problem(key, fmt::format("{} is out of range, expected {} to {}", *v, lo, hi));
      return;
    }
    out = static_cast<Int>(*v);
  }

  // Reports every key of this table that is not in `known` (a typo must not be silently ignored).
  void refuse_unknown(std::initializer_list<std::string_view> known) {
    if (!table_) return;
    for (const auto& [k, n] : *table_) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
        problems_.push_back({path(k.str()), line_of(&n), "unknown key"});
      }
    }
  }

  // A sub-table ([asset.geometry]); absent when the key is missing (or a problem when it is not a table).
  Section child(std::string_view key) {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    if (n && !n->is_table()) {
      problem(key, "expected a table");
      n = nullptr;
    }
    return Section(problems_, n ? n->as_table() : nullptr, path(key));
  }

  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  const toml::table* table() const { return table_; }

 private:
  const toml::node* find(std::string_view key, bool required) {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    if (!n && required) problems_.push_back({path(key), line_of(table_), "missing (required)"});
    return n;
  }
  static std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a number";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::table:
        return "a table";
      case toml::node_type::array:
        return "an array";
      default:
        return "a date or time";
    }
  }

  std::vector<Problem>& problems_;
  const toml::table* table_;
  std::string prefix_;
};

// A Sparkplug id (group, edge node, device, host) or asset id as configured: it becomes an MQTT topic level,
// so no '/', '+', '#', nothing empty, unprintable or beyond printable ASCII, at most 64 bytes.
inline bool is_topic_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c != '/' && c != '+' && c != '#' && static_cast<unsigned char>(c) < 0x7f;
  });
}

// The table [name] of the root (absent: an empty Section; not a table: a problem).
Section section(std::vector<Problem>& problems, const toml::table& root, std::string_view name);
// The tables of an array of tables ([[asset]]), each with its indexed prefix "asset[0]".
std::vector<Section> sections(std::vector<Problem>& problems, const toml::table& root, std::string_view name);

// Parses the text; nullopt with the parse error in `problems`.
std::optional<toml::table> parse_text(std::string_view toml_text, const std::filesystem::path& file,
                                      std::vector<Problem>& problems);
// Reads the file (at most 1 MiB) into `text`; false with the reason in `problems`.
bool read_file(const std::filesystem::path& file, std::string& text, std::vector<Problem>& problems);

// Sorts the problems by line (stable).
void sort_by_line(std::vector<Problem>& problems);

}  // namespace vigil::config
