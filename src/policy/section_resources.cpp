// [resources]: memory, processes, CPU, open files and the wall-clock limit of the box.
#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

#include "base/files.h"
#include "policy/loader.h"
#include "policy/sections.h"

namespace cordon::policy {
namespace {

// Below these a box cannot run a shell and a compiler, so the value is a typo, not a policy.
constexpr uint64_t kMinMemory = 32ULL << 20;
constexpr uint64_t kMinPids = 16;
// cgroups cannot enforce less: the smallest CPU quota is 1 ms per 100 ms period.
constexpr double kMinCpus = 0.01;
// Above these the kernel refuses the value, and a refused cgroup write must not turn into a
// weaker fallback (a pids.max the kernel refused dropped the memory total to a per-process
// limit): PID_MAX_LIMIT, the largest pid_max on 64-bit kernels.
constexpr uint64_t kMaxPids = 4194304;
// A million cores: far above any machine, and the CPU quota (cpus x 100 ms) stays exact.
constexpr double kMaxCpus = 1e6;
// fs.nr_open's default; the kernel refuses RLIMIT_NOFILE above the current fs.nr_open.
constexpr uint64_t kDefaultNrOpen = 1048576;
// Longer than any session; keeps every later conversion (to milliseconds) far from overflow.
constexpr uint64_t kMaxTimeoutSeconds = 366ULL * 86400;

// The largest RLIMIT_NOFILE this kernel takes (/proc/sys/fs/nr_open), or its default.
uint64_t max_open_files() {
  auto text = read_file("/proc/sys/fs/nr_open");
  if (!text.ok()) return kDefaultNrOpen;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || value == 0) return kDefaultNrOpen;
  return value;
}

// An integer or "none" (no limit).
Result<std::optional<uint64_t>> as_count(const LayerContext& ctx, const Field& f,
                                         const std::string& example) {
  if (const auto* s = f.node.as_string(); s != nullptr && s->get() == "none") {
    return std::optional<uint64_t>();
  }
  const auto* i = f.node.as_integer();
  if (i == nullptr) return wrong_type(ctx, f, "an integer or \"none\"", example);
  if (i->get() <= 0) {
    return error_at(ctx, f.line(), f.name + " must be positive",
                    "for example: " + std::string(f.key.str()) + " = " + example +
                        ", or \"none\" for no limit");
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(i->get()));
}

Error above_maximum(const LayerContext& ctx, const Field& f, const std::string& value,
                    const std::string& maximum, const std::string& why, const char* example) {
  return error_at(
      ctx, f.line(),
      f.name + " = " + value + " is above the maximum of " + maximum + " (" + why + ")",
      "for example: " + std::string(f.key.str()) + " = " + example + ", or \"none\" for no limit");
}

Error below_minimum(const LayerContext& ctx, const Field& f, const std::string& minimum) {
  return error_at(ctx, f.line(), f.name + " is below the minimum of " + minimum,
                  "a box needs at least " + minimum +
                      " to run a shell and a build; use \"none\" "
                      "for no limit");
}

Result<void> apply_memory(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto bytes, as_size(st.ctx, f, /*allow_none=*/true));
  if (bytes && *bytes < kMinMemory) return below_minimum(st.ctx, f, format_size(kMinMemory));
  assign(st, f, st.out.resources.memory_bytes, bytes);
  return Ok{};
}

Result<void> apply_memory_fallback(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto value, as_enum<MemoryFallback>(st.ctx, f));
  assign(st, f, st.out.resources.memory_fallback, value);
  return Ok{};
}

Result<void> apply_pids(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto pids, as_count(st.ctx, f, "512"));
  if (pids && *pids < kMinPids) return below_minimum(st.ctx, f, std::to_string(kMinPids));
  if (pids && *pids > kMaxPids) {
    return above_maximum(st.ctx, f, std::to_string(*pids), std::to_string(kMaxPids),
                         "the kernel's largest pid_max", "4096");
  }
  assign(st, f, st.out.resources.pids, pids);
  return Ok{};
}

Result<void> apply_cpus(LayerState& st, const Field& f) {
  std::optional<double> cpus;
  if (const auto* s = f.node.as_string(); s != nullptr && s->get() == "none") {
    assign(st, f, st.out.resources.cpus, cpus);
    return Ok{};
  }
  if (const auto* d = f.node.as_floating_point()) {
    cpus = d->get();
  } else if (const auto* i = f.node.as_integer()) {
    cpus = static_cast<double>(i->get());
  } else {
    return wrong_type(st.ctx, f, "a number of cores or \"none\"", "1.5");
  }
  if (!std::isfinite(*cpus) || *cpus <= 0) {
    return error_at(st.ctx, f.line(), f.name + " must be a positive number of cores",
                    "for example: cpus = 1.5, or \"none\" for no limit");
  }
  if (*cpus > kMaxCpus) {
    return error_at(st.ctx, f.line(), f.name + " is above the maximum of 1000000 cores",
                    "for example: cpus = 4, or \"none\" for no limit");
  }
  if (*cpus < kMinCpus) {
    return error_at(st.ctx, f.line(), f.name + " is below the minimum of 0.01 cores",
                    "the kernel's smallest CPU quota is 1 ms per 100 ms; for example: cpus = 0.5");
  }
  assign(st, f, st.out.resources.cpus, cpus);
  return Ok{};
}

Result<void> apply_open_files(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto files, as_count(st.ctx, f, "4096"));
  if (uint64_t max = max_open_files(); files && *files > max) {
    return above_maximum(st.ctx, f, std::to_string(*files), std::to_string(max),
                         "fs.nr_open, the most open files this kernel allows a process", "8192");
  }
  assign(st, f, st.out.resources.open_files, files);
  return Ok{};
}

Result<void> apply_timeout(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(auto seconds, as_duration(st.ctx, f, /*allow_none=*/true));
  if (seconds && *seconds == 0) {
    return error_at(st.ctx, f.line(), f.name + " cannot be zero",
                    "for example: timeout = \"2h\", or \"none\" for no limit");
  }
  if (seconds && *seconds > kMaxTimeoutSeconds) {
    return above_maximum(st.ctx, f, "\"" + format_duration(*seconds) + "\"", "\"366d\"",
                         "a year, longer than any session", "\"8h\"");
  }
  assign(st, f, st.out.resources.timeout_seconds, seconds);
  return Ok{};
}

constexpr std::array<KeySpec, 6> kKeys{{
    {"memory", apply_memory},
    {"memory_fallback", apply_memory_fallback},
    {"pids", apply_pids},
    {"cpus", apply_cpus},
    {"open_files", apply_open_files},
    {"timeout", apply_timeout},
}};

}  // namespace

std::span<const KeySpec> resources_keys() { return kKeys; }

Result<void> apply_resources(LayerState& st, const Field& f) {
  CORDON_ASSIGN_OR_RETURN(const toml::table* table, as_table(st.ctx, f));
  return apply_keys(st, *table, "resources", kKeys);
}

}  // namespace cordon::policy
