// Debian's headless Chromium for the browser tests, in a fresh profile removed after the test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const chromiumPath = process.env.CORDON_CHROMIUM || "/usr/bin/chromium";

// Launches it for test `t` (node:test). When the test ends the browser is closed first and only
// then is its profile removed: removing it while Chromium still writes there fails the test
// (ENOTEMPTY) and, the close never running, leaves the browser holding the test open until its
// timeout. The flags keep it from reaching out to the network: this machine's is closed.
export async function launchChromium(t) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cordon-chromium-"));
  let context;
  t.after(async () => {
    try {
      if (context) await context.close();
    } finally {
      fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return context;
}
