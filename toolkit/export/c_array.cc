#include "toolkit/export/c_array.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "tinyforge/interpreter.h"
#include "toolkit/host/error.h"
#include "toolkit/host/model_file.h"
#include "toolkit/inspect/arena_figures.h"
#include "toolkit/tflite/metadata_json.h"

namespace tinyforge::host {
namespace {

// C11 and C++20 keywords plus a few names a header must not shadow.
constexpr std::array<std::string_view, 105> kReserved = {
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "atomic_cancel",
    "atomic_commit",
    "atomic_noexcept",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "class",
    "compl",
    "concept",
    "const",
    "consteval",
    "constexpr",
    "constinit",
    "const_cast",
    "continue",
    "co_await",
    "co_return",
    "co_yield",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "reflexpr",
    "register",
    "reinterpret_cast",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "synchronized",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
    "main",
    "NULL",
    "PROGMEM",
    "override",
    "final",
    "import",
    "module",
};

bool is_keyword(std::string_view name) {
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

bool ident_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return alpha || (!first && c >= '0' && c <= '9');
}

std::string shape_text(const TensorView& t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
  return s + "]";
}

// Text that may go inside a /* */ comment.
std::string comment_safe(std::string text) {
  for (size_t p = text.find("*/"); p != std::string::npos; p = text.find("*/"))
    text.replace(p, 2, "*_");
  return text;
}

// One line per tensor for the header's comment; names are kept out of comment syntax.
std::string tensor_line(const char* role, int i, const TensorView& t) {
  const std::string name = comment_safe(t.name);
  std::ostringstream out;
  out << " *   " << role << " " << i << ": " << name << " " << dtype_name(t.type) << " "
      << shape_text(t) << " (" << t.bytes() << " bytes)";
  if (t.is_quantized()) out << ", scale " << t.scale() << ", zero point " << t.zero_point();
  out << "\n";
  return out.str();
}

std::string array_body(const uint8_t* data, size_t size) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 6 + size / 12 * 4 + 16);
  for (size_t i = 0; i < size; ++i) {
    if (i % 12 == 0) out += "    ";
    out += "0x";
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
    out += ',';
    out += (i % 12 == 11 || i + 1 == size) ? '\n' : ' ';
  }
  return out;
}

// A float literal that is valid C and C++ ("1.0f", "0.0039215689f").
std::string c_float(float v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(v));
  std::string text = buffer;
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text + "f";
}

// A string literal: printable ASCII as it is, everything else as octal escapes.
std::string c_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c == '?') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\%03o", c);
      out += buffer;
    }
  }
  return out + "\"";
}

// One exported symbol: its extern declaration (for --source headers) and its definition.
struct Symbol {
  std::string declaration;
  std::string definition;
};

Symbol scalar(const std::string& type, const std::string& name, const std::string& value) {
  return {"extern const " + type + " " + name + ";\n",
          "const " + type + " " + name + " = " + value + ";\n"};
}

template <typename T, typename Format>
Symbol list(const std::string& type, const std::string& name, const std::vector<T>& values,
            Format format) {
  std::string body;
  for (size_t i = 0; i < values.size(); ++i) body += (i ? ", " : "") + format(values[i]);
  return {
      "extern const " + type + " " + name + "[" + std::to_string(values.size()) + "];\n",
      "const " + type + " " + name + "[" + std::to_string(values.size()) + "] = {" + body + "};\n"};
}

// The array's GCC/Clang attributes: its section and PROGMEM.
std::string attributes(const CArrayOptions& options) {
  std::string text;
  if (!options.section.empty()) text += " __attribute__((section(\"" + options.section + "\")))";
  if (options.progmem) text += " PROGMEM";
  return text;
}

std::string guard_for(const std::filesystem::path& header) {
  std::string guard = "TINYFORGE_MODEL_";
  for (char c : header.filename().string()) {
    guard +=
        ident_char(c, false) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  }
  return guard + "_";
}

}  // namespace

bool is_valid_c_identifier(std::string_view name) {
  if (name.empty() || name.front() == '_' || is_keyword(name)) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!ident_char(name[i], i == 0)) return false;
  }
  return name.find("__") == std::string_view::npos;
}

std::string c_identifier(std::string_view stem) {
  std::string id;
  for (char c : stem) {
    const char mapped = ident_char(c, false) ? c : '_';
    if (mapped == '_' && (id.empty() || id.back() == '_')) continue;  // no leading or double '_'
    id += mapped;
  }
  while (!id.empty() && id.back() == '_') id.pop_back();
  if (id.empty()) return "model_data";
  if (id.front() >= '0' && id.front() <= '9') id = "model_" + id;
  if (is_keyword(id)) id += "_model";
  return id;
}

std::string sha256_hex(const void* data, size_t size) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data, size) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    throw Error("sha256: OpenSSL EVP digest failed");
  }
  static const char* const kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

CArrayResult export_c_array(const std::filesystem::path& model, const std::filesystem::path& header,
                            const CArrayOptions& options) {
  const ModelFile file(model, /*allow_unrunnable=*/true);
  const Model& m = file.model();
  CArrayResult result;
  if (options.name.empty()) {
    result.identifier = c_identifier(model.stem().string());
  } else if (!is_valid_c_identifier(options.name)) {
    throw Error(
        "--name '" + options.name +
        "': expected a C/C++ identifier (letters, digits, '_'; not starting with a digit or "
        "'_', no '__', not a keyword)");
  } else {
    result.identifier = options.name;
  }
  if (options.section.find_first_of("\"\\\n") != std::string::npos) {
    throw Error("--section '" + options.section + "': expected a section name without quotes");
  }
  if (header.extension() == ".cc" || header.extension() == ".c") {
    throw Error(header.string() + ": expected a header name (.h), got a source file name");
  }
  result.bytes = file.bytes().size();
  result.sha256 = sha256_hex(file.bytes().data(), result.bytes);
  const std::string& id = result.identifier;

  std::vector<Symbol> symbols = {
      {"extern const unsigned char " + id + "[];\n",
       "alignas(16) const unsigned char " + id + "[]" + attributes(options) + " = {\n" +
           array_body(file.bytes().data(), result.bytes) + "};\n"},
      scalar("unsigned int", id + "_len", std::to_string(result.bytes))};

  std::ostringstream info;
  info << "/* " << model.filename().string()
       << " as a C array, written by tinyforge export c-array.\n"
       << " *   bytes:   " << result.bytes << "\n"
       << " *   sha256:  " << result.sha256 << "\n";
  for (int i = 0; i < m.num_inputs(); ++i)
    info << tensor_line("input ", i, m.tensor(m.input_tensor(i)));
  for (int i = 0; i < m.num_outputs(); ++i)
    info << tensor_line("output", i, m.tensor(m.output_tensor(i)));
  if (m.runnable()) {
    const DeviceArena device = device_arena(m, options.device_kernels, options.board);
    result.device_arena_bytes = device.bytes;
    info << " *   arena:   " << device.bytes << " bytes on a " << device_arena_label(device) << " ("
         << id << "_arena_bytes); " << plan_arena(m, host_plan_options()).total_bytes << " in the "
         << host_arena_label() << "\n";
    symbols.push_back(scalar("unsigned int", id + "_arena_bytes", std::to_string(device.bytes)));
  } else {
    info << " *   arena:   unknown: the runtime cannot run this model yet ("
         << comment_safe(file.unrunnable_reason()) << ")\n";
  }
  const TensorView input = m.tensor(m.input_tensor(0));
  if (input.num_scales == 1) {
    symbols.push_back(scalar("float", id + "_input_scale", c_float(input.scale())));
    symbols.push_back(scalar("int", id + "_input_zero_point", std::to_string(input.zero_point())));
  }
  std::optional<tflite::Metadata> metadata;
  try {
    const std::optional<std::string> text = tflite::find_metadata_json(
        *m.flatbuffer(), file.bytes().data(), file.bytes().size(), file.label());
    if (text) {
      info << " *   metadata (tinyforge): " << comment_safe(*text) << "\n";
      metadata = tflite::metadata_from_json(*text, file.label());
    }
  } catch (const Error& e) {
    info << " *   metadata: unreadable (" << comment_safe(e.what()) << ")\n";
  }
  if (metadata && !metadata->input_mean.empty() &&
      metadata->input_mean.size() == metadata->input_std.size()) {
    const std::string channels = std::to_string(metadata->input_mean.size());
    symbols.push_back(scalar("unsigned int", id + "_input_channels", channels));
    symbols.push_back(list("float", id + "_input_mean", metadata->input_mean, c_float));
    symbols.push_back(list("float", id + "_input_std", metadata->input_std, c_float));
    info << " * Input 0 takes the raw value x of channel c (the last dimension) as\n"
         << " *   " << (input.num_scales == 1 ? "q = round(" : "(") << "(x - " << id
         << "_input_mean[c]) / " << id << "_input_std[c]"
         << (input.num_scales == 1 ? " / " + id + "_input_scale) + " + id + "_input_zero_point"
                                   : ")")
         << "\n";
  }
  if (metadata && !metadata->labels.empty()) {
    symbols.push_back(
        scalar("unsigned int", id + "_num_labels", std::to_string(metadata->labels.size())));
    symbols.push_back(list("char* const", id + "_labels", metadata->labels, c_string));
    info << " * Output class k is named " << id << "_labels[k].\n";
  }
  info << " * The array is const and 16-byte aligned: it stays in flash and the runtime reads it "
          "in\n"
       << " * place (tinyforge::Model::load(" << id << ", " << id << "_len)).\n */\n";

  std::string preamble =
      "#if !defined(__cplusplus)\n#include <stdalign.h> /* alignas in C11 */\n#endif\n";
  if (options.progmem) {
    preamble +=
        "#if defined(__AVR__)\n#include <avr/pgmspace.h>\n#endif\n#ifndef PROGMEM\n#define "
        "PROGMEM\n"
        "#endif\n";
  }
  std::string declarations, definition;
  for (const Symbol& symbol : symbols) {
    declarations += symbol.declaration;
    definition += symbol.definition;
  }
  const std::string guard = guard_for(header);
  std::string h = info.str() + "#ifndef " + guard + "\n#define " + guard + "\n\n" + preamble + "\n";
  if (options.source) {
    h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" + declarations +
         "\n#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n";
  } else {
    h += "/* Defines the array: include this header in exactly one source file (or use --source). "
         "*/\n" +
         definition;
  }
  h += "\n#endif  /* " + guard + " */\n";
  write_file(header, h.data(), h.size());
  result.files.push_back(header);
  if (options.source) {
    std::filesystem::path source = header;
    source.replace_extension(".cc");
    const std::string cc = info.str() + "#include \"" + header.filename().string() +
                           "\"\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" + definition +
                           "\n#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n";
    write_file(source, cc.data(), cc.size());
    result.files.push_back(source);
  }
  return result;
}

}  // namespace tinyforge::host
