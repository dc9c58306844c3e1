#include "config/toml_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace vigil::config {

Section section(std::vector<Problem>& problems, const toml::table& root, std::string_view name) {
  const toml::node* n = root.get(name);
  if (n && !n->is_table()) {
    problems.push_back({std::string(name), line_of(n), "expected a table ([" + std::string(name) + "])"});
    return Section(problems, nullptr, std::string(name));
  }
  return Section(problems, n ? n->as_table() : nullptr, std::string(name));
}

std::vector<Section> sections(std::vector<Problem>& problems, const toml::table& root,
                              std::string_view name) {
  std::vector<Section> out;
  const toml::node* n = root.get(name);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables()) {
    problems.push_back(
        {std::string(name), line_of(n), "expected an array of tables ([[" + std::string(name) + "]])"});
    return out;
  }
  for (std::size_t i = 0; i < a->size(); ++i)
    out.emplace_back(problems, (*a)[i].as_table(), fmt::format("{}[{}]", name, i));
  return out;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  if (p.empty()) return {};
  std::filesystem::path path(p);
  return path.is_absolute() ? path : base / path;
}

std::optional<toml::table> parse_text(std::string_view toml_text, const std::filesystem::path& file,
                                      std::vector<Problem>& problems) {
  try {
    return toml::parse(toml_text, file.string());
  } catch (const toml::parse_error& e) {
    problems.push_back({"", static_cast<int>(e.source().begin.line), std::string(e.description())});
    return std::nullopt;
  }
}

bool read_file(const std::filesystem::path& file, std::string& text, std::vector<Problem>& problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back({"", 0, "cannot open the file"});
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = std::move(buffer).str();
  // A configuration is a few kilobytes; refuse anything absurd before parsing it.
  constexpr std::size_t k_max_bytes = 1 << 20;
  if (text.size() > k_max_bytes) {
    problems.push_back(
        {"", 0,
         fmt::format("{} bytes, more than the {} a configuration may have", text.size(), k_max_bytes)});
    return false;
  }
  return true;
}

void sort_by_line(std::vector<Problem>& problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
}

std::string format_problems(const std::filesystem::path& file, const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += file.string();
    if (p.line > 0) out += fmt::format(":{}", p.line);
    out += ": ";
    if (!p.key.empty()) out += p.key + ": ";
    out += p.why;
  }
  return out;
}

}  // namespace vigil::config
