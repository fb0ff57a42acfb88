// Opens an IIIF manifest of a running medexchange in Mirador 3 (the npm
// package, served from a page on another origin, as a museum's site
// would) in headless Chromium, and checks that the image is on the
// canvas: the screenshot holds the colours of the picture attached.
//
//   node mirador-test.mjs MANIFEST_URL '[[r,g,b], ...]' [SCREENSHOT.png]
//
// Needs Debian's chromium (CHROMIUM, default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const [manifest, coloursJson, screenshot = '/tmp/mirador.png'] = process.argv.slice(2);
const colours = JSON.parse(coloursJson);
const here = dirname(fileURLToPath(import.meta.url));
const mirador = readFileSync(join(here, 'node_modules/mirador/dist/mirador.min.js'));
const page = `<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title>
<style>body{margin:0} #viewer{position:absolute;inset:0}</style></head>
<body><div id="viewer"></div><script src="/mirador.min.js"></script><script>
Mirador.viewer({ id: 'viewer', language: 'ja',
  windows: [{ manifestId: ${JSON.stringify(manifest)}, thumbnailNavigationPosition: 'off' }],
  workspaceControlPanel: { enabled: false } });
</script></body></html>`;
const site = createServer((request, response) => {
  const script = request.url === '/mirador.min.js';
  response.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html; charset=utf-8' });
  response.end(script ? mirador : page);
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${site.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
         '--no-first-run', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok     ' : 'FAILED '} ${what}`);
  if (!ok) failed += 1;
};
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const images = [];
  tab.on('response', (response) => {
    if (response.url().includes('/iiif/3/') && !response.url().endsWith('info.json')) {
      images.push(response.status());
    }
  });
  await tab.goto(origin, { waitUntil: 'load' });
  await tab.waitForSelector('.openseadragon-canvas canvas', { timeout: 30000 });
  // Tiles arrive after the canvas: wait until some were drawn.
  const deadline = Date.now() + 30000;
  while (images.filter((s) => s === 200).length === 0 && Date.now() < deadline) {
    await tab.waitForTimeout(250);
  }
  await tab.waitForTimeout(2000);
  check(images.length > 0 && images.every((s) => s === 200), `the viewer fetched image tiles (${images.join(', ')})`);
  const title = await tab.textContent('body');
  check(/[\u3040-\u30ff\u4e00-\u9fff]/.test(title), 'the manifest\'s Japanese label shows');
  const png = await tab.screenshot({ path: screenshot });
  // Reads the screenshot's pixels in a page of its own (a data: image is
  // not cross-origin, so its canvas can be read).
  const found = await tab.evaluate(async ({ data, colours }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const seen = new Set();
    for (let i = 0; i < pixels.length; i += 4 * 7) {
      colours.forEach(([r, g, b], n) => {
        if (Math.abs(pixels[i] - r) < 10 && Math.abs(pixels[i + 1] - g) < 10 && Math.abs(pixels[i + 2] - b) < 10) {
          seen.add(n);
        }
      });
    }
    return seen.size;
  }, { data: png.toString('base64'), colours });
  check(found >= colours.length / 2, `the image is on the canvas (${found} of its ${colours.length} colours seen)`);
  console.log(`screenshot: ${screenshot}`);
} catch (error) {
  check(false, `viewer test: ${error.message.split('\n')[0]}`);
} finally {
  await browser.close();
  site.close();
}
process.exit(failed === 0 ? 0 : 1);
