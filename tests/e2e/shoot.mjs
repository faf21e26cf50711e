// Screenshots of the main pages, for a person to look at (not a test).
// Usage: node shoot.mjs BASE_URL OUT_DIR
import { chromium } from 'playwright-core';
const [base, out] = [process.argv[2] ?? 'http://127.0.0.1:8080', process.argv[3] ?? 'out'];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
for (const [w, h, tag] of [[1280, 900, 'desktop'], [390, 844, 'phone']]) {
  const page = await browser.newPage({ viewport: { width: w, height: h } });
  await page.goto(base + '/');
  await page.screenshot({ path: `${out}/${tag}-home-anon.png`, fullPage: true });
  await page.goto(base + '/dang-nhap');
  await page.fill('#f-username', 'tinh.hanoi');
  await page.fill('#f-password', 'ocop-demo-2026');
  await page.click('button[type=submit]');
  for (const [path, name] of [['/', 'home'], ['/chu-the', 'producers'], ['/chu-the/moi', 'producer-new'], ['/san-pham', 'products'], ['/nhap-du-lieu', 'import'], ['/api/docs', 'api']]) {
    await page.goto(base + path);
    await page.screenshot({ path: `${out}/${tag}-${name}.png`, fullPage: name !== 'producer-new' && name !== 'api' });
  }
  await page.goto(base + '/chu-the');
  const first = await page.locator('table a').first().getAttribute('href');
  await page.goto(base + first);
  await page.screenshot({ path: `${out}/${tag}-producer.png`, fullPage: true });
  const prod = page.locator('a[href^="/san-pham/"]').first();
  await page.goto(base + (await prod.getAttribute('href')));
  await page.screenshot({ path: `${out}/${tag}-product.png`, fullPage: true });
  await page.close();
}
await browser.close();
