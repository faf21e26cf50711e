// What every browser test starts from: the real `ocop` binary (OCOP_BIN,
// default target/release/ocop) serving a fresh SQLite database with its demo
// data on a free port, and Debian's Chromium (CHROMIUM, default
// /usr/bin/chromium). Not a test itself (node --test runs *.test.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

/** Every demo account's password. */
export const PASSWORD = 'ocop-demo-2026';

export const bin = process.env.OCOP_BIN ?? resolve(import.meta.dirname, '../../target/release/ocop');

/** Start the server and the browser: `{ base, browser, db, stop }`. */
export async function startSystem() {
  const dir = mkdtempSync(join(tmpdir(), 'ocop-e2e-'));
  const db = `sqlite://${dir}/ocop.db`;
  const server = spawn(bin, ['--database-url', db, 'serve', '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 60_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); ok(`http://${m[1]}`); }
    });
    server.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${out}`)));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const stop = async () => {
    await browser.close();
    if (server.exitCode === null && server.signalCode === null) {
      // A clean stop writes the facet table's snapshot into the directory:
      // wait for the server to finish before removing it.
      const exited = new Promise((ok) => server.once('exit', ok));
      server.kill('SIGINT');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, browser, db, stop };
}

/** A fresh browser session logged in as `username` through the login form. */
export async function logIn(browser, base, username, password = PASSWORD) {
  const ctx = await browser.newContext();
  ctx.setDefaultTimeout(15_000);
  const page = await ctx.newPage();
  await page.goto(`${base}/dang-nhap`);
  await page.fill('#f-username', username);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/dang-nhap')), page.click('button[type=submit]')]);
  return page;
}
