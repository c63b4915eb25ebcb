// Real-browser journeys against `tepei serve` with MailDev, in Debian's Chromium: the applicant
// reads, checks and applies (with JavaScript on and off), the unit and HR approve from the links
// in their mail, and the status page says 已推荐; documents added from the status page (a refused
// file named on the page); the empty form's error summary; the local draft;
// every page at 375 px; the printed 申报表 on A4.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { axe, browser, chooseDocuments, codeIn, pdf, confirmByCode, decide, fillApplication, receivePaper, selfCheck, startServices, stopServices, screenshots, submitApplication, idNumber, linkIn, mails, mailsOnPhone } from "./harness.mjs";

let maildev;
let serve;
before(async () => ({ maildev, serve } = await startServices()));
after(() => stopServices({ maildev, serve }));

async function journey(javaScriptEnabled, n) {
  const context = await browser({ javaScriptEnabled });
  try {
    const page = await context.newPage();
    // Read the notice.
    await page.goto(`${serve.base}/notice/`);
    assert.equal(await page.locator("h1").innerText(), "通知全文");
    assert.match(await page.locator("main").innerText(), /关于开展2025年度内蒙古自治区专业技术人才特殊培养工作的通知/);
    // The self-check.
    await page.goto(`${serve.base}/check/`);
    await page.check("input[name=track][value=out]");
    await selfCheck(page, { javaScriptEnabled });
    assert.match(await page.locator("#verdict").innerText(), /符合申报条件/);
    // Apply.
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, n, { javaScriptEnabled });
    assert.deepEqual(await submitApplication(page, { javaScriptEnabled }), [], "the 核对信息 page passes axe");
    assert.match(await page.locator(".confirmation").innerText(), /请输入邮箱验证码/);
    const reference = (await page.locator(".summary dd").first().innerText()).trim();
    assert.match(reference, /^TP2025-[0-9A-Z]{6}$/);
    await confirmByCode(page, maildev, n, reference);
    // The unit reviewer approves from the link in the mail.
    const unit = await linkIn(maildev, `unit${n}@example.gov.cn`, `/review/r.${reference}.unit.`);
    await page.goto(unit);
    await decide(page, "approve");
    // HR recommends from theirs.
    const hr = await linkIn(maildev, "hr-hohhot@example.gov.cn", `/review/r.${reference}.hr.`);
    const status = await linkIn(maildev, `applicant${n}@example.com`, `/status/s.${reference}.`);
    await receivePaper(page, hr, status);
    await decide(page, "approve");
    // The applicant's status link says 已推荐.
    await page.goto(status);
    assert.match(await page.locator(".summary").innerText(), /已推荐/);
    return reference;
  } finally {
    await context.close();
  }
}

test("apply with JavaScript, approve from the mailed links, see 已推荐", async () => {
  await journey(true, 11);
});

test("the same journey with JavaScript off", async () => {
  await journey(false, 13);
});

test("documents are added from the status page; a refused file says why, beside the field", async () => {
  const n = 17;
  const context = await browser();
  const plain = await browser({ javaScriptEnabled: false, width: 375, height: 800 });
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, n);
    await submitApplication(page);
    const reference = (await page.locator(".summary dd").first().innerText()).trim();
    await confirmByCode(page, maildev, n, reference);
    const status = page.url().split("?")[0];
    // With the script: the file uploads at once, issued for this application, then 补充材料.
    await page.click("#add-documents summary");
    await chooseDocuments(page, ["other"]);
    await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("#add-documents-form button[type=submit]")]);
    await page.waitForLoadState("load");
    assert.match(await page.locator("main").innerText(), /补充了：其他/);
    // Without it, on a phone: a renamed program is refused, the message at the top and beside
    // the field, the section open.
    const phone = await plain.newPage();
    await phone.goto(status);
    await phone.click("#add-documents summary");
    await phone.setInputFiles("#f-attachments-other", { name: "证书.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 not a document") });
    const [posted] = await Promise.all([phone.waitForResponse((r) => r.request().method() === "POST"), phone.click("#add-documents-form button[type=submit]")]);
    await phone.waitForLoadState("load");
    assert.equal(posted.status(), 422, (await phone.locator("main").innerText()).slice(0, 600));
    assert.match(await phone.locator("#error-summary").innerText(), /证书\.pdf/);
    assert.match(await phone.locator("#add-documents .field-error").first().innerText(), /PDF、JPEG或PNG/);
    assert.equal(await phone.locator("#add-documents details").getAttribute("open"), "");
    await screenshots(phone, "status-add-documents-refused");
  } finally {
    await plain.close();
    await context.close();
  }
});

test("a missing document's error leaves the summary once its kind has a file", async () => {
  const context = await browser();
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, 19, { documents: false });
    await Promise.all([page.waitForURL(/\/apply\/check$/), page.click("#apply-form button[type=submit]")]);
    const summary = page.locator("#error-summary");
    const before = await summary.innerText();
    assert.match(before, /请上传身份证/);
    assert.match(before, /请上传学历证书/);
    const count = Number(/请修改以下(\d+)处问题/.exec(before)[1]);
    await screenshots(page, "apply-documents-missing");
    await chooseDocuments(page, ["id_card"]);
    const after = await summary.innerText();
    assert.doesNotMatch(after, /请上传身份证/, "the kind uploaded is no longer asked for");
    assert.match(after, /请上传学历证书/, "the others still are");
    assert.match(after, new RegExp(`请修改以下${count - 1}处问题`));
    assert.doesNotMatch(await page.locator("#f-attachments").innerText(), /请上传身份证/, "nor beside the documents");
    await screenshots(page, "apply-documents-one-uploaded");
    await chooseDocuments(page, ["education_certificate", "ethnicity_proof"]);
    assert.equal(await page.locator("#error-summary").count(), 0, "the summary goes with its last item");
    assert.deepEqual(await submitApplication(page), [], "and the form now passes");
  } finally {
    await context.close();
  }
});

test("an empty form: the error summary takes focus and each link moves to its field", async () => {
  const context = await browser();
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await Promise.all([page.waitForLoadState("load"), page.click("#apply-form button[type=submit]")]);
    await page.waitForSelector("#error-summary");
    assert.equal(await page.evaluate(() => document.activeElement.id), "error-summary");
    const links = await page.locator("#error-summary a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(links.length >= 10, `every missing field is listed: ${links}`);
    for (const href of links) {
      await page.click(`#error-summary a[href="${href}"]`);
      const focused = await page.evaluate(() => document.activeElement.id || document.activeElement.name);
      const target = href.slice(1);
      const inside = await page.evaluate((t) => {
        const el = document.getElementById(t);
        return el === document.activeElement || (el && el.contains(document.activeElement));
      }, target);
      assert.ok(inside, `${href} moved focus to ${focused}`);
    }
  } finally {
    await context.close();
  }
});

test("half a form survives a reload as a local draft, and is gone after submitting", async () => {
  const context = await browser();
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await page.fill("#f-name", "其木格");
    await page.fill("#f-id_number", idNumber(15));
    await page.selectOption("#f-education", "bachelor");
    await page.check("input[name=track][value=in]");
    await page.reload();
    assert.equal(await page.inputValue("#f-name"), "其木格");
    assert.equal(await page.inputValue("#f-education"), "bachelor");
    assert.ok(await page.isChecked("input[name=track][value=in]"));
    assert.equal(await page.inputValue("#f-id_number"), "", "the 身份证号 is never kept in the browser");
    await fillApplication(page, 15);
    await submitApplication(page);
    await page.goto(`${serve.base}/apply/`);
    assert.equal(await page.inputValue("#f-name"), "", "the draft is cleared once the application is taken");
  } finally {
    await context.close();
  }
});

// A second file chosen for one kind (issue 32.7): both are listed with their own 删除, the form
// says both are kept, and 核对信息 lists exactly what the list shows.
test("a second file for a kind is listed beside the first, each with 删除", async () => {
  const context = await browser();
  try {
    const page = await context.newPage();
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, 16);
    await page.setInputFiles("#f-attachments-id_card", pdf("身份证-背面"));
    await page.waitForFunction(() => /本类现有2个文件/.test(document.getElementById("f-attachments-id_card-state").textContent));
    const listed = page.locator("#f-attachments-id_card-files li");
    assert.equal(await listed.count(), 2);
    assert.deepEqual(await axe(page), [], "the list passes axe");
    await screenshots(page, "journey-two-files-for-a-kind");
    await page.setViewportSize({ width: 1280, height: 900 });
    // The first removed: one left, and 核对信息 shows just it.
    await listed.first().locator("button").click();
    assert.equal(await listed.count(), 1);
    assert.match(await listed.first().innerText(), /身份证-背面/);
    await Promise.all([page.waitForURL(/\/apply\/check$/), page.click("#apply-form button[type=submit]")]);
    const files = await page.locator("table.answers").nth(1).innerText();
    assert.equal((files.match(/^身份证\t/gm) || []).length, 1, files);
    assert.match(files, /身份证-背面/);
  } finally {
    await context.close();
  }
});

test("the printed 申报表 fits A4 in at most two pages", async () => {
  const context = await browser();
  try {
    const status = await linkIn(maildev, "applicant11@example.com", "/status/");
    const page = await context.newPage();
    await page.goto(`${status}/print`);
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: false, preferCSSPageSize: true });
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    assert.ok(pages >= 1 && pages <= 2, `the 申报表 prints on ${pages} pages`);
  } finally {
    await context.close();
  }
});

test("mail went through the real SMTP server", async () => {
  const all = await mails(maildev);
  assert.ok(all.length >= 8, `${all.length} mails`);
});

/**
 * The whole journey of one applicant (issue 15), with screenshots at 1280 and 375 px of every
 * step and axe on each page: from the home page through the self-check, whose answers are
 * carried into the form; two mistakes caught in one summary, 核对信息, the confirmation; the
 * unit returns it; the applicant replaces a file and resubmits; the unit approves; the 接下来
 * panel names the paper step; print; withdraw; and the same person applies afresh.
 */
async function wholeJourney(javaScriptEnabled, n) {
  const tag = javaScriptEnabled ? "js" : "nojs";
  const context = await browser({ javaScriptEnabled });
  const step = async (page, name) => {
    // axe-core runs as page script, so only with JavaScript on (the markup is the same).
    if (javaScriptEnabled) assert.deepEqual(await axe(page), [], `${name}: axe`);
    await screenshots(page, `journey-${tag}-${name}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  try {
    const page = await context.newPage();
    // From the home page to the self-check, whose answers are carried into the form.
    await page.goto(`${serve.base}/`);
    await Promise.all([page.waitForURL(/\/check\/$/), page.click("nav a[href='/check/']")]);
    // 核对资格 with nothing answered: what to answer, not a verdict.
    if (javaScriptEnabled) {
      await page.click("#check-form button[type=submit]");
      await page.waitForSelector("#verdict .error-summary");
    } else {
      await Promise.all([page.waitForLoadState("load"), page.click("#check-form button[type=submit]")]);
    }
    const asked = await page.locator("#verdict").innerText();
    assert.match(asked, /请先回答以下8个问题，再核对资格/);
    assert.doesNotMatch(asked, /暂不符合|身份证/);
    await step(page, "0a-self-check-empty");
    await selfCheck(page, { javaScriptEnabled });
    await step(page, "0-self-check");
    await Promise.all([page.waitForLoadState("load"), page.locator("form.carry button", { hasText: "区外培养" }).first().click()]);
    // It lands on the form's intro, with when applying here closes in view.
    if (javaScriptEnabled) await page.waitForURL(/\/apply\/$/, { timeout: 10000 });
    assert.match(await page.locator("#window-state").innerText(), /在本站提交申报截止：2025年\d+月\d+日[^（]*（北京时间，本站设置）/);
    assert.ok(await page.locator("#window-state").evaluate((e) => e.getBoundingClientRect().top < window.innerHeight), "the 申报时间 in view");
    await step(page, "0b-form-from-self-check");
    assert.equal(await page.inputValue("#f-education"), "master", "the answers are carried into the form");
    assert.equal(await page.inputValue("#f-profession_start"), "2015-07");
    await fillApplication(page, n, { javaScriptEnabled });
    await page.fill("#f-phone", "123");
    await page.fill("#f-plan", "太短");
    await Promise.all([page.waitForURL(/\/apply\/check$/), page.click("#apply-form button[type=submit]")]);
    const summary = await page.locator("#error-summary").innerText();
    // Without JavaScript the files travel with the form and are stored only once its answers
    // pass: the summary says to choose them again.
    assert.match(summary, javaScriptEnabled ? /请修改以下2处问题/ : /请修改以下3处问题/);
    assert.match(summary, /手机号码/);
    if (!javaScriptEnabled) assert.match(summary, /所选文件尚未保存/);
    await step(page, "1-two-mistakes");
    await page.fill("#f-phone", "13812345678");
    await page.fill("#f-plan", "学习心血管内科诊疗新技术，回院后开展新项目。");
    if (!javaScriptEnabled) await chooseDocuments(page, undefined, { javaScriptEnabled });
    assert.deepEqual(await submitApplication(page, { shoot: `journey-${tag}-2-check-answers`, javaScriptEnabled }), []);
    assert.match(await page.locator(".confirmation").innerText(), /请输入邮箱验证码/);
    await step(page, "3-confirmation");
    const reference = (await page.locator(".summary dd").first().innerText()).trim();
    // The 邮箱验证码 typed on this same page; only now are the unit and the status link mailed.
    const before = (await mails(maildev)).filter((m) => m.to.includes(`applicant${n}@example.com`));
    assert.equal(before.length, 1, "one mail before the code is typed: the code");
    assert.doesNotMatch(before[0].text, /\/status\/|\/confirm\/|\/review\//, "the code mail opens nothing");
    await confirmByCode(page, maildev, n, reference, { shoot: `journey-${tag}-3b-confirm-address`, javaScriptEnabled });
    assert.match(await linkIn(maildev, `applicant${n}@example.com`, `/status/s.${reference}.`), /\/status\//);
    await step(page, "3c-confirmed");

    // The unit returns it with a comment.
    const unit = await linkIn(maildev, `unit${n}@example.gov.cn`, `/review/r.${reference}.unit.`);
    await page.goto(unit);
    await decide(page, "return", { comment: "身份证复印件不清楚，请重新上传" });

    // The applicant replaces the file and resubmits.
    let status = await linkIn(maildev, `applicant${n}@example.com`, `/status/s.${reference}.`);
    await page.goto(status);
    assert.match(await page.locator(".next-step").innerText(), /修改/);
    await step(page, "4-returned");
    await page.locator("#resubmit-form .files-held li", { hasText: "身份证：" }).locator("input[name=remove]").check();
    await chooseDocuments(page, ["id_card"], { javaScriptEnabled });
    // A new address too: it is proven by its own code, typed on the page the resubmission leads to.
    await page.fill("#resubmit-form #f-email", `new${n}@example.com`);
    const resubmitted = await Promise.all([page.waitForNavigation(), page.click("#resubmit-form button[type=submit]")]);
    assert.equal(resubmitted[0].status(), 200, "resubmitted (303 to the code page), not refused");
    assert.match(await page.locator("main").innerText(), /请输入发送到新邮箱的验证码/);
    assert.match(await page.locator("main").innerText(), new RegExp(`验证码已发送至 new${n}@example\\.com。如新邮箱填写有误`));
    // Meanwhile the status page marks the new address 待验证, and mail stays with the old one.
    const statusTab = await context.newPage();
    await statusTab.goto(status);
    const waiting = await statusTab.locator(".pending-address").innerText();
    assert.match(waiting, new RegExp(`new${n}@example\\.com（待验证）`));
    assert.match(waiting, new RegExp(`验证前，通知仍发送到 applicant${n}@example\\.com`));
    await step(statusTab, "4c-status-new-address-unproven");
    await statusTab.close();
    const newCode = await codeIn(maildev, `new${n}@example.com`);
    const toNew = (await mails(maildev)).filter((m) => m.to.includes(`new${n}@example.com`));
    assert.equal(toNew.length, 1, "the new address gets its code and nothing else");
    assert.doesNotMatch(toNew[0].text, /https?:\/\//, "no link to an address not yet proven");
    await page.fill("#f-code", newCode);
    await step(page, "4b-new-address-code");
    await Promise.all([page.waitForURL(/\/status\//), page.click("#code-form button[type=submit]")]);
    assert.match(await page.locator(".summary").innerText(), /单位审核中/);
    // From now on the link mailed to the new address is the one that opens the application; the
    // old address's link says it no longer does.
    const proven = await linkIn(maildev, `new${n}@example.com`, `/status/s.${reference}.`);
    assert.match(proven, /\/status\//);
    assert.match(await page.locator(".timeline, main").first().innerText(), /证明材料/);
    const oldLink = await page.goto(status);
    assert.equal(oldLink.status(), 410);
    assert.match(await page.locator("main").innerText(), /申报人邮箱已更换并验证/);
    status = proven;

    // The unit approves from its fresh link; the 接下来 panel names the paper step.
    const again = await linkIn(maildev, `unit${n}@example.gov.cn`, `/review/r.${reference}.unit.`, { other: unit });
    await page.goto(again);
    await decide(page, "approve");
    await page.goto(status);
    const next = await page.locator(".next-step").innerText();
    assert.match(next, /打印申报表/);
    assert.match(next, /盖章/);
    await step(page, "5-next-step-paper");
    await Promise.all([page.waitForURL(/\/print$/), page.click(".next-step a.button")]);
    assert.match(await page.locator("main, body").first().innerText(), /贴照片处/);
    assert.doesNotMatch(await page.locator("main").innerText(), /当前状态/, "nothing live on paper");
    await screenshots(page, `journey-${tag}-6-print`);
    // On a phone: a preview to read, each label above its value, and where to print it.
    assert.match(await page.locator(".sheet-phone").innerText(), /请在电脑上打印/);
    const label = await page.locator(".sheet-table th", { hasText: "居民身份证号码" }).boundingBox();
    const value = await page.locator(".sheet-table th:has-text('居民身份证号码') + td").boundingBox();
    assert.ok(value.y >= label.y + label.height - 1 && value.width > 300, `the value under its label: ${JSON.stringify([label, value])}`);
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.equal(await page.locator(".sheet-phone").isVisible(), false, "the phone's note is not on a computer's sheet");
    // The 核验码 beside the 申报编号 on one line (it wrapped at 1280 px), and this version's time.
    const codeLines = await page.locator(".sheet-head .mono").evaluate((e) => e.getClientRects().length);
    assert.equal(codeLines, 1, "the 核验码 on one line at 1280 px");
    assert.match(await page.locator(".sheet-head").innerText(), /第2版[\s\S]*本版提交时间/);

    // Withdraw, through its own confirmation page.
    await page.goto(status);
    await Promise.all([page.waitForURL(/\/withdraw$/), page.click("#withdraw a.button")]);
    assert.match(await page.locator("main").innerText(), /重新申报/);
    await step(page, "7-withdraw");
    await Promise.all([page.waitForURL(/\/status\/[^/?]+\?done=withdrawn$/), page.click("form button[type=submit]")]);
    assert.match(await page.locator(".summary").innerText(), /已撤回/);
    assert.match(await page.locator(".confirmation").innerText(), /申报已撤回，办理已结束/);

    // The same person applies afresh before the deadline.
    await page.goto(`${serve.base}/apply/`);
    await fillApplication(page, n, { javaScriptEnabled });
    assert.deepEqual(await submitApplication(page, { javaScriptEnabled }), []);
    assert.match(await page.locator(".confirmation").innerText(), /请输入邮箱验证码/);
    const fresh = (await page.locator(".summary dd").first().innerText()).trim();
    assert.notEqual(fresh, reference);
    await step(page, "8-fresh-application");
  } finally {
    await context.close();
  }
}

test("the whole journey with JavaScript: mistakes, check answers, return, replace a file, approval, print, withdraw, apply again", async () => {
  await wholeJourney(true, 41);
});

test("the whole journey with JavaScript off", async () => {
  await wholeJourney(false, 43);
});

test("every mail of these journeys reads on a phone: a button, its address wrapped, nothing sideways", async () => {
  const kinds = await mailsOnPhone(maildev, "journeys");
  console.log("mails photographed:", kinds.join(" | "));
  assert.ok(kinds.length >= 3, kinds.join(" | "));
});
