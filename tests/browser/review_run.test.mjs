// The review page of a real session: `cordon run --review web` holds a command the policy asks
// for, prints the page's link, and a reviewer in headless Chromium approves one held command and
// denies another with a reason; the program sees each answer.
// Usage: CORDON_BINARY=path/to/cordon node --test review_run.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";

const cordon = process.env.CORDON_BINARY;

const policy = `
[gate]
timeout = "60s"

[[gate.rule]]
name = "touching-danger"
program = "touch"
any_arg = ["danger*"]
action = "ask"
reason = "danger files need a human"
`;

test("review page of a real session: approve one held command, deny another", async (t) => {
  assert.ok(cordon, "CORDON_BINARY must name the cordon program");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cordon-review-run-"));
  let session;
  // One hook, in this order: the session goes before the directory it writes to.
  t.after(() => {
    session?.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
  const workspace = path.join(dir, "ws");
  const runtime = path.join(dir, "run");
  fs.mkdirSync(workspace);
  fs.mkdirSync(runtime, { mode: 0o700 });
  fs.mkdirSync(path.join(dir, "config", "cordon"), { recursive: true });
  fs.writeFileSync(path.join(dir, "config", "cordon", "config.toml"),
    `[audit]\nstore = "${path.join(dir, "audit", "audit.db")}"\n`);
  fs.writeFileSync(path.join(dir, "policy.toml"), policy);

  session = spawn(cordon, ["run", "-q", "--network", "none", "--review", "web",
    "--workspace", workspace, "--config", path.join(dir, "policy.toml"), "--",
    "/bin/sh", "-c", "touch danger1; echo first=$?; touch danger2; echo second=$?"], {
    env: { ...process.env, XDG_CONFIG_HOME: path.join(dir, "config"),
      XDG_STATE_HOME: path.join(dir, "state"), CORDON_RUNTIME_DIR: runtime },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  session.stdout.on("data", (c) => (out += c));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no review link; stderr: " + err)), 20000);
    session.stderr.on("data", (c) => {
      err += c;
      const m = err.match(/review page: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const exited = new Promise((resolve) => session.on("exit", (code) => resolve(code)));

  const context = await launchChromium(t);
  const page = await context.newPage();
  await page.goto(url);

  // The first held command: its card shows what the gate holds, and approving it lets it run.
  const first = page.locator("section.item", { hasText: "touch danger1" });
  await first.waitFor({ timeout: 20000 });
  assert.equal(await first.locator(".rule").textContent(), "touching-danger");
  assert.equal(await first.locator(".cwd").textContent(), workspace);
  assert.equal(fs.existsSync(path.join(workspace, "danger1")), false, "held means not run");
  await first.locator("button.approve").click();

  // The second: denied with a reason, which the program reads on its stderr.
  const second = page.locator("section.item", { hasText: "touch danger2" });
  await second.waitFor({ timeout: 20000 });
  await second.locator("input.reason").fill("not this one");
  await second.locator("button.deny").click();

  const code = await exited;
  assert.equal(code, 0, "cordon's status; stderr: " + err);
  assert.equal(out, "first=0\nsecond=126\n");
  assert.equal(fs.existsSync(path.join(workspace, "danger1")), true);
  assert.equal(fs.existsSync(path.join(workspace, "danger2")), false);
  assert.match(err, /denied by web:web: not this one/);
});
