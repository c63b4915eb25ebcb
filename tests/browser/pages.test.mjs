// Every generated page and every handler-rendered page, in Debian's Chromium: axe-core finds no
// WCAG 2.0/2.1/2.2 A or AA violation; at most 60 KB transferred with everything the page loads;
// nothing from another host and no web font; readable without JavaScript; no sideways scrolling
// at 375 px; screenshots at 1280 and 375 px under target/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  axe, browser, codePage, confirmByCode, decide, fillApplication, submitApplication, generatedPages, linkIn, measure, narrowCells, screenshots, scrollsSideways,
  startMailDev, startServe, stop,
} from "./harness.mjs";

const BUDGET = 60 * 1024;
let maildev;
let serve;
/** Handler pages reached by GET: name -> path. */
const handlerPages = new Map();
/** Handler pages that answer a POST, rendered in a page: name -> page-producing function. */
const postedPages = new Map();

before(async () => {
  maildev = await startMailDev();
  serve = await startServe(maildev);
  // An application, approved by the unit, so there are status, review and dashboard pages.
  const context = await browser();
  const page = await context.newPage();
  await page.goto(`${serve.base}/apply/`);
  await fillApplication(page, 21);
  await submitApplication(page);
  const reference = (await page.locator(".summary dd").first().innerText()).trim();
  handlerPages.set("confirm-address", codePage(reference));
  await confirmByCode(page, maildev, 21, reference);
  const status = new URL(await linkIn(maildev, "applicant21@example.com", `/status/s.${reference}.`)).pathname;
  const unit = new URL(await linkIn(maildev, "unit21@example.gov.cn", `/review/r.${reference}.unit.`)).pathname;
  handlerPages.set("review-unit", unit);
  await page.goto(serve.base + unit);
  await decide(page, "approve");
  handlerPages.set("review-decided", unit);
  handlerPages.set("review-hr", new URL(await linkIn(maildev, "hr-hohhot@example.gov.cn", `/review/r.${reference}.hr.`)).pathname);
  handlerPages.set("status", status);
  handlerPages.set("print", `${status}/print`);
  handlerPages.set("withdraw", `${status}/withdraw`);
  await page.goto(`${serve.base}${status}/print`);
  const verify = await page.locator(".sheet-foot .url").innerText();
  handlerPages.set("verify", new URL(verify.trim()).pathname);
  handlerPages.set("dashboard-request", "/dashboard");
  await page.goto(`${serve.base}/dashboard`);
  await page.fill("#f-email", "hr-hohhot@example.gov.cn");
  await Promise.all([page.waitForLoadState("load"), page.click("#dashboard-form button[type=submit]")]);
  handlerPages.set("dashboard-hr", new URL(await linkIn(maildev, "hr-hohhot@example.gov.cn", "/dashboard/")).pathname);
  await page.goto(`${serve.base}/dashboard`);
  await page.fill("#f-email", "centre@example.gov.cn");
  await Promise.all([page.waitForLoadState("load"), page.click("#dashboard-form button[type=submit]")]);
  handlerPages.set("dashboard-centre", new URL(await linkIn(maildev, "centre@example.gov.cn", "/dashboard/")).pathname);
  handlerPages.set("link-invalid", `${unit}x`);
  handlerPages.set("not-found", "/no/such/page/");
  await context.close();

  postedPages.set("form-errors", async (p) => {
    await p.goto(`${serve.base}/apply/`);
    await Promise.all([p.waitForLoadState("load"), p.click("#apply-form button[type=submit]")]);
    await p.waitForSelector("#error-summary");
  });
  postedPages.set("check-verdict", async (p) => {
    await p.goto(`${serve.base}/check/`);
    await p.check("input[name=track][value=out]");
    await Promise.all([p.waitForLoadState("load"), p.click("#check-form button[type=submit]")]);
    await p.waitForSelector("#verdict");
  });
  postedPages.set("link-sent", async (p) => {
    await p.goto(`${serve.base}/dashboard`);
    await p.fill("#f-email", "someone@example.com");
    await Promise.all([p.waitForLoadState("load"), p.click("#dashboard-form button[type=submit]")]);
  });
});

after(async () => {
  await stop(serve.child);
  await stop(maildev.child);
});

function slug(path) {
  return path === "/" ? "home" : path.replace(/^\/|\/$/g, "").replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
}

/** Checks one loaded page: axe, sideways scrolling at 375 px, and saves its screenshots. */
async function checkPage(page, name) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 1)}`);
  await page.setViewportSize({ width: 375, height: 800 });
  assert.equal(await scrollsSideways(page), false, `${name} scrolls sideways at 375 px`);
  await screenshots(page, name);
}

// The check `screenshots` makes on every page it photographs (issue 32.3), on a page made for it:
// a column squeezed to a character a line is named; a wide enough one, short text in a narrow
// cell, and a clipped (visually hidden) heading are not.
test("the narrow-cell check names a squeezed column and nothing else", async () => {
  const context = await browser({ width: 375 });
  try {
    const page = await context.newPage();
    await page.setContent(`<table style="width:200px;border-collapse:collapse"><thead style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)"><tr><th>盟市（厅局）审核中</th></tr></thead>
      <tr><td>盟市（厅局）审核中</td><td>单位已审核通过，等待盟市人社部门或厅局（高校）审核推荐，单位已审核通过</td><td>1</td></tr></table>
      <table style="width:300px"><tr><td style="width:200px">盟市（厅局）审核中</td><td>否</td></tr></table>`);
    const narrow = await narrowCells(page);
    assert.equal(narrow.length, 1, narrow.join("\n"));
    assert.match(narrow[0], /^td "盟市（厅局）审核中"/);
  } finally {
    await context.close();
  }
});

test("every generated page: accessible, within budget, own host only, no fonts, readable without JS", async () => {
  const pages = generatedPages(serve.out);
  assert.ok(pages.length >= 14, `${pages.length} pages`);
  const context = await browser();
  const noJs = await browser({ javaScriptEnabled: false });
  const host = `127.0.0.1:${serve.port}`;
  try {
    for (const path of pages) {
      const m = await measure(context, serve.base + path, host);
      const name = `site-${slug(path)}`;
      assert.equal(m.status, path === "/404.html" ? 200 : 200, `${path} answered ${m.status}`);
      assert.ok(m.bytes <= BUDGET, `${path}: ${m.bytes} bytes transferred (budget ${BUDGET})`);
      assert.deepEqual(m.foreign, [], `${path} asked other hosts`);
      assert.deepEqual(m.fonts, [], `${path} loaded fonts`);
      console.log(`${path}: ${(m.bytes / 1024).toFixed(1)} KB`);
      await checkPage(m.page, name);
      await m.page.close();
      const bare = await noJs.newPage();
      const response = await bare.goto(serve.base + path);
      assert.equal(response.status(), 200);
      assert.ok((await bare.locator("main").innerText()).trim().length > 20, `${path} is empty without JS`);
      await bare.close();
    }
  } finally {
    await context.close();
    await noJs.close();
  }
});

test("every handler-rendered page: accessible, within budget, own host only, readable without JS", async () => {
  const context = await browser();
  const noJs = await browser({ javaScriptEnabled: false });
  const host = `127.0.0.1:${serve.port}`;
  try {
    for (const [name, path] of handlerPages) {
      const m = await measure(context, serve.base + path, host);
      assert.ok([200, 403, 404].includes(m.status), `${name} answered ${m.status}`);
      assert.ok(m.bytes <= BUDGET, `${name}: ${m.bytes} bytes transferred (budget ${BUDGET})`);
      assert.deepEqual(m.foreign, [], `${name} asked other hosts`);
      assert.deepEqual(m.fonts, [], `${name} loaded fonts`);
      console.log(`${name}: ${(m.bytes / 1024).toFixed(1)} KB`);
      await checkPage(m.page, `handler-${name}`);
      await m.page.close();
      const bare = await noJs.newPage();
      await bare.goto(serve.base + path);
      assert.ok((await bare.locator("main").innerText()).trim().length > 10, `${name} is empty without JS`);
      await bare.close();
    }
    for (const [name, produce] of postedPages) {
      for (const ctx of [context, noJs]) {
        const page = await ctx.newPage();
        await produce(page);
        if (ctx === context) await checkPage(page, `handler-${name}`);
        assert.ok((await page.locator("main").innerText()).trim().length > 10, `${name} is empty`);
        await page.close();
      }
    }
  } finally {
    await context.close();
    await noJs.close();
  }
});

test("an expired review link offers a new one, accessibly", async () => {
  // The same data, a month later: the unit's 14-day link has expired.
  await stop(serve.child);
  const later = await startServe(maildev, { now: "2025-04-20T09:00:00+08:00", data: serve.dir });
  const context = await browser();
  try {
    const m = await measure(context, later.base + handlerPages.get("review-hr"), `127.0.0.1:${later.port}`);
    assert.equal(m.status, 410);
    assert.match(await m.page.locator("main").innerText(), /链接已过期/);
    assert.ok(await m.page.locator("form[action$='/renew'] button").count(), "a button asks for a new link");
    await checkPage(m.page, "handler-link-expired");
  } finally {
    await context.close();
    await stop(later.child);
  }
});
