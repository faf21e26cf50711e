// End-to-end: a provincial officer logs in, registers a producer and a
// product through the forms in Debian's Chromium, and sees them listed.
// Runs the real `ocop` binary (OCOP_BIN, default target/release/ocop) on a
// fresh SQLite database with the demo data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startSystem } from './harness.mjs';

let sys, base, browser;

before(async () => {
  sys = await startSystem();
  ({ base, browser } = sys);
});

after(async () => { await sys?.stop(); });

test('officer registers a producer and a product and sees them listed', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/chu-the`);
  // Redirected to the login form.
  assert.match(page.url(), /\/dang-nhap\?next=/);
  await page.getByLabel('Tên đăng nhập').fill('tinh.hanoi');
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(`${base}/chu-the`);
  assert.equal(await page.locator('h1').textContent(), 'Chủ thể OCOP');

  await page.getByRole('link', { name: '+ Thêm chủ thể' }).click();
  // First a mistake: a wrong check digit is reported next to its field.
  await page.getByLabel('Tên chủ thể').fill('Hợp tác xã Nước mắm Vạn Phần E2E');
  await page.getByLabel('Loại hình').selectOption('cooperative');
  await page.getByLabel('Mã số thuế / số đăng ký').fill('0100109107');
  await page.getByLabel('Địa chỉ (số nhà, thôn/ấp)').fill('Thôn Vạn Phần');
  const commune = page.getByLabel('Xã/phường/đặc khu hiện hành');
  await commune.selectOption({ index: 1 });
  await page.getByLabel('Họ và tên').fill('Nguyễn Thị Hoa');
  await page.getByLabel('Giới tính').selectOption('female');
  await page.getByRole('button', { name: 'Lưu' }).click();
  assert.match(await page.locator('#e-registration_number').textContent(), /chữ số kiểm tra/);
  assert.equal(await page.getByLabel('Tên chủ thể').inputValue(), 'Hợp tác xã Nước mắm Vạn Phần E2E');

  await page.getByLabel('Mã số thuế / số đăng ký').fill('0100109106');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.waitForURL(/\/chu-the\/\d+\?tb=da-tao/);
  assert.equal(await page.locator('h1').textContent(), 'Hợp tác xã Nước mắm Vạn Phần E2E');
  assert.match(await page.locator('.flash').textContent(), /Đã tạo/);

  await page.getByRole('link', { name: '+ Thêm sản phẩm' }).click();
  await page.getByLabel('Tên sản phẩm').fill('Nước mắm cốt Vạn Phần E2E');
  await page.getByLabel('Bộ sản phẩm (Phụ lục I, QĐ 26/2026)').selectOption('09');
  await page.getByLabel('Mã GTIN (mã vạch GS1)').fill('8934563138165');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.waitForURL(/\/san-pham\/\d+\?tb=da-tao/);
  const code = await page.locator('dd code').first().textContent();
  assert.match(code, /^01-\d{5}-\d{3}-20\d\d$/);

  // Record the certificate it already holds, then scan its QR code.
  const productUrl = page.url().split('?')[0];
  await page.getByText('Ghi nhận giấy chứng nhận đã cấp trước khi dùng hệ thống').click();
  await page.getByLabel('Hạng sao').selectOption('4');
  await page.getByLabel('Số quyết định công nhận').fill('123/QĐ-UBND');
  await page.getByLabel('Cơ quan ban hành').fill('UBND Thành phố Hà Nội');
  const issued = new Date(Date.now() - 100 * 86400_000);
  const dd = (n) => String(n).padStart(2, '0');
  await page.getByLabel('Ngày cấp (ngày/tháng/năm)').fill(`${dd(issued.getDate())}/${dd(issued.getMonth() + 1)}/${issued.getFullYear()}`);
  await page.getByRole('button', { name: 'Ghi nhận' }).click();
  await page.waitForURL(/tb=da-ghi-nhan/);
  const scan = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await scan.goto(`${base}/01/8934563138165`);
  assert.match(await scan.locator('.verdict strong').textContent(), /còn hiệu lực/);
  assert.match(await scan.locator('h1').textContent(), /Nước mắm cốt Vạn Phần E2E/);

  // Revoke it: the same QR now says revoked.
  await page.goto(productUrl);
  await page.getByText(/^Thu hồi giấy chứng nhận OCOP-/).click();
  await page.getByLabel('Căn cứ thu hồi').selectOption('mark_misuse');
  await page.getByLabel('Số quyết định thu hồi và nội dung').fill('45/QĐ-UBND: dùng biểu trưng sai quy định');
  await page.getByRole('button', { name: 'Thu hồi', exact: true }).click();
  await page.waitForURL(/tb=da-thu-hoi-gcn/);
  await scan.reload();
  assert.match(await scan.locator('.verdict strong').textContent(), /thu hồi/);
  await scan.close();

  // Listed, and found without diacritics.
  await page.goto(`${base}/san-pham?q=nuoc+mam+cot+van+phan`);
  await page.getByRole('link', { name: 'Nước mắm cốt Vạn Phần E2E' }).waitFor();
  assert.equal(await page.locator('tbody tr').count(), 1);
  await page.goto(`${base}/chu-the?q=van+phan+e2e`);
  await page.getByRole('link', { name: 'Hợp tác xã Nước mắm Vạn Phần E2E' }).waitFor();
  await page.close();
});

test('a phone-sized page has no horizontal overflow', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${base}/`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await page.close();
});
