// End-to-end, the listing rule of Decision 950 through the pages, in
// Debian's Chromium against the real `ocop` binary and its demo data: a
// point of sale's operator lists a certified product; the product's page
// shows the point under "Nơi mua"; the certificate is revoked; the operator
// sees the listing suspended at once, and the public page no longer sends
// shoppers to that point.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, PASSWORD, startSystem } from './harness.mjs';

let sys, base, browser;

before(async () => {
  sys = await startSystem();
  ({ base, browser } = sys);
});

after(async () => { await sys?.stop(); });

/** A browser session logged in as `username`, and its CSRF token for API calls. */
async function as(username) {
  const page = await logIn(browser, base, username);
  await page.goto(`${base}/tai-khoan`);
  const csrf = await page.inputValue('input[name=_csrf]');
  return { page, csrf };
}

/** A JSON API call through a logged-in session; fails unless the status is `want`. */
async function call(session, method, path, data, want) {
  const r = await session.page.request.fetch(`${base}${path}`, {
    method, data, headers: { 'x-csrf-token': session.csrf },
  });
  assert.equal(r.status(), want, `${method} ${path}: ${await r.text()}`);
  return r.status() === 204 ? null : r.json();
}

test('a listed product is suspended at a point of sale the moment its certificate is revoked', { timeout: 120_000 }, async () => {
  const admin = await as('admin');
  // An active point of sale in Hà Nội and a 4★ product with a valid certificate.
  const points = await call(admin, 'GET', '/api/v1/points-of-sale?province=01&per_page=200', undefined, 200);
  const pos = points.items.find((p) => p.status === 'active');
  assert.ok(pos, 'the demo data has an active point of sale in Hà Nội');
  const products = await call(admin, 'GET', '/api/v1/products?status=valid&stars=4&per_page=50', undefined, 200);
  const product = products.items[0];
  assert.ok(product, 'the demo data has a valid 4★ product');

  // Its operator's account.
  const user = await call(admin, 'POST', '/api/v1/users', { username: 'diemban.e2e', full_name: 'Người vận hành điểm bán', password: PASSWORD }, 201);
  await call(admin, 'POST', `/api/v1/users/${user.id}/roles`, { role: 'point_of_sale', pos_id: pos.id }, 201);

  // The operator lists the product on the point's page.
  const operator = await as('diemban.e2e');
  await operator.page.goto(`${base}/diem-ban/${pos.id}`);
  await operator.page.fill('#f-code', product.code);
  await Promise.all([operator.page.waitForNavigation(), operator.page.click('form[action$="/san-pham"] button[type=submit]')]);
  const row = operator.page.locator('tr', { hasText: product.code });
  assert.match(await row.textContent(), /Đang bày bán/);

  // The public product page sends shoppers there.
  const shopper = await (await browser.newContext()).newPage();
  await shopper.goto(`${base}/san-pham-ocop/${product.code}`);
  assert.match(await shopper.locator('main').textContent(), new RegExp(`Nơi mua[\\s\\S]*${pos.name}`));

  // The certificate is revoked.
  const verified = await call(admin, 'GET', `/api/v1/verify?code=${product.code}`, undefined, 200);
  await call(admin, 'POST', `/api/v1/certificates/${verified.certificate.id}/revoke`,
    { ground: 'mark_misuse', detail: 'Quyết định thu hồi số 99/QĐ-UBND (thử nghiệm)' }, 200);

  // At once: suspended for the operator, gone from "where to buy".
  await operator.page.reload();
  assert.match(await operator.page.locator('tr', { hasText: product.code }).textContent(), /Tạm dừng/);
  await shopper.reload();
  const main = await shopper.locator('main').textContent();
  assert.ok(!main.includes(pos.name), `the product page still names ${pos.name}`);
  assert.match(main, /thu hồi/i);
});
