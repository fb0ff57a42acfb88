// Runs the example in headless Chromium against a running medexchange
// started with `--trusted-documents src/gql/persisted-documents.json` and
// `--cors-allowed-origins` naming this page's origin. Serves public/ itself
// on PAGE_PORT (default 18100); MEDEXCHANGE_URL is the API. Checks the page
// in Chinese and Japanese, paging, search with highlights, photos' srcset
// (when EXPECT_IMAGES=1), that only hashes of trusted documents went over
// the wire, and that the server refuses any other document. Writes
// SCREENSHOT (a PNG, default example.png in the temporary directory).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { tmpdir } from 'node:os';

const api = process.env.MEDEXCHANGE_URL ?? 'http://127.0.0.1:8000/graphql';
const port = Number(process.env.PAGE_PORT ?? 18100);
const publicDir = new URL('../public/', import.meta.url).pathname;
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const pages = createServer(async (request, response) => {
  const path = new URL(request.url, 'http://x').pathname.replace(/^\/$/, '/index.html');
  try {
    const body = await readFile(join(publicDir, path.replace(/\.\./g, '')));
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => pages.listen(port, '127.0.0.1', resolve));

let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok     ' : 'FAILED '} ${what}`);
  if (!ok) failed += 1;
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const screenshot = process.env.SCREENSHOT ?? join(tmpdir(), 'example.png');
const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
try {
  const sent = [];
  page.on('request', (request) => {
    if (request.url().startsWith(api)) sent.push({ method: request.method(), url: request.url(), body: request.postData() });
  });
  const pageErrors = [];
  page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
  const titles = () => page.$$eval('article h2', (nodes) => nodes.map((n) => n.textContent));
  await page.goto(`http://127.0.0.1:${port}/?api=${encodeURIComponent(api)}`);
  await page.waitForSelector('article h2', { timeout: 20000 });
  const chinese = await titles();
  check(chinese.length === 5 && chinese.every((t) => /[\u4e00-\u9fff]/.test(t)), `a page of five exchanges in Chinese: ${chinese[0]}`);
  if (process.env.EXPECT_IMAGES === '1') {
    await page.waitForFunction(() => [...document.images].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 20000 }).catch(() => {});
    const images = await page.$$eval('img[srcset]', (nodes) => nodes.map((n) => ({ src: n.currentSrc, width: n.naturalWidth })));
    check(images.length > 0 && images.every((i) => i.width > 0), `photos drawn from their srcset: ${JSON.stringify(images)}`);
  }
  await page.screenshot({ path: screenshot });

  await page.click('[data-lang="JA"]');
  await page.waitForFunction((before) => document.querySelector('article h2')?.textContent !== before, chinese[0], { timeout: 20000 });
  const japanese = await titles();
  check(japanese.length === 5 && japanese.join() !== chinese.join(), `the same page in Japanese: ${japanese[0]}`);
  check((await page.textContent('#heading')) === '日中医学交流', 'the heading follows the language');

  await page.click('#more');
  await page.waitForFunction(() => document.querySelectorAll('article').length > 5, null, { timeout: 20000 });
  const two = await titles();
  check(new Set(two).size === two.length, `the next page follows, no exchange twice (${two.length} in all)`);

  await page.fill('input[name=q]', '顺天堂');
  await page.press('input[name=q]', 'Enter');
  await page.waitForSelector('article.result mark', { timeout: 20000 });
  const marked = await page.$$eval('article.result mark', (nodes) => nodes.map((n) => n.textContent));
  check(marked.some((m) => m === '順天堂'), `search marks the match in Japanese: ${marked.slice(0, 3).join(', ')}`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-search.png') });

  check(pageErrors.length === 0, `no errors on the page: ${pageErrors.join('; ') || 'none'}`);
  check(sent.length >= 4, `${sent.length} requests reached the API`);
  const byHash = sent.every((r) => r.method === 'GET' && r.url.includes('sha256Hash') && !/[?&]query=/.test(r.url));
  check(byHash, 'every request was a cacheable GET naming a trusted document by hash');

  const free = await fetch(api, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ institutions { totalCount } }' }),
  }).then((r) => r.json());
  check(free.errors?.[0]?.extensions?.code === 'TRUSTED_DOCUMENT_REQUIRED', 'any other document is refused');
} catch (error) {
  check(false, `browser test: ${error.message.split('\n')[0]}`);
  await page.screenshot({ path: screenshot }).catch(() => {});
} finally {
  await browser.close();
  pages.close();
}
console.log(`screenshot: ${screenshot}`);
process.exit(failed ? 1 : 0);
