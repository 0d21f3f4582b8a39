// Risk of disk and filesystem tools: dd onto devices, mkfs, wipefs, partitioners, blkdiscard.
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_paths.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

std::string resolve(const ScoreInput& in, std::string_view operand) {
  return resolve_operand(operand, in.start.cwd, in.context.home);
}

// The first operand naming a data device, or empty.
template <typename Words>
std::string first_device(const ScoreInput& in, const Words& words) {
  for (std::string_view word : words) {
    if (word.starts_with("-")) continue;
    std::string path = resolve(in, word);
    if (is_data_device(path)) return path;
  }
  return {};
}

void device_write(std::string_view what, const std::string& device, Findings& out) {
  add_finding(out, 95, C::kIrreversible, C::kAvailability, false,
              std::string(what) + " overwrites the device " + device +
                  "; every filesystem on it is destroyed");
}

constexpr FlagSpec kDdSpec = FlagSpec().with_style(ArgStyle::kOperandsOnly);

void score_dd(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kDdSpec);
  const auto target = args.value("of");
  if (!target) return;
  const std::string path = resolve(in, *target);
  if (is_data_device(path)) return device_write("dd of=" + std::string(*target), path, out);
  const PathClass cls = classify_path(path, in.context);
  if (cls.kind == PathKind::kSystem) {
    add_finding(out, 60, C::kIrreversible, C::kAvailability, false,
                "dd overwrites the system file " + path);
  }
}

void score_mkfs(const ScoreInput& in, Findings& out) {
  const std::string device = first_device(in, in.args);
  if (!device.empty()) return device_write(in.name, device, out);
  // Formatting an image file only replaces that file.
  bool operand = false;
  for (const auto& a : in.args) operand = operand || !a.starts_with("-");
  if (operand) {
    add_finding(out, 30, C::kIrreversible, false,
                std::string(in.name) + " formats a file, replacing whatever it held");
  }
}

constexpr std::array<FlagAlias, 5> kWipefsAliases = {
    {{'a', "all"}, {'o', "offset"}, {'n', "no-act"}, {'f', "force"}, {'t', "types"}}};
constexpr std::array<std::string_view, 3> kWipefsValues = {"offset", "types", "backup"};
constexpr FlagSpec kWipefsSpec = FlagSpec()
                                     .with_short_with_value("ot")
                                     .with_long_with_value(kWipefsValues)
                                     .with_aliases(kWipefsAliases);

void score_wipefs(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kWipefsSpec);
  if (args.has('n', "no-act")) return;
  if (!args.has('a', "all") && !args.value("offset")) return;  // without them it only lists
  const std::string device = first_device(in, args.operands);
  if (!device.empty()) {
    add_finding(out, 90, C::kIrreversible, C::kAvailability, false,
                "wipefs erases the filesystem signatures on " + device +
                    "; its filesystems no longer mount");
  } else if (!args.operands.empty()) {
    add_finding(out, 30, C::kIrreversible, false, "wipefs erases signatures in a file");
  }
}

// Partition tools. `list_only` words make them read-only.
void score_partitioner(const ScoreInput& in, Findings& out) {
  const std::string_view name = in.name;
  bool list_only = false;
  bool writes = false;
  for (const auto& a : in.args) {
    if (a == "-l" || a == "--list" || a == "-p" || a == "--print" || a == "print" || a == "-d" ||
        a == "--dump" || a == "-V" || a == "--version" || a == "-h" || a == "--help" ||
        a == "--verify" || a == "-v") {
      list_only = true;
    }
    if (name == "parted" && (a == "mklabel" || a == "mktable" || a == "rm" || a == "mkpart" ||
                             a == "resizepart" || a == "mkpartfs" || a == "rescue")) {
      writes = true;
    }
    if (name == "sgdisk" &&
        (a == "-Z" || a == "--zap-all" || a == "-z" || a == "--zap" || a == "-o" ||
         a == "--clear" || a.starts_with("-n") || a.starts_with("--new") || a.starts_with("-d") ||
         a.starts_with("--delete") || a.starts_with("-t") || a.starts_with("--typecode"))) {
      writes = true;
    }
  }
  if (name == "sgdisk" && writes) list_only = false;
  if (name == "sfdisk" && !list_only) writes = true;  // sfdisk DEVICE writes the table on stdin
  if (list_only && !writes) return;
  const std::string device = first_device(in, in.args);
  if (device.empty()) return;
  if (writes) {
    add_finding(out, 85, C::kIrreversible, C::kAvailability, false,
                std::string(name) + " rewrites the partition table of " + device +
                    "; the data on it becomes unreachable");
  } else {
    add_finding(
        out, 60, C::kIrreversible, C::kAvailability, false,
        std::string(name) + " opens " + device + " to edit its partition table interactively");
  }
}

void score_blkdiscard(const ScoreInput& in, Findings& out) {
  const std::string device = first_device(in, in.args);
  if (!device.empty()) device_write("blkdiscard", device, out);
}

void score_cryptsetup(const ScoreInput& in, Findings& out) {
  for (const auto& a : in.args) {
    if (iequals(a, "luksFormat") || iequals(a, "erase") || iequals(a, "luksErase") ||
        a == "reencrypt") {
      const std::string device = first_device(in, in.args);
      add_finding(out, 90, C::kIrreversible, C::kAvailability, false,
                  "cryptsetup " + a + " destroys the encrypted volume's keys on " +
                      (device.empty() ? std::string("its device") : device));
      return;
    }
  }
}

void score_lvm_remove(const ScoreInput& in, Findings& out) {
  bool operand = false;
  for (const auto& a : in.args) operand = operand || !a.starts_with("-");
  if (!operand) return;
  add_finding(out, 75, C::kIrreversible, C::kAvailability, false,
              std::string(in.name) + " removes LVM volumes and the data on them");
}

// cp, tee and install write their file operands; a device among them is overwritten raw.
void score_copy_to_device(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec().with_short_with_value("tSmogT"));
  if (args.operands.empty()) return;
  std::string device;
  if (in.name == "tee") {
    device = first_device(in, args.operands);
  } else if (auto target = args.value("t")) {
    device = first_device(in, std::array<std::string_view, 1>{*target});
  } else if (args.operands.size() >= 2) {
    device = first_device(in, std::array<std::string_view, 1>{args.operands.back()});
  }
  if (!device.empty()) device_write(in.name, device, out);
}

}  // namespace

Scorer disk_scorer(std::string_view name) {
  if (name == "dd") return score_dd;
  if (name.starts_with("mkfs") || name == "mke2fs" || name == "mkswap" || name == "mkdosfs" ||
      name == "mkntfs" || name == "mkexfatfs") {
    return score_mkfs;
  }
  if (name == "wipefs") return score_wipefs;
  if (name == "fdisk" || name == "sfdisk" || name == "cfdisk" || name == "parted" ||
      name == "sgdisk" || name == "gdisk") {
    return score_partitioner;
  }
  if (name == "blkdiscard") return score_blkdiscard;
  if (name == "cp" || name == "tee" || name == "install") return score_copy_to_device;
  if (name == "cryptsetup") return score_cryptsetup;
  if (name == "lvremove" || name == "vgremove" || name == "pvremove") return score_lvm_remove;
  return nullptr;
}

}  // namespace cordon::gate
