// Reviewers' journeys (issue 16) in Debian's Chromium against `tepei serve` with MailDev: the unit
// returns without a comment and gets the form back with an error summary, then returns with one
// and is told what follows; the applicant resubmits and the unit sees what changed; HR opens its
// dashboard on "待您审核（1）" (nothing scrolls sideways at 1280 px), is refused a recommendation
// before the stamped paper is recorded, is told a paper printed before the resubmission is 第1版
// against 第2版, records the current one by its printed code (the applicant is no longer asked to
// print) and recommends; HR sends the 汇总表 through its confirmation page, the centre gets one
// mail, and with nothing changed the page offers no second send. Screenshots of each reviewer
// page at 1280 and 375 px; axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  axe, browser, codeIn, confirmByCode, decide, fillApplication, linkIn, mails, printedCode, receivePaper, screenshots, scrollsSideways,
  startServices, stopServices, submitApplication, mailsOnPhone,
} from "./harness.mjs";

let maildev;
let serve;
before(async () => ({ maildev, serve } = await startServices()));
after(() => stopServices({ maildev, serve }));

test("unit, HR and the centre each act from their mail in a few clicks", async () => {
  const context = await browser();
  const step = async (page, name) => {
    assert.deepEqual(await axe(page), [], `${name}: axe`);
    await screenshots(page, `reviewer-${name}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, 61);
    await submitApplication(page);
    const reference = (await page.locator(".summary dd").first().innerText()).trim();
    await confirmByCode(page, maildev, 61, reference);
    // The applicant prints at once (version 1): this paper will be stale after the resubmission.
    const status = await linkIn(maildev, "applicant61@example.com", `/status/s.${reference}.`);
    const stalePaper = await printedCode(page, status);

    // The unit: the page names whom it decides on; 退回 without a comment comes back with a summary.
    const unit = await linkIn(maildev, "unit61@example.gov.cn", `/review/r.${reference}.unit.`);
    await page.goto(unit);
    assert.equal(await page.locator("h1").innerText(), "审核：乌力吉（呼和浩特市第一医院）");
    await step(page, "1-unit");
    await decide(page, "return", { refused: true });
    assert.match(await page.locator("#error-summary").innerText(), /退回时必须填写退回意见/);
    assert.ok(await page.isChecked("input[name=decision][value=return]"), "the choice is kept");
    await step(page, "2-unit-return-without-comment");
    await decide(page, "return", { comment: "请写明回院后开展的新技术" });
    assert.match(await page.locator(".confirmation").innerText(), /已退回，已邮件通知申报人/);
    await step(page, "3-unit-returned");

    // The applicant resubmits; the unit sees the change, old and new, and approves.
    await page.goto(status);
    await page.fill("#f-plan", "学习心血管介入诊疗新技术，回院后开展胸痛中心建设。");
    await Promise.all([page.waitForNavigation(), page.click("#resubmit-form button[type=submit]")]);
    const again = await linkIn(maildev, "unit61@example.gov.cn", `/review/r.${reference}.unit.`, { other: unit });
    await page.goto(again);
    const changes = await page.locator("table.changes").innerText();
    assert.match(changes, /培养计划/);
    assert.match(changes, /胸痛中心建设/);
    await step(page, "4-unit-sees-changes");
    await decide(page, "approve");
    assert.match(await page.locator(".confirmation").innerText(), /已审核通过/);

    // HR: the dashboard leads with what waits, its 审核 button in view at 1280 px.
    await page.goto(`${serve.base}/dashboard`);
    await page.fill("#f-email", "hr-hohhot@example.gov.cn");
    await Promise.all([page.waitForLoadState("load"), page.click("#dashboard-form button[type=submit]")]);
    const dashboard = await linkIn(maildev, "hr-hohhot@example.gov.cn", "/dashboard/");
    await page.goto(dashboard);
    assert.match(await page.locator("#waiting-title").innerText(), /待您审核（1）/);
    const button = page.locator("section.waiting a.button").first();
    const box = await button.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 1280, `the 审核 button is in view: ${JSON.stringify(box)}`);
    // The whole list fits at 1280 px, its own 审核 button in the first column.
    assert.equal(await scrollsSideways(page), false, "the dashboard scrolls sideways at 1280 px");
    const listButton = await page.locator("table.dashboard tbody tr td:first-child a.button").first().boundingBox();
    assert.ok(listButton && listButton.x + listButton.width <= 1280, "the list's 审核 button is in view");
    // Header, breadcrumbs and content start at one left edge.
    const lefts = await page.evaluate(() => ["header .wrap", "nav.breadcrumbs", "main"].map((s) => Math.round(document.querySelector(s).getBoundingClientRect().left + parseFloat(getComputedStyle(document.querySelector(s)).paddingLeft))));
    assert.ok(Math.max(...lefts) - Math.min(...lefts) <= 2, `one left edge: ${lefts}`);
    await step(page, "5-hr-dashboard");
    await Promise.all([page.waitForURL(/\/review\//), button.click()]);

    // Recommending before the paper is recorded is refused, with the reason.
    const hr = page.url();
    await decide(page, "approve", { refused: true });
    assert.match(await page.locator("main").innerText(), /尚未登记纸质申报表/);
    await step(page, "6-hr-refused-without-paper");

    // The paper printed before the resubmission: recorded as not matching, with both versions.
    await page.goto(hr);
    await page.fill("#f-code", stalePaper);
    await Promise.all([page.waitForLoadState("load"), page.click("#paper-form button[type=submit]")]);
    assert.match(await page.locator("main").innerText(), /纸质申报表为第1版，系统中现为第2版/);
    await step(page, "6b-hr-stale-paper");

    // The code off the stamped paper: recorded, matching; then the recommendation goes through.
    await receivePaper(page, hr, status);
    assert.match(await page.locator("#paper").innerText(), /与系统中的当前内容一致/);
    await step(page, "7-hr-paper-received");
    const recorded = page.url().replace(/\?paper=1$/, "");
    // The applicant is no longer asked to print.
    await page.goto(status);
    assert.match(await page.locator("main").innerText(), /已收到您盖章的纸质申报表（第2版），与线上申报一致/);
    await page.goto(recorded);
    await decide(page, "approve");
    assert.match(await page.locator(".confirmation").innerText(), /已推荐/);

    // Sending the 汇总表: a confirmation page first, then one mail to the centre.
    await page.goto(dashboard);
    await Promise.all([page.waitForURL(/\/send$/), page.click("a[href$='/send']")]);
    assert.match(await page.locator("main").innerText(), /将以下 1 份已推荐申报/);
    await step(page, "8-hr-send-confirmation");
    const before = (await mails(maildev)).length;
    await Promise.all([page.waitForURL(/sent=1$/), page.click("form button[type=submit]")]);
    const deadline = Date.now() + 15000;
    let toCentre = [];
    while (Date.now() < deadline) {
      toCentre = (await mails(maildev)).slice(before).filter((m) => m.to.includes("1819448970@qq.com"));
      if (toCentre.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(toCentre.length, 1, "one mail to the centre");
    // Once per change: with nothing changed, the page says so and offers no send.
    await page.goto(`${dashboard}/send`);
    assert.match(await page.locator("main").innerText(), /此后没有变化，无需再次发送/);
    assert.equal(await page.locator("form button[type=submit]").count(), 0);
    await step(page, "9-hr-send-unchanged");
  } finally {
    await context.close();
  }
});

// The same person applies twice (issue 30, finding 4): both are stored; the unit's page says
// nothing of the other (its address is the applicant's to choose), HR's dashboard and page name
// it; HR records one paper from the dashboard by
// 申报编号 and 核验码 (a wrong code comes back on the same form, as typed), recommends it, and is
// refused the second with the reason and the choice kept.
test("reviewers see the other application of a number, and one number holds one place", async () => {
  const context = await browser();
  const step = async (page, name) => {
    assert.deepEqual(await axe(page), [], `${name}: axe`);
    await screenshots(page, `numbers-${name}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  try {
    const page = await context.newPage();
    const references = [];
    let used;
    for (const _ of [1, 2]) {
      await page.goto(`${serve.base}/apply/`);
      await fillApplication(page, 63);
      await submitApplication(page);
      const reference = (await page.locator(".summary dd").first().innerText()).trim();
      used = await codeIn(maildev, "applicant63@example.com", { other: used });
      await page.fill("#f-code", used);
      await Promise.all([page.waitForURL(/confirmed=1$/), page.click("#code-form button[type=submit]")]);
      references.push(reference);
    }
    const [first, second] = references;
    assert.notEqual(first, second);
    const hrLinks = [];
    for (const reference of references) {
      const unit = await linkIn(maildev, "unit63@example.gov.cn", `/review/r.${reference}.unit.`);
      await page.goto(unit);
      // The unit's address is the applicant's to choose: its page says nothing of the other.
      assert.equal(await page.locator(".same-number-box").count(), 0);
      if (reference === first) await step(page, "1-unit-sees-nothing-of-the-other");
      await decide(page, "approve");
      hrLinks.push(await linkIn(maildev, "hr-hohhot@example.gov.cn", `/review/r.${reference}.hr.`));
    }
    // The codes off the two stamped papers the applicant printed (HR's own print has none).
    const statusLinks = [];
    for (const reference of references) {
      statusLinks.push(await linkIn(maildev, "applicant63@example.com", `/status/s.${reference}.`));
    }
    const codes = [await printedCode(page, statusLinks[0]), await printedCode(page, statusLinks[1])];
    await page.goto(`${hrLinks[0]}/print`);
    assert.match(await page.locator("main, body").first().innerText(), /审核预览，不含核验码/);
    assert.equal(await page.locator(".qr-box").count(), 0, "no QR code on HR's print");
    assert.match(await page.locator(".sheet-actions").innerText(), /审核预览，不是报送用的申报表/);
    assert.equal(await page.locator("[data-print]").count(), 0, "no print button on HR's preview");
    await step(page, "7a-hr-print-preview");

    // The dashboard: a wrong code comes back on the same form as typed; then 申报编号 and 核验码.
    await page.goto(`${serve.base}/dashboard`);
    await page.fill("#f-email", "hr-hohhot@example.gov.cn");
    await Promise.all([page.waitForLoadState("load"), page.click("#dashboard-form button[type=submit]")]);
    const dashboard = await linkIn(maildev, "hr-hohhot@example.gov.cn", "/dashboard/");
    await page.goto(dashboard);
    assert.match(await page.locator("table.dashboard").innerText(), new RegExp(`同一身份证号另有：${second}`));
    await page.fill("#f-reference", first);
    await page.fill("#f-code", "1234");
    await Promise.all([page.waitForLoadState("load"), page.click("#paper-form button[type=submit]")]);
    assert.match(await page.locator("#error-summary").innerText(), /核验码不正确/);
    assert.equal(await page.inputValue("#f-reference"), first, "the 申报编号 is kept");
    assert.equal(await page.inputValue("#f-code"), "1234", "the code is kept as typed");
    await step(page, "2-dashboard-paper-refused");
    for (const [i, reference] of references.entries()) {
      await page.fill("#f-reference", reference.toLowerCase());
      await page.fill("#f-code", codes[i].replaceAll("-", "").toLowerCase());
      await Promise.all([page.waitForURL(/\?paper=/), page.click("#paper-form button[type=submit]")]);
      assert.match(await page.locator("main").innerText(), new RegExp(`纸质申报表已登记：${reference}`));
    }

    // HR recommends the first; the second's page names it as holding the place, and the
    // recommendation is refused with the reason, the choice kept.
    // From the dashboard, as HR goes on after recording the paper: each row's 审核 button.
    const fresh = async (n) => {
      await page.goto(dashboard);
      const path = await page.locator(`section.waiting a[href*="/review/r.${references[n]}.hr."]`).getAttribute("href");
      return new URL(path, page.url()).href;
    };
    await page.goto(await fresh(0));
    await decide(page, "approve");
    assert.match(await page.locator(".confirmation").innerText(), /已推荐/);
    await page.goto(await fresh(1));
    assert.match(await page.locator(".same-number-box").innerText(), new RegExp(`${first}：已推荐[\\s\\S]*已占用名额`));
    await decide(page, "approve", { refused: true });
    assert.match(await page.locator("#error-summary").innerText(), new RegExp(`另一份申报（${first}）已被推荐并占用名额`));
    assert.ok(await page.isChecked("input[name=decision][value=approve]"), "the choice is kept");
    await step(page, "3-hr-second-place-refused");
  } finally {
    await context.close();
  }
});

test("every mail of these journeys reads on a phone: a button, its address wrapped, nothing sideways", async () => {
  const kinds = await mailsOnPhone(maildev, "reviewers");
  console.log("mails photographed:", kinds.join(" | "));
  assert.ok(kinds.length >= 3, kinds.join(" | "));
});
