// The HTML document around the report's sections: one file with its CSS and a small script
// inline, a Content-Security-Policy that forbids every network request, and a table of contents.
// The page reads fully without the script, which only makes tables sortable.
#ifndef TINYFORGE_TOOLKIT_REPORT_REPORT_PAGE_H_
#define TINYFORGE_TOOLKIT_REPORT_REPORT_PAGE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::report {

class Page {
 public:
  explicit Page(std::string title) : title_(std::move(title)) {}
  // <section id="ID"> with an <h2> and `body` (trusted HTML).
  void section(const std::string& id, const std::string& heading, const std::string& body);
  // A JSON document the page's numbers came from: <script type="application/json" id="ID">.
  void embed_json(const std::string& id, const nlohmann::json& doc);
  std::string html() const;

 private:
  std::string title_;
  std::vector<std::pair<std::string, std::string>> toc_;
  std::string body_;
  std::string data_;
};

}  // namespace tinyforge::report

#endif  // TINYFORGE_TOOLKIT_REPORT_REPORT_PAGE_H_
