// The portal as people use it, in headless Chromium: an analyst writes an alert
// released to a second member, an authorising officer approves it, a reader of
// that member finds and reads it, a third member and an administrator cannot,
// and the auditor sees the release and the read. New Zealand finds it by search and saves the search.
// A national focal point opens an agreement's change form. A front-line officer
// screens a manifest. A focal point answers the capacity survey and an analyst reads its findings; the secretariat designs a questionnaire in the editor. axe-core checks every main page for serious or critical accessibility violations.
//
// Usage: node portal.mjs BASE_URL CREDENTIALS_JSON MANIFEST [SCREENSHOT_DIR]
// (MANIFEST: the demo flight's manifest that `godwit demo` writes beside its database)
// Exits non-zero with a message on the first failed expectation.

import { createHmac } from "node:crypto";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, credentialsFile, manifestFile, screenshotDir] = process.argv.slice(2);
if (!base || !credentialsFile || !manifestFile) {
  console.error("usage: node portal.mjs BASE_URL CREDENTIALS_JSON MANIFEST [SCREENSHOT_DIR]");
  process.exit(2);
}
const credentials = JSON.parse(readFileSync(credentialsFile, "utf8"));
const users = Object.fromEntries(credentials.map((c) => [c.username, c]));
if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });

function fail(message) {
  throw new Error(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

/// RFC 6238 code for a base32 secret, as an authenticator app shows it.
function totp(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});

const checkedPages = [];

/// Runs axe-core on the page and fails on serious or critical violations.
async function accessible(page, name) {
  await page.addScriptTag({ content: AXE_SOURCE }).catch(async () => {
    // The portal's CSP forbids inline scripts; evaluate the source instead.
    await page.evaluate(AXE_SOURCE);
  });
  const results = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  checkedPages.push(name);
  if (bad.length > 0) {
    const detail = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    fail(`accessibility violations on ${name}:\n  ${detail.join("\n  ")}`);
  }
}

async function shot(page, name) {
  if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
}

/// A fresh browser context signed in as `username`.
async function signIn(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", users[username].password);
  if (users[username].totp_secret) await page.fill("#totp", totp(users[username].totp_secret));
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click("button[type=submit]")]);
  expect((await page.textContent("h1")).includes("Welcome"), `${username} did not reach the dashboard`);
  return { context, page };
}

const title = `Forged Fijian passports on the Nadi–Auckland route ${Date.now()}`;
let itemUrl;

try {
  // 1. The sign-in page itself, and a wrong password answered beside the form.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname === "/login", "an anonymous visitor is not sent to sign in");
    await accessible(page, "sign-in");
    await shot(page, "sign-in");
    await page.fill("#username", "ana.fji");
    await page.fill("#password", "not the password");
    await page.click("button[type=submit]");
    expect((await page.textContent("[role=alert]")).includes("wrong username"), "a wrong password gives no message");
    await context.close();
  }

  // 2. An analyst of Fiji writes an alert released to New Zealand and submits it.
  {
    const { context, page } = await signIn("ana.fji");
    await accessible(page, "dashboard (analyst)");
    await shot(page, "dashboard-analyst");
    await page.goto(`${base}/items/new?kind=alert`);
    await accessible(page, "new alert form");
    // Saving an empty form puts the messages beside the fields and keeps what was typed.
    await page.fill("#summary", "kept after the error");
    await page.click("button:text('Save draft')");
    expect(await page.isVisible("#title-error"), "an empty title has no message beside it");
    expect((await page.inputValue("#summary")) === "kept after the error", "the form lost what was typed");
    await page.fill("#title", title);
    await page.fill("#summary", "Counterfeit biodata pages detected at Auckland arrivals from Nadi.");
    await page.fill("#body", "## What to look for\n\n- Laminate lifting at the biodata page\n- Series **FJ12** numbers");
    await page.selectOption("#category", "document_fraud");
    await page.selectOption("#alert_type", "document_fraud");
    await page.fill("#doc_type", "P");
    await page.fill("#doc_issuing_state", "FJI");
    await page.fill("#doc_series", "FJ12");
    await page.selectOption("#classification", "1");
    await page.check("input[name=release_members][value=NZL]");
    // The picker shows which agreement carries the item to New Zealand.
    await page.waitForFunction(() => document.querySelector("#coverage")?.textContent.includes("New Zealand–Fiji"));
    expect(!(await page.textContent("#coverage")).includes("⚠"), "the picker warns although an agreement covers the release");
    await page.click("button:text('Preview')");
    expect((await page.textContent("section[aria-label=Preview]")).includes("What to look for"), "no preview");
    await shot(page, "author-alert");
    await Promise.all([page.waitForURL(/\/items\/[0-9a-f-]{36}/), page.click("button:text('Save draft')")]);
    itemUrl = page.url().split("?")[0];
    await page.click("button:text('Submit for approval')");
    await page.waitForSelector(".state-submitted");
    await context.close();
  }

  // 3. An authorising officer of Fiji approves it.
  {
    const { context, page } = await signIn("auth.fji");
    await accessible(page, "dashboard (authorising officer)");
    await shot(page, "dashboard-approvals");
    expect((await page.textContent("main")).includes(title), "the approval queue does not show the alert");
    await page.goto(itemUrl);
    await page.click("button:text('Approve and release')");
    await page.waitForSelector(".state-published");
    await context.close();
  }

  // 4. A New Zealand analyst finds it and reads it, banners top and bottom.
  {
    const { context, page } = await signIn("ana.nzl");
    await page.goto(`${base}/items?kind=alert`);
    await accessible(page, "item list");
    await shot(page, "items");
    // The index follows the database within seconds: search until it is there.
    const searchUrl = `${base}/search?q=${encodeURIComponent("forged Nadi Auckland passports")}`;
    for (let tries = 0; ; tries++) {
      await page.goto(searchUrl);
      if ((await page.textContent("main")).includes(title)) break;
      expect(tries < 30, "the alert never appeared in New Zealand's search results");
      await page.waitForTimeout(500);
    }
    await accessible(page, "search");
    await shot(page, "search");
    // Saves the search to be told of new matches; it is listed with a link that runs it again.
    await page.click("summary:text('Save this search')");
    await page.fill("#ss-name", "Forged Fijian passports");
    await page.check("#ss-portal");
    await Promise.all([page.waitForURL((url) => url.pathname === "/saved-searches"), page.click("button:text('Save this search')")]);
    expect((await page.textContent("main table")).includes("Forged Fijian passports"), "the saved search is not listed");
    await accessible(page, "saved searches");
    await shot(page, "saved-searches");
    await page.goto(`${base}/notifications`);
    await accessible(page, "notifications");
    await page.goto(searchUrl);
    await Promise.all([page.waitForURL(itemUrl), page.click(`a:text("${title}")`)]);
    const banners = await page.$$eval(".banner", (els) => els.map((e) => e.textContent));
    expect(banners.length === 2, `expected a banner at the top and bottom, found ${banners.length}`);
    for (const banner of banners) {
      expect(banner.includes("IN-CONFIDENCE") && banner.includes("TLP:AMBER") && banner.includes("NZL"), `banner reads: ${banner}`);
    }
    expect((await page.textContent("article.body")).includes("Laminate lifting"), "the body is not shown");
    await accessible(page, "item page");
    await shot(page, "item");
    // Analysis of the incident records New Zealand may read: charts, map and flows drawn as SVG.
    await page.goto(`${base}/analysis?by=origin`);
    expect((await page.$$("svg[aria-labelledby='trend-title']")).length === 1, "the trend chart is not drawn");
    expect((await page.$$("svg[aria-labelledby='map-title map-desc']")).length === 1, "the route map is not drawn");
    await accessible(page, "analysis");
    await shot(page, "analysis");
    await context.close();
  }

  // 5. Tonga is not a recipient: not in the list, and not by its URL.
  {
    const { context, page } = await signIn("ana.ton");
    await page.goto(`${base}/items?kind=alert`);
    expect(!(await page.textContent("main")).includes(title), "a third member sees the alert in the list");
    await page.goto(`${base}/search?q=${encodeURIComponent("forged Nadi Auckland passports")}`);
    expect(!(await page.textContent("main")).includes(title), "a third member finds the alert by search");
    const response = await page.goto(itemUrl);
    expect(response.status() === 404, `a third member opening the URL got ${response.status()}`);
    expect(!(await page.textContent("body")).includes(title), "the 404 page shows the title");
    await context.close();
  }

  // 6. The administrator manages accounts and reads no content.
  {
    const { context, page } = await signIn("admin");
    const response = await page.goto(itemUrl);
    expect(response.status() === 404, `the administrator opening the URL got ${response.status()}`);
    await page.goto(`${base}/admin/users`);
    expect((await page.textContent("main")).includes("ana.fji"), "the users page does not list the accounts");
    expect(!(await page.textContent("main")).includes(title), "the users page shows item content");
    await accessible(page, "users (administrator)");
    await shot(page, "admin-users");
    await page.click("main table a");
    expect((await page.textContent("main")).includes("Sign-in state"), "the account page does not open");
    await accessible(page, "user (administrator)");
    await shot(page, "admin-user");
    await context.close();
  }

  // 7. The auditor sees the release and the read in the audit viewer.
  {
    const { context, page } = await signIn("auditor.aus");
    await accessible(page, "dashboard (auditor)");
    const id = itemUrl.split("/").pop();
    await page.goto(`${base}/audit?target=${id}`);
    const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.textContent));
    expect(rows.some((r) => r.includes("item.approve")), "the audit viewer does not show the approval");
    expect(rows.some((r) => r.includes("item.read") && r.includes("NZL")), "the audit viewer does not show New Zealand's read");
    expect(rows.some((r) => r.includes("item.read_denied") && r.includes("TON")), "the audit viewer does not show Tonga's refused read");
    expect((await page.textContent("[role=status]")).includes("intact"), "the audit chain is not reported intact");
    await accessible(page, "audit viewer");
    await shot(page, "audit");
    await context.close();
  }

  // 8. The other main pages, for accessibility and screenshots.
  {
    const { context, page } = await signIn("sec.pidcsec");
    await shot(page, "dashboard-secretariat");
    await accessible(page, "dashboard (secretariat)");
    for (const [path, name] of [["/directory", "directory"], ["/agreements", "agreements"], ["/library", "library"], ["/account", "account"], ["/admin/members", "members"]]) {
      await page.goto(`${base}${path}`);
      await accessible(page, name);
      await shot(page, name);
    }
    await context.close();
  }
  {
    const { context, page } = await signIn("nfp.fji");
    await accessible(page, "dashboard (national focal point)");
    await shot(page, "dashboard-nfp");
    await page.goto(`${base}/agreements/new`);
    await accessible(page, "agreement proposal (national focal point)");
    await page.goto(`${base}/agreements`);
    // An agreement Fiji is a party to: its NFP may change the terms.
    await page.click("main table a:has-text('Fiji')");
    expect((await page.textContent("main")).includes("Signed agreement"), "the agreement page does not open");
    await accessible(page, "agreement (national focal point)");
    await page.click("a:text('Change the terms')");
    expect((await page.textContent("h1")).includes("Change an agreement"), "the change form does not open");
    expect((await page.inputValue("#a-title")).includes("Fiji"), "the change form is not filled with the terms");
    await accessible(page, "agreement change form (national focal point)");
    await context.close();
  }
  {
    // 9. A front-line officer screens the demo flight's manifest: hits come first.
    const { context, page } = await signIn("officer.fji");
    await accessible(page, "dashboard (front-line officer)");
    await page.goto(`${base}/screening`);
    await page.setInputFiles("#file", manifestFile);
    await Promise.all([page.waitForNavigation(), page.click("form[aria-labelledby=manifest-heading] button[type=submit]")]);
    const counts = await page.textContent(".screening-counts");
    expect(/[1-9]\d* hit/.test(counts), `the demo manifest's planted hits are found: ${counts}`);
    const firstDecision = await page.textContent("table.screening tbody tr .decision");
    expect(firstDecision.trim() === "hit", `hits come first, not ${firstDecision}`);
    await accessible(page, "screening results");
    await shot(page, "screening");
    await context.close();
  }
  {
    // 10. A session that ends while writing loses nothing: the form goes back to sign-in, and the
    // draft is back in the form afterwards.
    const { context, page } = await signIn("ana.fji");
    await page.goto(`${base}/items/new?kind=intelligence_report`);
    const draft = `Boat arrivals at Suva, draft ${Date.now()}`;
    await page.fill("#title", draft);
    await page.fill("#summary", "typed before the session ended");
    await context.clearCookies();
    await Promise.all([page.waitForURL((url) => url.pathname === "/login"), page.click("button:text('Save draft')")]);
    await page.fill("#username", "ana.fji");
    await page.fill("#password", users["ana.fji"].password);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click("button[type=submit]")]);
    await page.goto(`${base}/items/new?kind=intelligence_report`);
    expect((await page.inputValue("#title")) === draft, "the draft's title was lost with the session");
    expect((await page.inputValue("#summary")) === "typed before the session ended", "the draft's summary was lost");
    expect(await page.isVisible(".draft-restored"), "the restored draft is not pointed out");
    await context.close();
  }
  {
    // 11. Solomon Islands' focal point finishes its draft answers to the capacity survey (the question
    // asked only without an ABMIS hides and comes back as the answer changes) and submits them;
    // Fiji's analyst reads the findings with their charts.
    const { context, page } = await signIn("nfp.slb");
    await page.goto(`${base}/surveys`);
    await page.click("main table a:has-text('draft')");
    const plans = page.locator('[data-question="abmis_plans"]');
    expect(await plans.isVisible(), "the question asked without an ABMIS is not shown");
    await page.check('input[name="q.abmis"][value="yes"]');
    expect(!(await plans.isVisible()), "the conditional question does not hide");
    await page.check('input[name="q.abmis"][value="no"]');
    expect(await plans.isVisible(), "the conditional question does not come back");
    await accessible(page, "survey answers (national focal point)");
    await shot(page, "survey-answers");
    await Promise.all([page.waitForNavigation(), page.click("button:text('Save and submit for approval')")]);
    expect((await page.textContent("[role=status]")).includes("for approval"), "the answers were not submitted");
    await context.close();
  }
  {
    const { context, page } = await signIn("ana.fji");
    await page.goto(`${base}/surveys`);
    // Rounds are named by year: this year's is the current one.
    const thisYear = String(new Date().getUTCFullYear());
    await page.click(`main table tr:has(td:text-is('${thisYear}')) a:text('Findings')`);
    const lead = await page.textContent("p.lead");
    expect(
      /6 responding members of 8 asked; counted: the 5 whose answers are released to you/.test(lead),
      `the findings say: ${lead}`,
    );
    expect(await page.isVisible("figure.chart svg"), "the findings have no chart");
    await accessible(page, "survey findings");
    await shot(page, "survey-findings");
    await context.close();
  }
  {
    // 12. The PIDC secretariat designs a questionnaire in the editor: its settings, a section, a
    // question asked only for one answer of the first, shown in the design as saved.
    const { context, page } = await signIn("sec.pidcsec");
    await page.goto(`${base}/surveys`);
    await Promise.all([page.waitForURL(/\/surveys\/new$/), page.click("a:text('New questionnaire')")]);
    await page.fill("#title", "Training needs");
    await page.check('input[name="audience_groups"][value="PIDC"]');
    await accessible(page, "new questionnaire");
    await Promise.all([page.waitForURL(/\/design/), page.click("button:text('Create the questionnaire')")]);
    await page.fill("#new-section-title", "Training");
    await Promise.all([page.waitForNavigation(), page.click("button:text('Add the section')")]);
    const addQuestion = async (text, kind, extra) => {
      await Promise.all([page.waitForNavigation(), page.click("a:text('Add a question to Training')")]);
      await page.fill("#text", text);
      await page.selectOption("#kind", kind);
      await extra();
      await Promise.all([page.waitForNavigation(), page.click("button:text('Save the question')")]);
      expect((await page.textContent("main")).includes(text), `the question "${text}" is not in the design`);
    };
    await addQuestion("Do you run induction training?", "yes_no", async () => {});
    await addQuestion("Who trains your officers?", "single_choice", async () => {
      await page.fill("#options", "own: Our own trainers\nA partner agency");
      await page.selectOption("#show_if_question", "do_you_run_induction_training");
      await page.fill("#show_if_values", "yes");
      await accessible(page, "survey question editor");
    });
    expect((await page.textContent("main")).includes("asked if do_you_run_induction_training is yes"), "the condition is not shown");
    await accessible(page, "survey design");
    await context.close();
  }
  console.log(`portal: every step passed; axe-core found no serious or critical violation on ${checkedPages.length} pages`);
} catch (error) {
  console.error(`portal: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
