// Risk of infrastructure tools: terraform, kubectl, helm, cloud CLIs, docker and podman.
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

template <typename Words>
bool has_word(const Words& words, std::string_view word) {
  for (std::string_view w : words) {
    if (w == word) return true;
  }
  return false;
}

// ---- terraform, tofu ------------------------------------------------------------------------

constexpr std::array<std::string_view, 6> kTerraformValues = {"chdir",  "var",   "var-file",
                                                              "target", "state", "lock-timeout"};
constexpr FlagSpec kTerraformSpec =
    FlagSpec().with_style(ArgStyle::kSingleDashLong).with_long_with_value(kTerraformValues);

void score_terraform(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kTerraformSpec);
  if (args.operands.empty()) return;
  const std::string_view sub = args.operands.front();
  const std::string tool(in.name);
  const bool auto_approve = args.has_long("auto-approve");
  if (sub == "destroy" || (sub == "apply" && args.has_long("destroy"))) {
    add_finding(out, auto_approve ? 95 : 90, C::kIrreversible, C::kAvailability, false,
                tool + " destroy deletes every resource in the state" +
                    (auto_approve ? " without asking" : "") + "; their data is gone");
  } else if (sub == "apply") {
    if (auto_approve) {
      add_finding(out, 65, C::kIrreversible, false,
                  tool +
                      " apply -auto-approve changes real infrastructure, deletions included, "
                      "without a reviewed plan");
    } else if (args.operands.size() < 2) {  // a saved plan file was reviewed already
      add_finding(out, 30, C::kIrreversible, false, tool + " apply changes real infrastructure");
    }
  } else if (sub == "state" && args.operands.size() > 1 &&
             (args.operands[1] == "rm" || args.operands[1] == "push")) {
    add_finding(out, 40, C::kIrreversible, false,
                tool + " state " + std::string(args.operands[1]) +
                    " edits the state; resources may be orphaned or recreated");
  } else if (sub == "workspace" && args.operands.size() > 1 && args.operands[1] == "delete") {
    add_finding(out, 55, C::kIrreversible, false,
                tool + " workspace delete drops a workspace and its state");
  } else if (sub == "force-unlock") {
    add_finding(out, 30, C::kAvailability, true,
                tool + " force-unlock breaks another run's state lock");
  }
}

// ---- kubectl, oc, helm ----------------------------------------------------------------------

constexpr std::array<FlagAlias, 7> kKubectlAliases = {{{'n', "namespace"},
                                                       {'f', "filename"},
                                                       {'l', "selector"},
                                                       {'o', "output"},
                                                       {'A', "all-namespaces"},
                                                       {'c', "container"},
                                                       {'k', "kustomize"}}};
constexpr std::array<std::string_view, 13> kKubectlValues = {
    "namespace", "filename",  "selector", "output", "context",   "kubeconfig",    "cluster",
    "user",      "container", "replicas", "server", "kustomize", "field-selector"};
constexpr FlagSpec kKubectlSpec = FlagSpec()
                                      .with_short_with_value("nflock")
                                      .with_long_with_value(kKubectlValues)
                                      .with_aliases(kKubectlAliases);

void score_kubectl(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kKubectlSpec);
  if (args.operands.empty()) return;
  const std::string_view sub = args.operands.front();
  const std::string tool(in.name);
  if (auto dry = args.value("dry-run"); dry && *dry != "none") return;
  if (sub == "delete") {
    const bool all = args.has_long("all") || args.has('A', "all-namespaces");
    bool namespaces = false;
    for (auto op : args.operands) {
      namespaces = namespaces || op == "namespace" || op == "namespaces" || op == "ns" ||
                   op.starts_with("namespace/") || op.starts_with("ns/") || op == "node" ||
                   op == "nodes" || op == "pv" || op == "persistentvolume" || op == "crd";
    }
    if (all || namespaces) {
      add_finding(out, 85, C::kIrreversible, C::kBulk, false,
                  tool + " delete" + (all ? " --all" : " of namespaces, nodes or volumes") +
                      " removes everything the selection holds from the cluster");
    } else {
      add_finding(out, 60, C::kIrreversible, false,
                  tool + " delete removes cluster resources; their data is lost");
    }
  } else if (sub == "drain") {
    add_finding(out, 55, C::kAvailability, true, tool + " drain evicts every pod from a node");
  } else if (sub == "cordon") {
    add_finding(out, 25, C::kAvailability, true, tool + " cordon stops scheduling on a node");
  } else if (sub == "scale" && args.value("replicas") == std::string_view("0")) {
    add_finding(out, 45, C::kAvailability, true,
                tool + " scale --replicas=0 stops every pod of the workload");
  } else if ((sub == "replace" && args.has_long("force")) ||
             (sub == "apply" && args.has_long("prune"))) {
    add_finding(out, 55, C::kIrreversible, false,
                tool + " " + std::string(sub) +
                    (sub == "apply" ? " --prune deletes resources missing from the files"
                                    : " --force deletes and recreates the resources"));
  }
}

void score_helm(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kKubectlSpec);
  if (args.operands.empty() || args.has_long("dry-run")) return;
  const std::string_view sub = args.operands.front();
  if (sub == "uninstall" || sub == "delete" || sub == "del" || sub == "un") {
    add_finding(out, 60, C::kIrreversible, false,
                "helm " + std::string(sub) + " removes a release and every resource it made");
  } else if (sub == "rollback") {
    add_finding(out, 30, C::kAvailability, true, "helm rollback replaces the running release");
  }
}

// ---- cloud CLIs -----------------------------------------------------------------------------

// Operations that destroy cloud resources, after `aws SERVICE`.
bool is_aws_destroyer(std::string_view op) {
  return op.starts_with("delete-") || op.starts_with("terminate-") ||
         op.starts_with("deregister-") || op.starts_with("remove-") || op == "purge-queue" ||
         op.starts_with("disable-") || op.starts_with("cancel-") || op.starts_with("detach-");
}

void score_aws(const ScoreInput& in, Findings& out) {
  // Global options that take a value: --profile, --region, --output, --endpoint-url, ...
  static constexpr std::array<std::string_view, 8> kAwsValues = {"profile",
                                                                 "region",
                                                                 "output",
                                                                 "endpoint-url",
                                                                 "query",
                                                                 "cli-read-timeout",
                                                                 "cli-connect-timeout",
                                                                 "ca-bundle"};
  static constexpr FlagSpec kAwsSpec = FlagSpec().with_long_with_value(kAwsValues);
  const ParsedArgs args = parse_args(in.args, kAwsSpec);
  if (args.operands.size() < 2 || args.has_long("dryrun") || args.has_long("dry-run")) return;
  const std::string_view service = args.operands[0];
  const std::string_view op = args.operands[1];
  const std::string what = "aws " + std::string(service) + " " + std::string(op);
  if (service == "s3") {
    const bool recursive = args.has_long("recursive");
    if (op == "rb" && args.has_long("force")) {
      add_finding(out, 85, C::kIrreversible, C::kBulk, false,
                  "aws s3 rb --force deletes a bucket with every object in it");
    } else if (op == "rm" && recursive) {
      add_finding(out, 75, C::kIrreversible, C::kBulk, false,
                  "aws s3 rm --recursive deletes every object under the prefix");
    } else if (op == "rm" || op == "rb") {
      add_finding(out, 40, C::kIrreversible, false, what + " deletes an object or empty bucket");
    } else if (op == "sync" && args.has_long("delete")) {
      add_finding(out, 55, C::kIrreversible, C::kBulk, false,
                  "aws s3 sync --delete removes destination objects missing from the source");
    }
    return;
  }
  if (op == "terminate-instances" || op == "delete-db-instance" || op == "delete-db-cluster" ||
      op == "delete-stack" || op == "delete-bucket" || op == "delete-table" ||
      op == "delete-cluster" || op == "delete-file-system") {
    add_finding(out, 85, C::kIrreversible, C::kAvailability, false,
                what + " destroys a running service or its data store");
  } else if (is_aws_destroyer(op)) {
    add_finding(out, 65, C::kIrreversible, false, what + " deletes or detaches cloud resources");
  } else if (service == "iam" && (op.starts_with("create-access-key") ||
                                  op.starts_with("attach-") || op.starts_with("put-"))) {
    add_finding(out, 50, C::kPrivilege, true, what + " grants cloud permissions or keys");
  }
}

// gcloud / az: a `delete` verb anywhere among the command words.
void score_cloud_verb(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec{});
  std::string words(in.name);
  bool deletes = false;
  for (auto op : args.operands) {
    if (deletes) break;
    words.push_back(' ');
    words.append(op);
    deletes = op == "delete" || op == "remove" || op == "purge";
  }
  if (!deletes) return;
  const bool whole = has_word(args.operands, "projects") || has_word(args.operands, "group") ||
                     has_word(args.operands, "account") || has_word(args.operands, "clusters");
  add_finding(out, whole ? 85 : 65, C::kIrreversible, whole ? C::kBulk : C::kAvailability, false,
              words + (whole ? " deletes a whole project, group or cluster with everything in it"
                             : " deletes cloud resources"));
}

void score_gsutil(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, FlagSpec{});
  if (args.operands.empty()) return;
  const std::string_view op = args.operands.front();
  if (op == "rb" ||
      (op == "rm" && (args.has_short('r') || args.has_short('R') || args.has_short('a')))) {
    add_finding(out, 75, C::kIrreversible, C::kBulk, false,
                "gsutil " + std::string(op) + " deletes a bucket or everything under a prefix");
  } else if (op == "rm") {
    add_finding(out, 40, C::kIrreversible, false, "gsutil rm deletes objects");
  }
}

// ---- docker, podman -------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> kDockerGlobalValues = {
    "host", "context", "config", "log-level", "tlscacert", "tlscert", "tlskey"};
constexpr std::array<FlagAlias, 3> kDockerGlobalAliases = {
    {{'H', "host"}, {'c', "context"}, {'l', "log-level"}}};
constexpr FlagSpec kDockerGlobalSpec = FlagSpec()
                                           .with_style(ArgStyle::kStopAtOperand)
                                           .with_short_with_value("Hcl")
                                           .with_long_with_value(kDockerGlobalValues)
                                           .with_aliases(kDockerGlobalAliases);

constexpr std::array<FlagAlias, 4> kDockerAliases = {
    {{'a', "all"}, {'f', "force"}, {'v', "volumes"}, {'e', "env"}}};
constexpr std::array<std::string_view, 1> kDockerValues = {"filter"};
constexpr FlagSpec kDockerSpec =
    FlagSpec().with_long_with_value(kDockerValues).with_aliases(kDockerAliases);

// `run` and `create` read -v, -e, -u, -w, -p, -n as options with a value.
constexpr std::array<std::string_view, 10> kDockerRunValues = {
    "volume", "env", "name", "network", "user", "mount", "workdir", "entrypoint", "pid", "publish"};
constexpr FlagSpec kDockerRunSpec =
    FlagSpec().with_short_with_value("veuwpn").with_long_with_value(kDockerRunValues);

void score_docker(const ScoreInput& in, Findings& out) {
  const ParsedArgs globals = parse_args(in.args, kDockerGlobalSpec);
  if (globals.operands.empty()) return;
  std::span<const std::string> rest = in.args.subspan(globals.first_operand_index);
  std::string_view sub = rest.front();
  rest = rest.subspan(1);
  // `docker container rm`, `docker compose down`: the object word comes first.
  std::string_view object;
  if ((sub == "system" || sub == "volume" || sub == "image" || sub == "container" ||
       sub == "network" || sub == "builder" || sub == "compose") &&
      !rest.empty()) {
    object = sub;
    sub = rest.front();
    rest = rest.subspan(1);
  }
  const ParsedArgs args = parse_args(rest, kDockerSpec);
  const std::string tool(in.name);
  const bool all = args.has('a', "all");
  const bool force = args.has('f', "force");
  if (sub == "prune") {
    if (object == "system") {
      const bool volumes = args.has_long("volumes");
      add_finding(out, volumes ? 70 : (all ? 60 : 55), C::kIrreversible, C::kBulk, !volumes,
                  tool + " system prune deletes stopped containers, networks" +
                      (all ? ", every unused image" : ", dangling images") +
                      (volumes ? " and unused volumes with their data" : ""));
    } else if (object == "volume") {
      add_finding(out, 65, C::kIrreversible, C::kBulk, false,
                  tool + " volume prune deletes every unused volume and its data");
    } else if (object == "image") {
      add_finding(out, all ? 35 : 20, C::kBulk, true,
                  tool + " image prune deletes unused images; they can be pulled again");
    } else if (object == "container" || object == "network" || object == "builder") {
      add_finding(out, 25, C::kBulk, object != "container",
                  tool + " " + std::string(object) + " prune deletes every stopped " +
                      std::string(object) + " at once");
    }
  } else if ((sub == "rm" && object == "volume") || (object.empty() && sub == "volume")) {
    add_finding(out, 60, C::kIrreversible, false, tool + " volume rm deletes a volume's data");
  } else if ((sub == "rm" && (object.empty() || object == "container")) && force) {
    add_finding(out, 35, C::kIrreversible, C::kAvailability, false,
                tool + " rm -f kills running containers and deletes them with their files");
  } else if (sub == "rm" && (object.empty() || object == "container")) {
    add_finding(out, 15, C::kIrreversible, false, tool + " rm deletes stopped containers");
  } else if ((sub == "rmi" || (sub == "rm" && object == "image")) && force) {
    add_finding(out, 25, C::kAvailability, true, tool + " rmi -f deletes images in use");
  } else if (sub == "down" && object == "compose" && args.has('v', "volumes")) {
    add_finding(out, 60, C::kIrreversible, false,
                tool + " compose down -v deletes the project's volumes and their data");
  } else if ((sub == "run" || sub == "create") && object.empty()) {
    const ParsedArgs run = parse_args(rest, kDockerRunSpec);
    bool host_root = false;
    for (const auto& [name, value] : run.values) {
      if ((name == "v" || name == "volume") && value.starts_with("/:")) host_root = true;
    }
    if (run.has_long("privileged") || host_root || run.value("pid") == std::string_view("host")) {
      add_finding(out, 65, C::kPrivilege, true,
                  tool + " " + std::string(sub) +
                      " gives the container the host's root (--privileged, / mounted or the "
                      "host's pid namespace)");
    }
  } else if (sub == "push" && object.empty()) {
    add_finding(out, 40, C::kExfiltration, C::kIrreversible, false,
                tool + " push publishes an image to a registry");
  }
}

}  // namespace

Scorer infra_scorer(std::string_view name) {
  if (name == "terraform" || name == "tofu" || name == "terragrunt") return score_terraform;
  if (name == "kubectl" || name == "oc") return score_kubectl;
  if (name == "helm") return score_helm;
  if (name == "aws") return score_aws;
  if (name == "gcloud" || name == "az") return score_cloud_verb;
  if (name == "gsutil") return score_gsutil;
  if (name == "docker" || name == "podman" || name == "nerdctl") return score_docker;
  return nullptr;
}

}  // namespace cordon::gate
