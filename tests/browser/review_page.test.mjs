// The review web page in a real browser (Debian's headless Chromium through playwright-core):
// items appear live, deny with a reason, approve for the session, a two-reviewer item needs a
// second distinct reviewer, and the server refuses wrong tokens, Host headers and Origins.
// Usage: CORDON_REVIEW_FIXTURE=path/to/cordon-review-fixture node --test review_page.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import http from "node:http";
import { launchChromium } from "./chromium.mjs";

const fixturePath = process.env.CORDON_REVIEW_FIXTURE;

// The fixture's stdout as a queue of parsed JSON lines.
function startFixture() {
  const child = spawn(fixturePath, [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const value = JSON.parse(line);
    const w = waiters.shift();
    if (w) w(value); else lines.push(value);
  });
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const next = (ms = 10000) => {
    if (lines.length) return Promise.resolve(lines.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no line from the fixture in " + ms + " ms")), ms);
      waiters.push((v) => { clearTimeout(t); resolve(v); });
    });
  };
  return { child, next, exited };
}

// A raw request, so the test controls the Host and Origin headers itself.
function request(port, { method = "GET", pathname = "/", headers = {}, body } = {}) {
  // A Content-Length (the server refuses chunked bodies).
  if (body) headers = { ...headers, "Content-Length": Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: pathname, headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    if (body) req.write(body);
    req.end();
  });
}

test("review page: live items, deny, approve for session, two reviewers, refusals", async (t) => {
  assert.ok(fixturePath, "CORDON_REVIEW_FIXTURE must name the fixture program");
  const fixture = startFixture();
  t.after(() => fixture.child.kill());
  const hello = await fixture.next();
  const { port } = hello;
  const aliceToken = new URL(hello.alice).searchParams.get("token");
  assert.match(aliceToken, /^[0-9a-f]{64}$/);
  assert.equal(new URL(hello.alice).host, `127.0.0.1:${port}`);

  const context = await launchChromium(t);
  const violations = [];
  const alice = await context.newPage();
  alice.on("console", (m) => { if (m.type() === "error") violations.push(m.text()); });

  // The page response carries a strict CSP with a nonce and no inline allowance.
  const response = await alice.goto(hello.alice);
  assert.equal(response.status(), 200);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-[0-9a-f]{32}'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  // Both items show with their details.
  const rmCard = alice.locator(`section.item[data-id="${hello.items.rm}"]`);
  const pushCard = alice.locator(`section.item[data-id="${hello.items.push}"]`);
  await rmCard.waitFor();
  await pushCard.waitFor();
  assert.equal(await rmCard.locator(".command").textContent(), "rm -rf build");
  assert.equal(await rmCard.locator(".cwd").textContent(), "/work/project");
  assert.equal(await rmCard.locator(".score").textContent(), "62/100");
  assert.equal(await rmCard.locator(".level").textContent(), "high");
  assert.equal(await rmCard.locator(".reversible").textContent(), "NOT reversible");
  assert.equal(await rmCard.locator(".reasons li").textContent(), "recursive forced delete");
  assert.equal(await pushCard.locator(".rule").textContent(), "no-force-push");
  assert.match(await pushCard.locator(".approvals").textContent(), /^0 of 2 needed/);
  assert.match(await pushCard.locator(".left").textContent(), /^[12]m \d+s$/);
  assert.match(await alice.locator("#status").textContent(), /web:alice/);

  // An item submitted after the page loaded appears without a reload.
  fixture.child.stdin.write("add\n");
  const added = (await fixture.next()).added;
  const tfCard = alice.locator(`section.item[data-id="${added}"]`);
  await tfCard.waitFor({ timeout: 5000 });
  assert.equal(await tfCard.locator(".command").textContent(), "terraform destroy -auto-approve");
  // Beyond printable ASCII every character shows as its UTF-8 bytes (a bidi override here).
  assert.equal(await tfCard.locator(".cwd").textContent(), "/work/pro\\xe2\\x80\\xaejekt");
  // For a person to look at the page: CORDON_REVIEW_SCREENSHOT=page.png.
  if (process.env.CORDON_REVIEW_SCREENSHOT) {
    await alice.screenshot({ path: process.env.CORDON_REVIEW_SCREENSHOT, fullPage: true });
  }

  // Deny with a reason: the item leaves the page and the queue reports the reason.
  await rmCard.locator("input.reason").fill("delete only build/cache");
  await rmCard.locator("button.deny").click();
  await rmCard.waitFor({ state: "detached", timeout: 5000 });
  let outcome = (await fixture.next()).outcome;
  assert.equal(outcome.id, hello.items.rm);
  assert.equal(outcome.approved, false);
  assert.equal(outcome.reason, "delete only build/cache");
  assert.deepEqual(outcome.reviewers, ["web:alice"]);
  assert.equal(outcome.channel, "web");

  // Approve for this session.
  await tfCard.locator("button.approve-session").click();
  await tfCard.waitFor({ state: "detached", timeout: 5000 });
  outcome = (await fixture.next()).outcome;
  assert.equal(outcome.id, added);
  assert.equal(outcome.approved, true);
  assert.equal(outcome.scope, "session");

  // Two reviewers: alice's approval is recorded, the item stays, and she cannot approve twice.
  await pushCard.locator("button.approve").click();
  await alice.waitForFunction((id) => {
    const card = document.querySelector(`section.item[data-id="${id}"]`);
    return card && card.querySelector(".approvals").textContent.startsWith("1 of 2");
  }, hello.items.push, { timeout: 5000 });
  assert.match(await pushCard.locator(".note").textContent(), /needs another reviewer/);
  assert.equal(await pushCard.locator("button.approve").isDisabled(), true);
  const again = await request(port, {
    method: "POST", pathname: "/api/answer",
    headers: { Host: `127.0.0.1:${port}`, "X-Cordon-Token": aliceToken,
      "Content-Type": "application/json" },
    body: JSON.stringify({ id: hello.items.push, verdict: "approve", scope: "once" }),
  });
  assert.equal(again.status, 409);
  assert.match(again.text, /already approved/);

  // Bob, a second reviewer with his own token, sees alice's approval and completes it.
  const bob = await context.newPage();
  await bob.goto(hello.bob);
  const bobPush = bob.locator(`section.item[data-id="${hello.items.push}"]`);
  await bobPush.waitFor();
  assert.match(await bobPush.locator(".approvals").textContent(), /1 of 2 needed \(by web:alice\)/);
  await bobPush.locator("button.approve").click();
  await bobPush.waitFor({ state: "detached", timeout: 5000 });
  await pushCard.waitFor({ state: "detached", timeout: 5000 });  // live on alice's page too
  outcome = (await fixture.next()).outcome;
  assert.equal(outcome.id, hello.items.push);
  assert.equal(outcome.approved, true);
  assert.deepEqual(outcome.reviewers, ["web:alice", "web:bob"]);
  assert.equal(await alice.locator("#empty").isVisible(), true);


  // Refusals: wrong token, no token, wrong Host (DNS rebinding), foreign Origin.
  const host = { Host: `127.0.0.1:${port}` };
  const wrong = "0".repeat(64);
  assert.equal((await request(port, { pathname: `/?token=${wrong}`, headers: host })).status, 403);
  assert.equal((await request(port, { pathname: "/", headers: host })).status, 403);
  assert.equal((await request(port, { pathname: "/api/items",
    headers: { ...host, "X-Cordon-Token": wrong } })).status, 403);
  assert.equal((await request(port, { pathname: "/api/items", headers: host })).status, 403);
  assert.equal((await request(port, { pathname: "/api/items",
    headers: { ...host, "X-Cordon-Token": aliceToken } })).status, 200);
  for (const badHost of ["attacker.example.com", `localhost:${port}`, "127.0.0.1"]) {
    const r = await request(port, { pathname: `/?token=${aliceToken}`, headers: { Host: badHost } });
    assert.equal(r.status, 421, badHost);
  }
  const foreign = await request(port, {
    method: "POST", pathname: "/api/answer",
    headers: { ...host, Origin: "http://attacker.example.com", "X-Cordon-Token": aliceToken,
      "Content-Type": "application/json" },
    body: JSON.stringify({ id: "x", verdict: "deny" }),
  });
  assert.equal(foreign.status, 403);

  assert.deepEqual(violations.filter((v) => /Content Security Policy/.test(v)), []);
  fixture.child.stdin.end();
  assert.equal(await fixture.exited, 1 | 2 | 4, "fixture exit status: the outcomes it saw");
});
