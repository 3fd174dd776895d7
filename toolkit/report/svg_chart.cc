#include "toolkit/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace tinyforge::report {
namespace {

constexpr int kWidth = 560;
constexpr int kHeight = 300;
constexpr int kLeft = 64;
constexpr int kRight = 16;
constexpr int kTop = 36;
constexpr int kBottom = 48;
// Colour-blind safe (Okabe-Ito).
const char* const kColors[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"};

const char* color(size_t i) { return kColors[i % (sizeof(kColors) / sizeof(kColors[0]))]; }

std::string open_svg(const std::string& title, int width, int height) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " << width << " "
    << height << "\" width=\"" << width << "\" height=\"" << height
    << "\" role=\"img\" aria-label=\"" << escape(title) << "\"><title>" << escape(title)
    << "</title><text class=\"chart-title\" x=\"" << width / 2 << "\" y=\"20\">" << escape(title)
    << "</text>";
  return s.str();
}

// Round numbers for the axis: 0 .. top, top a 1/2/5 multiple of a power of ten.
double nice_top(double max) {
  if (max <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(max)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

std::string y_axis(double low, double high, const std::string& label) {
  std::ostringstream s;
  const int plot_height = kHeight - kTop - kBottom;
  for (int i = 0; i <= 4; ++i) {
    const double v = low + (high - low) * i / 4;
    const double y = kHeight - kBottom - plot_height * i / 4.0;
    s << "<line class=\"grid\" x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << y
      << "\" y2=\"" << y << "\"/><text class=\"tick\" x=\"" << kLeft - 6 << "\" y=\"" << y + 4
      << "\" text-anchor=\"end\">" << format_number(v, 3) << "</text>";
  }
  s << "<text class=\"axis-label\" transform=\"translate(14," << kTop + plot_height / 2
    << ") rotate(-90)\" text-anchor=\"middle\">" << escape(label) << "</text>";
  return s.str();
}

std::string legend(const std::vector<Series>& series) {
  std::ostringstream s;
  int x = kLeft;
  for (size_t i = 0; i < series.size(); ++i) {
    s << "<rect x=\"" << x << "\" y=\"" << kHeight - 16 << "\" width=\"10\" height=\"10\" fill=\""
      << color(i) << "\"/><text class=\"legend\" x=\"" << x + 14 << "\" y=\"" << kHeight - 7
      << "\">" << escape(series[i].name) << "</text>";
    x += 24 + 7 * static_cast<int>(series[i].name.size());
  }
  return s.str();
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_number(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*g", digits, value);
  return text;
}

std::string data_attributes(const Value& v) {
  if (v.src.empty()) return "";
  char full[64];
  std::snprintf(full, sizeof(full), "%.17g", v.value);
  return " data-src=\"" + escape(v.src) + "\" data-value=\"" + full + "\"";
}

std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series) {
  size_t n = 0;
  double max = 0;
  for (const auto& line : series) {
    n = std::max(n, line.values.size());
    for (const auto& v : line.values) max = std::max(max, v.value);
  }
  const double top = nice_top(max);
  const int plot_width = kWidth - kLeft - kRight;
  const int plot_height = kHeight - kTop - kBottom;
  auto x_of = [&](size_t i) {
    return kLeft + (n <= 1 ? plot_width / 2.0 : plot_width * static_cast<double>(i) / (n - 1));
  };
  auto y_of = [&](double v) { return kHeight - kBottom - plot_height * v / top; };
  std::ostringstream s;
  s << open_svg(title, kWidth, kHeight) << y_axis(0, top, y_label);
  for (size_t i = 0; i < n; ++i) {
    s << "<text class=\"tick\" x=\"" << x_of(i) << "\" y=\"" << kHeight - kBottom + 16
      << "\" text-anchor=\"middle\">" << i + 1 << "</text>";
  }
  s << "<text class=\"axis-label\" x=\"" << kLeft + plot_width / 2 << "\" y=\"" << kHeight - 20
    << "\" text-anchor=\"middle\">" << escape(x_label) << "</text>";
  for (size_t k = 0; k < series.size(); ++k) {
    std::ostringstream points;
    for (size_t i = 0; i < series[k].values.size(); ++i)
      points << x_of(i) << "," << y_of(series[k].values[i].value) << " ";
    s << "<polyline fill=\"none\" stroke=\"" << color(k) << "\" stroke-width=\"2\" points=\""
      << points.str() << "\"/>";
    for (size_t i = 0; i < series[k].values.size(); ++i) {
      const Value& v = series[k].values[i];
      s << "<circle class=\"point\" cx=\"" << x_of(i) << "\" cy=\"" << y_of(v.value)
        << "\" r=\"3.5\" fill=\"" << color(k) << "\"" << data_attributes(v) << "><title>"
        << escape(series[k].name) << ", " << i + 1 << ": " << format_number(v.value)
        << "</title></circle>";
    }
  }
  s << legend(series) << "</svg>";
  return s.str();
}

std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<Series>& series) {
  double max = 0;
  for (const auto& bars : series)
    for (const auto& v : bars.values) max = std::max(max, v.value);
  const double top = nice_top(max);
  const int plot_width = kWidth - kLeft - kRight;
  const int plot_height = kHeight - kTop - kBottom;
  const double group = categories.empty() ? plot_width : plot_width / double(categories.size());
  const double bar = group * 0.8 / std::max<size_t>(1, series.size());
  std::ostringstream s;
  s << open_svg(title, kWidth, kHeight) << y_axis(0, top, "");
  for (size_t c = 0; c < categories.size(); ++c) {
    const double x0 = kLeft + group * c + group * 0.1;
    s << "<text class=\"tick\" x=\"" << x0 + group * 0.4 << "\" y=\"" << kHeight - kBottom + 14
      << "\" text-anchor=\"middle\">" << escape(categories[c].substr(0, 10)) << "</text>";
    for (size_t k = 0; k < series.size(); ++k) {
      if (c >= series[k].values.size()) continue;
      const Value& v = series[k].values[c];
      const double h = plot_height * std::max(0.0, v.value) / top;
      s << "<rect class=\"bar\" x=\"" << x0 + bar * k << "\" y=\"" << kHeight - kBottom - h
        << "\" width=\"" << bar << "\" height=\"" << h << "\" fill=\"" << color(k) << "\""
        << data_attributes(v) << "><title>" << escape(categories[c]) << ", "
        << escape(series[k].name) << ": " << format_number(v.value) << "</title></rect>";
    }
  }
  s << legend(series) << "</svg>";
  return s.str();
}

std::string matrix_chart(const std::string& title, const std::vector<std::string>& labels,
                         const std::vector<std::vector<Value>>& matrix) {
  const size_t n = matrix.size();
  const int cell = n > 12 ? 24 : 36;
  const int left = 100;
  const int top = 40;
  // Wide enough for the title even with two classes.
  const int size = std::max(280, left + cell * static_cast<int>(n) + 10);
  std::ostringstream s;
  s << open_svg(title, size, top + cell * static_cast<int>(n) + 90);
  for (size_t r = 0; r < n; ++r) {
    double row_sum = 0;
    for (const auto& v : matrix[r]) row_sum += v.value;
    const std::string label = r < labels.size() ? labels[r] : std::to_string(r);
    s << "<text class=\"tick\" x=\"" << left - 4 << "\" y=\"" << top + cell * r + cell / 2 + 4
      << "\" text-anchor=\"end\">" << escape(label.substr(0, 14)) << "</text>";
    for (size_t c = 0; c < matrix[r].size(); ++c) {
      const Value& v = matrix[r][c];
      const double share = row_sum > 0 ? v.value / row_sum : 0;
      const int x = left + cell * static_cast<int>(c);
      const int y = top + cell * static_cast<int>(r);
      s << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell
        << "\" fill=\"" << (r == c ? "#0072b2" : "#d55e00") << "\" fill-opacity=\""
        << format_number(0.08 + 0.92 * share, 3) << "\"><title>true " << escape(label)
        << ", predicted " << escape(c < labels.size() ? labels[c] : std::to_string(c)) << ": "
        << format_number(v.value, 10) << "</title></rect><text class=\"cell\" x=\"" << x + cell / 2
        << "\" y=\"" << y + cell / 2 + 4 << "\" text-anchor=\"middle\"" << data_attributes(v) << ">"
        << format_number(v.value, 10) << "</text>";
    }
  }
  for (size_t c = 0; c < n; ++c) {
    const std::string label = c < labels.size() ? labels[c] : std::to_string(c);
    const int x = left + cell * static_cast<int>(c) + cell / 2;
    const int y = top + cell * static_cast<int>(n) + 6;
    s << "<text class=\"tick\" transform=\"translate(" << x << "," << y << ") rotate(60)\">"
      << escape(label.substr(0, 14)) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

std::string roc_chart(const std::string& title, const std::vector<RocSeries>& curves) {
  const int plot = 240;  // square, so the diagonal is at 45 degrees
  const int legend_x = kLeft + plot + 24;
  const int width = legend_x + 200;
  const int height = kTop + plot + kBottom;
  auto x_of = [&](double fpr) { return kLeft + plot * fpr; };
  auto y_of = [&](double tpr) { return kTop + plot * (1 - tpr); };
  std::ostringstream s;
  s << open_svg(title, width, height);
  for (int i = 0; i <= 4; ++i) {
    const double v = i / 4.0;
    s << "<line class=\"grid\" x1=\"" << kLeft << "\" x2=\"" << kLeft + plot << "\" y1=\""
      << y_of(v) << "\" y2=\"" << y_of(v) << "\"/><text class=\"tick\" x=\"" << kLeft - 6
      << "\" y=\"" << y_of(v) + 4 << "\" text-anchor=\"end\">" << format_number(v)
      << "</text><text class=\"tick\" x=\"" << x_of(v) << "\" y=\"" << kTop + plot + 16
      << "\" text-anchor=\"middle\">" << format_number(v) << "</text>";
  }
  s << "<line x1=\"" << x_of(0) << "\" y1=\"" << y_of(0) << "\" x2=\"" << x_of(1) << "\" y2=\""
    << y_of(1) << "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>";
  // Room for one legend line per 16 px; the rest are named by their tooltips.
  const size_t legend_lines = static_cast<size_t>(plot / 16);
  for (size_t k = 0; k < curves.size(); ++k) {
    const RocSeries& c = curves[k];
    std::ostringstream points;
    for (size_t i = 0; i < c.fpr.size() && i < c.tpr.size(); ++i)
      points << format_number(x_of(c.fpr[i]), 5) << "," << format_number(y_of(c.tpr[i]), 5) << " ";
    const std::string label = c.name + " (AUC " + format_number(c.auc.value, 3) + ")";
    s << "<polyline class=\"roc\" fill=\"none\" stroke=\"" << color(k)
      << "\" stroke-width=\"1.5\" points=\"" << points.str() << "\"" << data_attributes(c.auc)
      << "><title>" << escape(label) << "</title></polyline>";
    if (k < legend_lines) {
      const int y = kTop + 10 + 16 * static_cast<int>(k);
      s << "<rect x=\"" << legend_x << "\" y=\"" << y - 9 << "\" width=\"10\" height=\"10\" fill=\""
        << color(k) << "\"/><text class=\"legend\" x=\"" << legend_x + 14 << "\" y=\"" << y << "\">"
        << escape(label.size() > 28 ? label.substr(0, 28) : label) << "</text>";
    }
  }
  if (curves.size() > legend_lines) {
    s << "<text class=\"legend\" x=\"" << legend_x << "\" y=\"" << kTop + 10 + 16 * legend_lines
      << "\">+" << curves.size() - legend_lines << " more (hover a curve)</text>";
  }
  s << "<text class=\"axis-label\" x=\"" << kLeft + plot / 2 << "\" y=\"" << height - 14
    << "\" text-anchor=\"middle\">false-positive rate</text><text class=\"axis-label\" "
       "transform=\"translate(14,"
    << kTop + plot / 2 << ") rotate(-90)\" text-anchor=\"middle\">true-positive rate</text></svg>";
  return s.str();
}

std::string spectrogram_chart(const std::string& title, const std::vector<double>& values,
                              int frames, int channels) {
  const int cell_width = std::max(2, 640 / std::max(1, frames));
  const int cell_height = std::max(2, 240 / std::max(1, channels));
  const int width = kLeft + cell_width * frames + kRight;
  const int height = kTop + cell_height * channels + kBottom;
  double low = values.empty() ? 0 : values[0], high = low;
  for (double v : values) {
    low = std::min(low, v);
    high = std::max(high, v);
  }
  std::ostringstream s;
  s << open_svg(title, width, height) << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\""
    << cell_width * frames << "\" height=\"" << cell_height * channels << "\" fill=\"#000\"/>";
  for (int f = 0; f < frames; ++f) {
    for (int c = 0; c < channels; ++c) {
      const double v = values[static_cast<size_t>(f) * channels + c];
      const double share = high > low ? (v - low) / (high - low) : 0;
      s << "<rect class=\"bin\" x=\"" << kLeft + f * cell_width << "\" y=\""
        << kTop + (channels - 1 - c) * cell_height << "\" width=\"" << cell_width << "\" height=\""
        << cell_height << "\" fill=\"#e69f00\" fill-opacity=\"" << format_number(share, 2)
        << "\"/>";
    }
  }
  s << "<text class=\"axis-label\" x=\"" << kLeft + cell_width * frames / 2 << "\" y=\""
    << height - 20 << "\" text-anchor=\"middle\">frame (" << frames << "), shade from "
    << format_number(low) << " to " << format_number(high)
    << "</text><text class=\"axis-label\" transform=\"translate(14,"
    << kTop + cell_height * channels / 2
    << ") rotate(-90)\" text-anchor=\"middle\">channel</text></svg>";
  return s.str();
}

std::string timeline_chart(const std::string& title, const std::vector<TensorSpan>& spans,
                           int steps, size_t arena_bytes, int peak_step) {
  const int width = 720;
  const int height = 360;
  const int plot_width = width - kLeft - kRight;
  const int plot_height = height - kTop - kBottom;
  const double top = std::max<double>(1, arena_bytes);
  auto x_of = [&](double step) { return kLeft + plot_width * step / std::max(1, steps); };
  auto y_of = [&](double bytes) { return height - kBottom - plot_height * bytes / top; };
  std::ostringstream s;
  s << open_svg(title, width, height);
  for (int i = 0; i <= 4; ++i) {
    const double bytes = top * i / 4;
    s << "<line class=\"grid\" x1=\"" << kLeft << "\" x2=\"" << width - kRight << "\" y1=\""
      << y_of(bytes) << "\" y2=\"" << y_of(bytes) << "\"/><text class=\"tick\" x=\"" << kLeft - 6
      << "\" y=\"" << y_of(bytes) + 4 << "\" text-anchor=\"end\">"
      << format_number(std::round(bytes), 10) << "</text>";
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    const TensorSpan& t = spans[i];
    const double y = y_of(static_cast<double>(t.offset + t.bytes));
    s << "<rect class=\"tensor\" x=\"" << x_of(t.first) << "\" y=\"" << y << "\" width=\""
      << std::max(1.0, x_of(t.last + 1) - x_of(t.first)) << "\" height=\""
      << std::max(1.0, y_of(static_cast<double>(t.offset)) - y) << "\" fill=\"" << color(i)
      << "\" fill-opacity=\"0.7\" stroke=\"#333\" stroke-width=\"0.5\"><title>" << escape(t.name)
      << ": " << t.bytes << " bytes at offset " << t.offset << ", steps " << t.first << "-"
      << t.last << "</title></rect>";
  }
  if (peak_step >= 0) {
    s << "<line class=\"peak\" x1=\"" << x_of(peak_step + 0.5) << "\" x2=\""
      << x_of(peak_step + 0.5) << "\" y1=\"" << kTop << "\" y2=\"" << height - kBottom
      << "\" stroke=\"#d55e00\" stroke-dasharray=\"4 3\"/><text class=\"tick\" x=\""
      << x_of(peak_step + 0.5) + 4 << "\" y=\"" << kTop + 10 << "\">peak</text>";
  }
  s << "<text class=\"axis-label\" x=\"" << kLeft + plot_width / 2 << "\" y=\"" << height - 20
    << "\" text-anchor=\"middle\">operator (execution order)</text>"
    << "<text class=\"axis-label\" transform=\"translate(14," << kTop + plot_height / 2
    << ") rotate(-90)\" text-anchor=\"middle\">arena offset (bytes)</text></svg>";
  return s.str();
}

}  // namespace tinyforge::report
