// The review web page: HTML, CSS and script in one document, no external resources. Every value
// from the box is put on the page with textContent, never as markup.
#include <string>

#include "review/web_routes.h"

namespace cordon::review {
namespace {

constexpr const char* kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>cordon approvals</title>
<style nonce="{{NONCE}}">
  :root { color-scheme: light dark; --line: #8884; --crit: #c0392b; --high: #d35400;
          --medium: #b7950b; --low: #1e8449; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem;
           flex-wrap: wrap; border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
  h1 { font-size: 1.3rem; margin: .4rem 0; }
  #status { font-size: .9rem; opacity: .8; }
  #empty { opacity: .7; font-style: italic; }
  .item { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 6px;
          padding: .8rem 1rem; margin: 0 0 1rem; }
  .item.critical { border-left-color: var(--crit); }
  .item.high { border-left-color: var(--high); }
  .item.medium { border-left-color: var(--medium); }
  .item.low { border-left-color: var(--low); }
  .command { font: 1rem/1.4 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all;
             background: #8881; padding: .4rem .6rem; border-radius: 4px; margin: 0 0 .5rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: 0 0 .6rem; }
  dt { opacity: .7; } dd { margin: 0; word-break: break-word; }
  .level { font-weight: 600; text-transform: uppercase; }
  .irreversible { color: var(--crit); font-weight: 600; }
  ul.reasons { margin: 0; padding-left: 1.2rem; }
  .actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
  .actions input { flex: 1 1 14rem; padding: .35rem; font: inherit; }
  button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--line);
           cursor: pointer; }
  button.deny { border-color: var(--crit); }
  button:disabled { opacity: .5; cursor: default; }
  .note { font-size: .9rem; margin-top: .4rem; }
  .left.soon { color: var(--crit); font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>cordon approvals</h1>
  <div id="status" role="status">connecting…</div>
</header>
<p id="empty" hidden>Nothing is waiting for a decision.</p>
<main id="items"></main>
<template id="item-template">
  <section class="item">
    <pre class="command"></pre>
    <dl>
      <dt>working directory</dt><dd class="cwd"></dd>
      <dt>executable</dt><dd class="executable"></dd>
      <dt>risk</dt><dd><span class="score"></span> <span class="level"></span>,
        <span class="reversible"></span></dd>
      <dt>why</dt><dd><ul class="reasons"></ul></dd>
      <dt>rule</dt><dd><span class="rule"></span>: <span class="rule-reason"></span></dd>
      <dt>approvals</dt><dd class="approvals"></dd>
      <dt>time left</dt><dd class="left"></dd>
    </dl>
    <div class="actions">
      <input class="reason" type="text" maxlength="1000" placeholder="reason (optional; the agent sees it on a deny)" aria-label="reason">
      <button class="approve" type="button">Approve once</button>
      <button class="approve-session" type="button">Approve for this session</button>
      <button class="deny" type="button">Deny</button>
    </div>
    <div class="note" role="status"></div>
  </section>
</template>
<script nonce="{{NONCE}}">
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const auth = { "X-Cordon-Token": token };
const cards = new Map();  // id -> card element
let me = "";
let items = [];

function setStatus(text) { document.getElementById("status").textContent = text; }

function timeLeft(deadlineMs) {
  const s = Math.max(0, Math.round((deadlineMs - Date.now()) / 1000));
  return s >= 60 ? Math.floor(s / 60) + "m " + (s % 60) + "s" : s + "s";
}

function quoteArg(a) {
  if (a !== "" && /^[A-Za-z0-9_\-./=:,+@%]+$/.test(a)) return a;
  return "'" + a.replace(/'/g, "'\\''") + "'";
}

const utf8 = new TextEncoder();

function showControl(text) {
  // Printable ASCII is shown as itself and every other character as the \xHH of its UTF-8
  // bytes, as `cordon approvals` and the terminal reviewer show them: control characters are
  // never interpreted, and bidi overrides (U+202E), invisible and look-alike characters from the
  // box cannot reorder, hide or imitate what the reviewer reads.
  return text.replace(/[^\x20-\x7e]/gu, c => Array.from(utf8.encode(c),
      b => "\\x" + b.toString(16).padStart(2, "0")).join(""));
}

function makeCard(item) {
  const card = document.getElementById("item-template").content.firstElementChild.cloneNode(true);
  card.dataset.id = item.id;
  card.querySelector(".approve").addEventListener("click", () => answer(card, "approve", "once"));
  card.querySelector(".approve-session").addEventListener("click",
      () => answer(card, "approve", "session"));
  card.querySelector(".deny").addEventListener("click", () => answer(card, "deny", "once"));
  return card;
}

function fill(card, item) {
  const q = sel => card.querySelector(sel);
  card.classList.remove("low", "medium", "high", "critical");
  card.classList.add(item.level);
  q(".command").textContent = showControl(item.argv.map(quoteArg).join(" "));
  q(".cwd").textContent = showControl(item.cwd);
  q(".executable").textContent = showControl(item.executable);
  q(".score").textContent = String(item.score) + "/100";
  q(".level").textContent = item.level;
  const rev = q(".reversible");
  rev.textContent = item.reversible ? "reversible" : "NOT reversible";
  rev.className = item.reversible ? "reversible" : "reversible irreversible";
  const ul = q(".reasons");
  ul.replaceChildren(...item.reasons.map(r => {
    const li = document.createElement("li");
    li.textContent = showControl(r);
    return li;
  }));
  if (item.reasons.length === 0) ul.replaceChildren(document.createTextNode("—"));
  q(".rule").textContent = item.rule;
  q(".rule-reason").textContent = showControl(item.reason);
  const by = item.approved_by.length ? " (by " + item.approved_by.join(", ") + ")" : "";
  q(".approvals").textContent =
      item.approved_by.length + " of " + item.reviewers_needed + " needed" + by;
  const mine = item.approved_by.includes(me);
  q(".approve").disabled = mine;
  q(".approve-session").disabled = mine;
  if (mine) q(".note").textContent = "You approved this; it needs another reviewer.";
  card.dataset.deadline = String(item.deadline_ms);
  tick(card);
}

function tick(card) {
  const left = card.querySelector(".left");
  const ms = Number(card.dataset.deadline) - Date.now();
  left.textContent = timeLeft(Number(card.dataset.deadline));
  left.classList.toggle("soon", ms < 30000);
}

function render(list) {
  items = list;
  const main = document.getElementById("items");
  const live = new Set(list.map(i => i.id));
  for (const [id, card] of cards) {
    if (!live.has(id)) { card.remove(); cards.delete(id); }
  }
  for (const item of list) {
    let card = cards.get(item.id);
    if (!card) { card = makeCard(item); cards.set(item.id, card); main.appendChild(card); }
    fill(card, item);
  }
  document.getElementById("empty").hidden = list.length !== 0;
}

async function answer(card, verdict, scope) {
  const note = card.querySelector(".note");
  const reason = card.querySelector(".reason").value;
  for (const b of card.querySelectorAll("button")) b.disabled = true;
  try {
    const r = await fetch("/api/answer", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ id: card.dataset.id, verdict, scope, reason }),
    });
    const body = await r.json();
    if (!r.ok) {
      note.textContent = "Not recorded: " + body.error;
    } else if (body.effect === "awaiting_another") {
      note.textContent = "You approved this; it needs another reviewer.";
    } else {
      note.textContent = verdict === "deny" ? "Denied." : "Approved.";
    }
  } catch (e) {
    note.textContent = "Not recorded: " + e;
  }
  const item = items.find(i => i.id === card.dataset.id);
  if (item) fill(card, item);
  for (const b of card.querySelectorAll("button.deny")) b.disabled = false;
}

async function load() {
  const r = await fetch("/api/items", { headers: auth });
  if (!r.ok) throw new Error("HTTP " + r.status);
  const body = await r.json();
  me = body.reviewer;
  render(body.items);
  setStatus("reviewing as " + me + " · session " + body.session);
}

// Server-Sent Events over fetch, so the token travels in a header rather than the URL.
async function follow() {
  for (;;) {
    try {
      const r = await fetch("/api/events", { headers: auth });
      if (!r.ok) throw new Error("HTTP " + r.status);
      setStatus("reviewing as " + me + " · live");
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split("\n").filter(l => l.startsWith("data: "))
                              .map(l => l.slice(6)).join("\n");
          if (data) render(JSON.parse(data).items);
        }
      }
    } catch (e) {
      setStatus("disconnected (" + e.message + "); retrying…");
    }
    await new Promise(done => setTimeout(done, 1000));
  }
}

setInterval(() => { for (const card of cards.values()) tick(card); }, 1000);
load().then(follow).catch(e => setStatus("cannot load the items: " + e.message));
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string review_page(const std::string& nonce) {
  std::string page = kPage;
  const std::string marker = "{{NONCE}}";
  for (size_t at = page.find(marker); at != std::string::npos; at = page.find(marker, at)) {
    page.replace(at, marker.size(), nonce);
    at += nonce.size();
  }
  return page;
}

}  // namespace cordon::review
