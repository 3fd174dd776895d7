#include "toolkit/report/report_page.h"

#include "toolkit/report/svg_chart.h"

namespace tinyforge::report {
namespace {

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px; color: #222; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: 6px 0; }
nav a { margin-right: 14px; color: #0072b2; text-decoration: none; }
section { border-bottom: 1px solid #eee; padding-bottom: 12px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th[data-sort] { cursor: pointer; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
svg.chart { background: #fafafa; border: 1px solid #eee; max-width: 100%; height: auto; }
svg .chart-title { font-weight: bold; text-anchor: middle; font-size: 13px; }
svg .tick, svg .legend, svg .axis-label { font-size: 11px; fill: #444; }
svg .cell { font-size: 10px; fill: #111; }
svg .grid { stroke: #e4e4e4; }
.missing { color: #a0522d; }
.meter { display: inline-block; width: 120px; height: 10px; background: #eee; margin-right: 6px; }
.meter div { height: 10px; background: #009e73; }
)";

// Sortable tables: a click on a header sorts by that column (numbers as numbers).
constexpr const char* kScript = R"(
document.documentElement.dataset.js = 'ran';
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, column) {
    th.dataset.sort = '';
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var down = th.dataset.sort !== 'down';
      rows.sort(function (a, b) {
        var x = a.cells[column] ? a.cells[column].textContent : '';
        var y = b.cells[column] ? b.cells[column].textContent : '';
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return down ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      th.dataset.sort = down ? 'down' : 'up';
    });
  });
});
)";

}  // namespace

void Page::section(const std::string& id, const std::string& heading, const std::string& body) {
  toc_.emplace_back(id, heading);
  body_ += "<section id=\"" + id + "\"><h2>" + escape(heading) + "</h2>" + body + "</section>\n";
}

void Page::embed_json(const std::string& id, const nlohmann::json& doc) {
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  data_ += "<script type=\"application/json\" id=\"" + id + "\">";
  // "</" would end the script element early; JSON reads "<\/" as "</".
  for (size_t i = 0; i < text.size(); ++i) {
    data_ += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') data_ += '\\';
  }
  data_ += "</script>\n";
}

std::string Page::html() const {
  std::string nav;
  for (const auto& [id, heading] : toc_)
    nav += "<a href=\"#" + id + "\">" + escape(heading) + "</a>";
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"generator\" content=\"tinyforge report\"><title>" +
         escape(title_) + "</title><style>" + kStyle + "</style></head>\n<body><h1>" +
         escape(title_) + "</h1><nav>" + nav + "</nav>\n" + body_ + data_ + "<script>" + kScript +
         "</script></body></html>\n";
}

}  // namespace tinyforge::report
