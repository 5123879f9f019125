// bench/dashboard/pages.mjs URL PAGES SECONDS: PAGES dashboard pages in one headless chromium (Debian's,
// through playwright-core), each polling the node as the page does, for SECONDS. Prints one JSON line:
// the pages that rendered and the JSON requests they made.
import { chromium } from 'playwright-core';

const [url, pages = '20', secs = '60'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
let requests = 0, failed = 0, rendered = 0;
try {
  const ps = [];
  for (let i = 0; i < Number(pages); i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    p.on('requestfinished', (r) => { if (r.url().includes('/v1/')) requests++; });
    p.on('requestfailed', () => failed++);
    ps.push(p.goto(url).then(() => p.waitForSelector('body[data-rendered="full"]', { timeout: 60000 })).then(() => rendered++));
  }
  await Promise.all(ps);
  console.error(`pages: ${rendered} rendered, polling for ${secs} s`);
  await new Promise((r) => setTimeout(r, Number(secs) * 1000));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ pages: rendered, requests, failed }));
