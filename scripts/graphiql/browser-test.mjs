// Drives GraphiQL in headless Chromium against a running medexchange
// (MEDEXCHANGE_URL, default http://127.0.0.1:8000/graphql): the page loads
// with no network but the server, the first example query runs, and its
// answer shows. Needs Debian's chromium (CHROMIUM, default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.env.MEDEXCHANGE_URL ?? 'http://127.0.0.1:8000/graphql';
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
         '--no-first-run', '--disable-component-update', '--disable-sync'],
});
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok     ' : 'FAILED '} ${what}`);
  if (ok) passed += 1;
  else failed += 1;
};
try {
  const page = await browser.newPage();
  const foreign = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreign.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  check(true, 'GraphiQL loads');
  check(foreign.length === 0, `no request leaves the server (${foreign.join(', ') || 'none'})`);
  const editor = await page.textContent('.graphiql-query-editor');
  check(editor.includes('exchanges(lang: ZH'), 'the Chinese example query is open');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response')?.textContent.includes('北海市人民医院'),
    null,
    { timeout: 20000 },
  );
  const answer = await page.textContent('.graphiql-response');
  check(answer.includes('"data"') && answer.includes('北海市人民医院'), 'the answer shows, in Chinese');
  await page.screenshot({ path: process.env.SCREENSHOT ?? join(tmpdir(), 'graphiql.png') });

  const titles = await page.$$eval('.graphiql-tab', (nodes) => nodes.map((n) => n.textContent.trim()));
  check(titles.length >= 8 && !titles.some((t) => t.includes('untitled')), `tabs named by their operation: ${titles.join(', ')}`);
  await page.click('.graphiql-tab:has-text("FixName") button.graphiql-tab-button');
  await page.waitForSelector('.graphiql-editor-tools button[data-name="headers"].active', { timeout: 10000 });
  const headers = await page.textContent('section.graphiql-editor-tool[aria-label="Headers"]');
  check(headers.includes('Authorization'), 'the editors\' tab opens its Headers pane, the token to fill in');
} catch (error) {
  check(false, `browser test: ${error.message.split('\n')[0]}`);
  const page = browser.contexts()[0]?.pages()[0];
  if (page) {
    console.log('response panel:', (await page.textContent('.graphiql-response').catch(() => '(none)'))?.slice(0, 300));
    await page.screenshot({ path: process.env.SCREENSHOT ?? join(tmpdir(), 'graphiql.png') }).catch(() => {});
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
