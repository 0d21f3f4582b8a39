// render_policy: the effective policy as TOML that parses back to the same values, each value
// annotated with its origin (`cordon policy show`).
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/loader.h"

namespace cordon::policy {
namespace {

// A TOML basic string.
std::string quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A key as TOML reads it back: bare when it can be, else quoted (a host name's dots would
// otherwise make nested tables).
std::string table_key(const std::string& name) {
  bool bare = !name.empty();
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) bare = false;
  }
  return bare ? name : quote(name);
}

// Shortest text that reads back as the same double.
std::string format_double(double value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

class Writer {
 public:
  void section(const char* name) { out_ += std::string("\n[") + name + "]\n"; }

  void value(const char* key, const std::string& toml_value, const Origin& origin) {
    out_ += std::string(key) + " = " + toml_value + comment(origin);
  }

  template <class E>
  void enumerated(const char* key, const Setting<E>& setting) {
    value(key, quote(to_string(setting.value)), setting.origin);
  }

  // One entry per line, so long lists of paths stay readable.
  void list(const char* key, const Setting<std::vector<std::string>>& setting) {
    if (setting.value.empty()) {
      value(key, "[]", setting.origin);
      return;
    }
    out_ += std::string(key) + " = [" + comment(setting.origin);
    for (const auto& entry : setting.value) out_ += "  " + quote(entry) + ",\n";
    out_ += "]\n";
  }

  void table(const char* key, const Setting<std::map<std::string, std::string>>& setting) {
    std::string inline_table = "{";
    for (const auto& [name, val] : setting.value) {
      inline_table += (inline_table.size() > 1 ? ", " : " ") + table_key(name) + " = " + quote(val);
    }
    inline_table += setting.value.empty() ? "}" : " }";
    value(key, inline_table, setting.origin);
  }

  template <class T, class Format>
  void limit(const char* key, const Setting<std::optional<T>>& setting, Format format) {
    value(key, setting.value ? format(*setting.value) : quote("none"), setting.origin);
  }

  void comment_line(const std::string& text) { out_ += "# " + text + "\n"; }
  void raw(const std::string& text) { out_ += text; }
  std::string take() { return std::move(out_); }

 private:
  static std::string comment(const Origin& origin) {
    return "  # from " + origin.describe() + "\n";
  }
  std::string out_;
};

std::string size_value(uint64_t bytes) { return quote(format_size(bytes)); }
std::string duration_value(uint64_t seconds) { return quote(format_duration(seconds)); }
std::string count_value(uint64_t n) { return std::to_string(n); }

void write_filesystem(Writer& w, const FilesystemPolicy& fs) {
  w.section("filesystem");
  w.enumerated("workspace", fs.workspace);
  w.enumerated("home", fs.home);
  w.list("read", fs.read_paths);
  w.list("write", fs.write_paths);
  w.list("hide", fs.hidden_paths);
  w.list("protect", fs.protected_paths);
  w.value("tmp_size", size_value(fs.tmp_size_bytes.value), fs.tmp_size_bytes.origin);
  w.enumerated("landlock", fs.landlock);
}

void write_environment(Writer& w, const EnvironmentPolicy& env) {
  w.section("environment");
  w.list("pass", env.pass);
  w.table("set", env.set);
}

void write_resources(Writer& w, const ResourcePolicy& r) {
  w.section("resources");
  w.limit("memory", r.memory_bytes, size_value);
  w.enumerated("memory_fallback", r.memory_fallback);
  w.limit("pids", r.pids, count_value);
  w.limit("cpus", r.cpus, format_double);
  w.limit("open_files", r.open_files, count_value);
  w.limit("timeout", r.timeout_seconds, duration_value);
}

void write_network(Writer& w, const NetworkPolicy& net) {
  w.section("network");
  w.enumerated("mode", net.mode);
  w.list("allow", net.allow);
  w.list("deny", net.deny);
  w.list("allow_cidr", net.allow_cidr);
  w.table("resolve", net.resolve);
  w.list("forward", net.forward);
  w.list("loopback_ports", net.loopback_ports);
}

std::string string_list(const std::vector<std::string>& entries) {
  std::string out = "[";
  for (const auto& entry : entries) out += (out.size() > 1 ? ", " : "") + quote(entry);
  return out + "]";
}

// Each rule as the [[gate.rule]] table it was written as, with its FILE:LINE; empty keys are
// left out.
void write_rule(Writer& w, const gate::RuleSpec& rule) {
  w.raw("\n[[gate.rule]]  # from " + rule.origin + "\n");
  w.raw("name = " + quote(rule.name) + "\n");
  if (!rule.program.empty()) w.raw("program = " + string_list(rule.program) + "\n");
  if (!rule.args.empty()) w.raw("args = " + string_list(rule.args) + "\n");
  if (!rule.any_arg.empty()) w.raw("any_arg = " + string_list(rule.any_arg) + "\n");
  if (!rule.cwd.empty()) w.raw("cwd = " + quote(rule.cwd) + "\n");
  if (!rule.paths.empty()) w.raw("paths = " + string_list(rule.paths) + "\n");
  w.raw("action = " + quote(gate::to_string(rule.action)) + "\n");
  if (!rule.reason.empty()) w.raw("reason = " + quote(rule.reason) + "\n");
  if (!rule.match.empty()) w.raw("match = " + string_list(rule.match) + "\n");
  if (!rule.not_match.empty()) w.raw("not_match = " + string_list(rule.not_match) + "\n");
}

void write_gate(Writer& w, const GatePolicy& gate) {
  w.section("gate");
  w.enumerated("ask_at", gate.ask_at);
  w.value("reviewers", std::to_string(gate.reviewers.value), gate.reviewers.origin);
  w.value("timeout", duration_value(gate.timeout_seconds.value), gate.timeout_seconds.origin);
  if (gate.unsafe_disabled.value) {
    w.value("unsafe_disabled", "true", gate.unsafe_disabled.origin);
  }
  if (gate.rules.value.empty()) w.comment_line("no [[gate.rule]] entries");
  for (const auto& rule : gate.rules.value) write_rule(w, rule);
}

void write_audit(Writer& w, const AuditPolicy& audit) {
  w.section("audit");
  w.value("store", quote(audit.store.value), audit.store.origin);
  w.value("key", quote(audit.key.value), audit.key.origin);
  w.value("checkpoint_every", std::to_string(audit.checkpoint_every.value),
          audit.checkpoint_every.origin);
  w.value("writer_linger", duration_value(audit.writer_linger_seconds.value),
          audit.writer_linger_seconds.origin);
}

}  // namespace

std::string render_policy(const Policy& policy) {
  Writer w;
  w.comment_line("The effective cordon policy; each value says where it came from.");
  std::string sources = "built-in profile";
  for (const auto& source : policy.sources) sources += ", then " + source;
  w.comment_line("Layers: " + sources + ".");
  w.enumerated("profile", policy.profile);
  write_filesystem(w, policy.filesystem);
  write_environment(w, policy.environment);
  write_resources(w, policy.resources);
  write_network(w, policy.network);
  write_gate(w, policy.gate);
  write_audit(w, policy.audit);
  return w.take();
}

}  // namespace cordon::policy
