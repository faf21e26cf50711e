// End-to-end, the consumer's path on the public portal, in Debian's Chromium
// against the real `ocop` binary with its demo data: search without
// diacritics (suggestions as you type), open the product, follow its QR
// (GS1 Digital Link) and read "valid"; after a revocation the same URL says
// "revoked". Then every public page is checked for accessibility basics:
// language, one h1 and no skipped heading level, labelled form fields, alt
// text, named links, and text contrast (WCAG AA).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startSystem } from './harness.mjs';

let sys, base, browser;

before(async () => {
  sys = await startSystem();
  ({ base, browser } = sys);
});

after(async () => { await sys?.stop(); });

/** Vietnamese without its diacritics, as a shopper may type it. */
const plain = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

test('a shopper finds a product without diacritics, scans it, and sees revocation', async () => {
  // A demo product with a GTIN and a certificate valid for more than 6 months.
  const ctx = await browser.newContext();
  const api = ctx.request;
  const list = await (await api.get(`${base}/api/v1/products?status=valid&per_page=200`)).json();
  const target = list.items.find((i) => i.gtin);
  assert.ok(target, 'the demo data has a certified product with a GTIN');

  const page = await ctx.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/`);
  const box = page.getByRole('searchbox', { name: 'Tìm sản phẩm OCOP' });
  await box.pressSequentially(plain(target.name), { delay: 20 });
  const suggestion = page.locator('#top-q-list a', { hasText: target.name }).first();
  await suggestion.waitFor();
  // Enter searches the catalog with the same words.
  await Promise.all([page.waitForURL(/\/danh-muc\?q=/), box.press('Enter')]);
  await Promise.all([page.waitForURL(/\/san-pham-ocop\//), page.locator('.pcard a', { hasText: target.name }).first().click()]);
  assert.equal(await page.locator('h1').textContent(), target.name);
  assert.equal(await page.locator('img.qr').getAttribute('alt'), `Mã QR xác minh ${target.name}`);

  // The QR carries the GS1 Digital Link: opening it answers "valid".
  await page.goto(`${base}/01/${target.gtin}`);
  assert.match(await page.locator('.verdict strong').textContent(), /còn hiệu lực/);

  // The province revokes it (through the API, as its officer).
  const login = await api.post(`${base}/api/v1/session`, { data: { username: 'admin', password: PASSWORD } });
  assert.equal(login.status(), 200);
  const { csrf_token } = await login.json();
  const verified = await (await api.get(`${base}/api/v1/verify?gtin=${target.gtin}`)).json();
  const revoke = await api.post(`${base}/api/v1/certificates/${verified.certificate.id}/revoke`, {
    headers: { 'x-csrf-token': csrf_token },
    data: { ground: 'mark_misuse', detail: 'QĐ 45/QĐ-UBND: dùng biểu trưng sai quy định' },
  });
  assert.equal(revoke.status(), 200, await revoke.text());
  await page.reload();
  assert.match(await page.locator('.verdict strong').textContent(), /thu hồi/);
  // And it leaves the default catalog.
  await page.goto(`${base}/danh-muc?q=${encodeURIComponent(plain(target.name))}`);
  const names = await page.locator('.pcard strong').allTextContents();
  assert.ok(!names.some((n) => n.trim() === target.name), `${target.name} is still listed`);
  await ctx.close();
});

/** Accessibility basics of the page in the browser; returns the problems found. */
function audit() {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 1 && r.height > 1;
  };
  if (document.documentElement.lang !== 'vi') problems.push('html lang is not "vi"');
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
  let level = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const l = Number(h.tagName[1]);
    if (l > level + 1) problems.push(`heading level skipped: h${level} → h${l} "${h.textContent.trim().slice(0, 40)}"`);
    level = l;
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button'].includes(el.type)) continue;
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')
      || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
  }
  for (const a of document.querySelectorAll('a[href]')) {
    if (!visible(a)) continue;
    const name = (a.textContent + (a.getAttribute('aria-label') ?? '') + [...a.querySelectorAll('img')].map((i) => i.alt).join('')).trim();
    if (!name) problems.push(`link without a name: ${a.getAttribute('href')}`);
  }
  // Contrast of every visible text against the first opaque background behind it.
  const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
      if (getComputedStyle(e).backgroundImage !== 'none') return null; // unknown: skip
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest('svg, .sr-only, .skip, [aria-hidden="true"]')) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const bg = background(el);
    if (!bg) continue;
    const fg = rgb(s.color).slice(0, 3);
    const [a, b] = [lum(fg) + 0.05, lum(bg) + 0.05];
    const ratio = Math.max(a, b) / Math.min(a, b);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${n.textContent.trim().slice(0, 30)}" (${s.color} on rgb(${bg}))`);
  }
  return problems;
}

test('public pages meet accessibility basics', async () => {
  const ctx = await browser.newContext();
  const list = await (await ctx.request.get(`${base}/api/v1/products?per_page=1`)).json();
  const product = list.items[0];
  const productPage = await (await ctx.request.get(`${base}/api/v1/suggest?q=${encodeURIComponent(product.name)}&limit=1`)).json();
  const pages = ['/', '/danh-muc', '/danh-muc?q=nuoc+mam', productPage.items[0].url, '/xac-minh', `/xac-minh/${product.code}`,
    '/thong-ke', '/du-lieu-mo', '/tieu-chi', '/noi-ban', '/dang-nhap'];
  const failures = [];
  for (const [w, h] of [[1280, 900], [390, 844]]) {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: w, height: h });
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      for (const p of await page.evaluate(audit)) failures.push(`${w}px ${path}: ${p}`);
    }
    await page.close();
  }
  await ctx.close();
  assert.deepEqual([...new Set(failures)], []);
});
