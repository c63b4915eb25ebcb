// The applicant's rights from the status link, in Debian's Chromium with JavaScript on and off:
// 下载我的数据 (the page with the numbers in full, and its JSON file), then 删除我的申报 (the
// confirmation, the erasure, and a status page that says what is left).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { axe, browser, confirmByMail, fillApplication, idNumber, screenshots, startServices, stopServices, submitApplication } from "./harness.mjs";

let maildev;
let serve;
before(async () => ({ maildev, serve } = await startServices()));
after(() => stopServices({ maildev, serve }));

async function downloadThenErase(javaScriptEnabled, n) {
  const context = await browser({ javaScriptEnabled });
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, n, { javaScriptEnabled });
    await submitApplication(page, { javaScriptEnabled });
    const reference = (await page.locator(".summary dd").first().innerText()).trim();
    await confirmByMail(page, maildev, n, reference, { javaScriptEnabled });
    const status = page.url().split("?")[0];
    const tag = javaScriptEnabled ? "js" : "nojs";

    // 下载我的数据: everything held, the 身份证号 and phone in full, the files and the history.
    await Promise.all([page.waitForURL(/\/data$/), page.click("text=下载我的数据")]);
    assert.equal(await page.locator("h1").innerText(), "我的数据");
    const held = await page.locator("main").innerText();
    assert.match(held, new RegExp(idNumber(n)));
    assert.match(held, /13812345678/);
    assert.match(held, /身份证/);
    assert.match(held, /确认邮箱/);
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], "the data page passes axe");
    await screenshots(page, `privacy-${tag}-my-data`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=下载 JSON 文件")]);
    assert.equal(download.suggestedFilename(), `my-data-${reference}.json`);

    // 删除我的申报: asked first, then done at once.
    await page.goto(status);
    await Promise.all([page.waitForURL(/\/erase$/), page.click("text=删除我的申报…")]);
    assert.equal(await page.locator("h1").innerText(), "删除我的申报");
    assert.match(await page.locator("main").innerText(), /不能恢复/);
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], "the erase page passes axe");
    await screenshots(page, `privacy-${tag}-erase`);
    await page.check("input[name=confirm]");
    await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
    assert.match(await page.locator("main").innerText(), /已从本站删除/);
    await screenshots(page, `privacy-${tag}-erased`);
    await page.goto(status);
    const after = await page.locator("main").innerText();
    assert.match(after, /已撤回/);
    assert.doesNotMatch(after, /乌力吉/);
    assert.equal(await page.locator("text=删除我的申报…").count(), 0, "nothing more to erase");
  } finally {
    await context.close();
  }
}

test("download my data, then erase the application, with JavaScript", async () => {
  await downloadThenErase(true, 71);
});

test("download my data, then erase the application, with JavaScript off", async () => {
  await downloadThenErase(false, 73);
});
