// docs/openapi.yaml as the tests read it: every operation as "METHOD /path role" (from x-vigil-role) and each
// schema's required fields. A small line parser that knows only the document's own layout (two-space
// indents, `required: [a, b]` lists), so the document stays the truth the code is checked against.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::hub::api::test {

struct OpenApi {
  std::set<std::string> operations;                          // "GET /api/v1/assets/{id} viewer"
  std::map<std::string, std::vector<std::string>> required;  // schema name → required fields
};

inline std::size_t indent(const std::string& line) { return line.find_first_not_of(' '); }

inline std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

inline OpenApi read_openapi(const std::filesystem::path& path) {
  std::ifstream in(path);
  OpenApi doc;
  std::string line, section, subsection, current_path, method, schema;
  while (std::getline(in, line)) {
    if (line.empty() || line.find_first_not_of(' ') == std::string::npos || trim(line).starts_with("#"))
      continue;
    const auto depth = indent(line);
    const auto text = trim(line);
    const auto colon = text.find(':');
    const auto key = text.substr(0, colon);
    if (depth == 0) section = key;
    if (section == "paths") {
      if (depth == 2) current_path = key, method.clear();
      if (depth == 4 &&
          (key == "get" || key == "post" || key == "put" || key == "patch" || key == "delete")) {
        method = key;
        for (auto& c : method) c = static_cast<char>(std::toupper(c));
      }
      if (depth == 6 && key == "x-vigil-role" && !method.empty())
        doc.operations.insert(method + " " + current_path + " " + trim(text.substr(colon + 1)));
    }
    if (section == "components") {
      if (depth == 2) subsection = key;
      if (subsection == "schemas" && depth == 4) schema = key;
      if (subsection == "schemas" && depth == 6 && key == "required") {
        auto list = trim(text.substr(colon + 1));
        EXPECT_TRUE(list.starts_with("[") && list.ends_with("]")) << line;
        std::stringstream fields(list.substr(1, list.size() - 2));
        for (std::string field; std::getline(fields, field, ',');)
          doc.required[schema].push_back(trim(field));
      }
    }
  }
  return doc;
}

inline const OpenApi& openapi_document() {
  static const OpenApi doc = read_openapi(std::filesystem::path(VIGIL_SOURCE_DIR) / "docs" / "openapi.yaml");
  return doc;
}

}  // namespace vigil::hub::api::test
