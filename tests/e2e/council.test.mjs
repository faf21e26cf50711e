// End-to-end, the evaluation process through its pages, in Debian's
// Chromium against the real `ocop` binary and its demo data: the producer
// files a dossier with its self-assessment, the commune forwards it, the
// province opens a round with a council of three, each member scores, the
// office closes scoring and records the decision; the certificate PDF is
// issued and its QR page says valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bin, logIn, PASSWORD, startSystem } from './harness.mjs';

let sys, base, browser;

before(async () => {
  sys = await startSystem();
  ({ base, browser } = sys);
  // The council's members: accounts made on the server's console.
  for (const name of ['tv1', 'tv2', 'tv3']) {
    const r = spawnSync(bin, ['--database-url', sys.db, 'user', 'create', name, '--full-name', `Thành viên ${name}`], {
      env: { ...process.env, OCOP_PASSWORD: PASSWORD },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => { await sys?.stop(); });

/** A fresh browser session logged in as `username`. */
const as = (username) => logIn(browser, base, username);

/** Submit the form holding `selector` and wait for the page it leads to. */
async function submit(page, selector) {
  if (process.env.E2E_TRACE) console.error('submit', page.url(), selector);
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
  const alerts = page.locator('.alert');
  const alert = (await alerts.count()) ? await alerts.first().textContent() : null;
  assert.equal(alert, null, `the form was refused: ${alert}`);
}

/**
 * Options of set `set` giving a 3★ or 4★ result below 90 points: every leaf
 * criterion at its best option, then criteria without a minimum mark
 * dropped one by one until the total is under 90, each step checked with
 * the public evaluate API.
 */
async function selection(api, set) {
  const sheet = await (await api.get(`${base}/api/v1/criteria/qd26-2026/${set}`)).json();
  const leaves = [];
  const walk = (n) => {
    const options = (n.children ?? []).filter((c) => c.kind === 'option' && c.points !== null && !c.case);
    if (n.kind === 'criterion' && options.length) {
      const best = options.reduce((a, b) => (b.points > a.points ? b : a));
      leaves.push({ id: n.id, option: best.id, marked: options.some((o) => o.min_star) || n.min_star });
    }
    (n.children ?? []).forEach(walk);
  };
  (sheet.nodes ?? sheet.tree ?? sheet.children ?? []).forEach(walk);
  const evaluate = async (ids) =>
    (await api.post(`${base}/api/v1/criteria/qd26-2026/${set}/evaluate`, { data: { options: ids } })).json();
  let chosen = leaves.map((l) => l.option);
  let result = await evaluate(chosen);
  for (const leaf of leaves.filter((l) => !l.marked)) {
    if (result.total < 90) break;
    const fewer = chosen.filter((o) => o !== leaf.option);
    const r = await evaluate(fewer);
    if (r.rank >= 3) { chosen = fewer; result = r; }
  }
  assert.ok(result.total < 90 && result.rank >= 3, `no 3★/4★ selection found: ${JSON.stringify(result)}`);
  return { chosen, result };
}

/** Tick the options (radio buttons valued by option id) in one go. */
async function tick(page, options) {
  const found = await page.evaluate((ids) => {
    let n = 0;
    for (const id of ids) {
      const input = document.querySelector(`input[type=radio][value="${CSS.escape(id)}"]`);
      if (input) { input.checked = true; n += 1; }
    }
    return n;
  }, options);
  assert.equal(found, options.length, 'every option is on the form');
}

test('a dossier goes from filing to a certificate whose QR page says valid', { timeout: 240_000 }, async () => {
  // The producer adds a product and files its dossier.
  const producer = await as('chuthe.demo');
  const me = await (await producer.request.get(`${base}/api/v1/me`)).json();
  const producerId = me.roles.find((r) => r.role === 'producer').producer_id;
  await producer.goto(`${base}/san-pham`);
  const csrf = await producer.inputValue('input[name=_csrf]').catch(async () => {
    await producer.goto(`${base}/tai-khoan`);
    return producer.inputValue('input[name=_csrf]');
  });
  const name = `Nước mắm thử nghiệm ${Date.now()}`;
  const created = await producer.request.post(`${base}/api/v1/producers/${producerId}/products`, {
    headers: { 'x-csrf-token': csrf },
    data: { name, set_code: '09' },
  });
  assert.equal(created.status(), 201, await created.text());
  const product = await created.json();
  const { chosen, result } = await selection(producer.request, '09');

  // First a draft, with the self-assessment only: nobody else sees it yet.
  await producer.goto(`${base}/san-pham/${product.id}/ho-so/moi`);
  await producer.selectOption('#f-kind', 'first');
  await tick(producer, chosen);
  await submit(producer, 'form.sheet button[value=nhap]');
  assert.match(await producer.textContent('.draft-box'), /Chức vụ người đại diện/);
  const dossierUrl = producer.url().split('?')[0];
  const dossierId = dossierUrl.match(/\/ho-so\/(\d+)/)[1];

  // Then completed and filed: the registration form (Mẫu 01): position,
  // contact, samples, the producer's statement; the ticks were kept.
  await producer.goto(`${dossierUrl}/sua`);
  assert.equal(await producer.locator('input[type=radio]:checked:not([value=""])').count(), chosen.length);
  await producer.fill('#f-title', 'Giám đốc hợp tác xã');
  await producer.fill('#f-phone', '0912 345 678');
  await producer.fill('#f-samples', '5');
  await producer.check('input[name=commitment]');
  await submit(producer, 'form.sheet button[value=nop]');
  assert.match(await producer.textContent('.facts'), /Đã nộp, chờ UBND xã xem xét/);

  // The commune checks it and forwards it to the province.
  const commune = await as('xa.demo');
  await commune.goto(`${base}/ho-so/${dossierId}`);
  await commune.check('input[name=complete]');
  await commune.fill('#f-raw', 'Cá cơm đánh bắt tại địa phương');
  await commune.fill('#f-labour', 'Lao động trong xã');
  await commune.fill('#f-idea', 'Công thức gia truyền');
  await commune.fill('#f-identity', 'Nghề làm nước mắm truyền thống');
  await submit(commune, 'button[name=quyet_dinh][value=forward]');

  // The province opens a round, forms the council and assigns the dossier.
  const office = await as('tinh.hanoi');
  await office.goto(`${base}/dot-danh-gia`);
  await office.fill('input[name=name]', 'Đợt thử nghiệm');
  await office.fill('input[name=scoring_deadline]', '30/12/2030');
  await submit(office, 'form[action="/dot-danh-gia"] button[type=submit]');
  const roundUrl = office.url().split('?')[0];
  const roundId = roundUrl.match(/\/dot-danh-gia\/(\d+)/)[1];
  for (const [member, chair] of [['tv1', true], ['tv2', false], ['tv3', false]]) {
    await office.fill('#f-member', member);
    if (chair) await office.check('input[name=chair]');
    await submit(office, `form[action="/dot-danh-gia/${roundId}/thanh-vien"] button[type=submit]`);
  }
  await submit(office, `form[action="/dot-danh-gia/${roundId}/ho-so/${dossierId}"] button[type=submit]`);

  // Each member scores on their own.
  for (const member of ['tv1', 'tv2', 'tv3']) {
    const page = await as(member);
    await page.goto(`${base}/ho-so/${dossierId}/cham`);
    await tick(page, chosen);
    await submit(page, `form[action="/ho-so/${dossierId}/cham"] button[type=submit]`);
    await page.context().close();
  }

  // The office closes scoring and records the decision: the certificate is issued.
  await office.goto(roundUrl);
  await submit(office, `form[action="/ho-so/${dossierId}/ket-thuc-cham"] button[type=submit]`);
  await office.goto(`${base}/ho-so/${dossierId}`);
  await office.fill('#f-dn', '77/QĐ-UBND');
  // Signed today (Vietnam time), after the council's result.
  const vn = new Date(Date.now() + 7 * 3600_000);
  const today = `${String(vn.getUTCDate()).padStart(2, '0')}/${String(vn.getUTCMonth() + 1).padStart(2, '0')}/${vn.getUTCFullYear()}`;
  await office.fill('#f-so', today);
  await submit(office, `form[action="/ho-so/${dossierId}/quyet-dinh"] button[type=submit]`);

  const verified = await (await office.request.get(`${base}/api/v1/verify?code=${product.code}`)).json();
  assert.equal(verified.status, 'valid', JSON.stringify(verified));
  assert.equal(verified.certificate.stars, result.rank);

  // The certificate PDF, and the QR page it points to says valid.
  const pdf = await office.request.get(`${base}/xac-minh/${product.code}/giay-chung-nhan.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');
  const shopper = await (await browser.newContext()).newPage();
  await shopper.goto(`${base}/xac-minh/${product.code}`);
  assert.match(await shopper.locator('.verdict strong').textContent(), /còn hiệu lực/);
});
