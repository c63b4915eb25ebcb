// The applicant's rights from the status link, in Debian's Chromium with JavaScript on and off:
// 下载我的数据 (the page with the numbers in full, and its JSON file), then 删除我的申报 (the
// confirmation, the erasure, and a status page that says what is left); after the centre's
// decision, 删除我的申报 is a request the centre sees on its dashboard and answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { axe, browser, confirmByCode, decide, fillApplication, idNumber, linkIn, receivePaper, screenshots, startServices, stopServices, submitApplication, mailsOnPhone } from "./harness.mjs";

let maildev;
let serve;
before(async () => ({ maildev, serve } = await startServices()));
after(() => stopServices({ maildev, serve }));

/** Applicant `n` applies and confirms by mail; ends on the status page. */
async function appliedAndConfirmed(page, n, javaScriptEnabled) {
  await page.goto(`${serve.base}/apply/`);
  await fillApplication(page, n, { javaScriptEnabled });
  await submitApplication(page, { javaScriptEnabled });
  const reference = (await page.locator(".summary dd").first().innerText()).trim();
  await confirmByCode(page, maildev, n, reference, { javaScriptEnabled });
  return { reference, status: page.url().split("?")[0] };
}

async function downloadThenErase(javaScriptEnabled, n) {
  const context = await browser({ javaScriptEnabled });
  try {
    const page = await context.newPage();
    const { reference, status } = await appliedAndConfirmed(page, n, javaScriptEnabled);
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
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=下载数据文件（机器可读，JSON格式）")]);
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

/** `journey` as `name`, with JavaScript on (applicant `on`) and off (applicant `off`). */
function onAndOff(name, journey, on, off) {
  test(`${name}, with JavaScript`, () => journey(true, on));
  test(`${name}, with JavaScript off`, () => journey(false, off));
}

onAndOff("download my data, then erase the application", downloadThenErase, 71, 73);

/** Applicant `n` applies; the unit approves, HR records the paper and recommends, the centre selects. */
async function selectedApplication(page, n, javaScriptEnabled) {
  const { reference, status } = await appliedAndConfirmed(page, n, javaScriptEnabled);
  await page.goto(await linkIn(maildev, `unit${n}@example.gov.cn`, `/review/r.${reference}.unit.`));
  await decide(page, "approve");
  const hr = await linkIn(maildev, "hr-hohhot@example.gov.cn", `/review/r.${reference}.hr.`);
  await receivePaper(page, hr, status);
  await page.goto(page.url().replace(/\?paper=1$/, ""));
  await decide(page, "approve");
  await page.goto(`${serve.base}/dashboard`);
  await page.fill("#f-email", "centre@example.gov.cn");
  await Promise.all([page.waitForLoadState("load"), page.click("#dashboard-form button[type=submit]")]);
  const centre = await linkIn(maildev, "centre@example.gov.cn", "/dashboard/");
  await page.goto(centre);
  await Promise.all([page.waitForURL(/\/review\//), page.click(`a.button:has-text("${reference}")`)]);
  await decide(page, "select");
  return { reference, status, centre };
}

async function requestThenCentreErases(javaScriptEnabled, n) {
  const context = await browser({ javaScriptEnabled });
  try {
    const page = await context.newPage();
    const { reference, status, centre } = await selectedApplication(page, n, javaScriptEnabled);
    const tag = javaScriptEnabled ? "js" : "nojs";

    // The applicant asks: the page says the outcome is recorded (this site's arrangement) and the
    // request is handled by the centre's account, then records the request.
    await page.goto(status);
    await Promise.all([page.waitForURL(/\/erase$/), page.click("text=申请删除个人信息…")]);
    assert.match(await page.locator("main").innerText(), /不能再直接删除，但可以申请删除您的个人信息；申请由自治区人事人才公共服务中心的账号代为处理（本站设置）/);
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], "the request page passes axe");
    await screenshots(page, `privacy-${tag}-request`);
    await page.check("input[name=confirm]");
    await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
    assert.match(await page.locator("main").innerText(), /删除申请已提交/);
    await page.click("text=返回进度页");
    assert.match(await page.locator("#my-data").innerText(), /申请删除个人信息，由自治区人事人才公共服务中心的账号代为处理（本站设置）/);

    // The centre sees it on its dashboard and erases, confirmed.
    await page.goto(centre);
    const request = page.locator(`form.erasure-request:has(input[value="${reference}"])`);
    assert.match(await request.innerText(), /申请删除/);
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], "the centre's dashboard passes axe");
    await request.scrollIntoViewIfNeeded();
    await screenshots(page, `privacy-${tag}-centre-request`);
    // 不予删除 without a reason: the same form again, the choice kept, the reason asked for.
    await request.locator("input[name=answer][value=decline]").check();
    await Promise.all([page.waitForLoadState("load"), request.locator("button[type=submit]").click()]);
    assert.match(await page.locator("#error-summary").innerText(), /请填写不予删除的理由/);
    assert.ok(await request.locator("input[name=answer][value=decline]").isChecked(), "the choice is kept");
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], "the refused answer passes axe");
    await request.scrollIntoViewIfNeeded();
    await screenshots(page, `privacy-${tag}-centre-decline-without-reason`);
    // 删除, confirmed.
    await request.locator("input[name=answer][value=erase]").check();
    await request.locator("input[name=confirm]").check();
    await Promise.all([page.waitForURL(/erased=/), request.locator("button[type=submit]").click()]);
    assert.match(await page.locator("main").innerText(), new RegExp(`已按申请删除 ${reference} 的个人信息`));
    assert.equal(await page.locator(`form.erasure-request:has(input[value="${reference}"])`).count(), 0);

    // The applicant's page says what is left.
    await page.goto(status);
    const after = await page.locator("main").innerText();
    assert.match(after, /从本站删除/);
    assert.match(after, /已登记入选（本站设置）/);
    assert.doesNotMatch(after, /乌力吉/);
    await screenshots(page, `privacy-${tag}-erased-by-centre`);
  } finally {
    await context.close();
  }
}

onAndOff("after the decision, erasure is a request the centre answers", requestThenCentreErases, 75, 77);

test("every mail of these journeys reads on a phone: a button, its address wrapped, nothing sideways", async () => {
  const kinds = await mailsOnPhone(maildev, "privacy");
  console.log("mails photographed:", kinds.join(" | "));
  assert.ok(kinds.length >= 3, kinds.join(" | "));
});
