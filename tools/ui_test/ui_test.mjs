// The dashboard's browser test: Debian's Chromium, driven by puppeteer-core,
// against a real biomatchd (tools/test.sh starts it with --demo).
//   node ui_test.mjs --url http://127.0.0.1:PORT --token ADMIN_TOKEN --screenshot out.png
// Asserts that the page asks for a token (and again after a 401), draws every
// chart from the API's answers (compared here with the same API calls), drills
// down, explains an unmatched request, follows the live stream, switches
// language, survives a reload, shows the feed as unavailable to a supervisor,
// and logs no console error. Exits 1 on the first failed check.
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" }, token: { type: "string" }, screenshot: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
assert.ok(opt.url && opt.token && opt.screenshot, "usage: --url U --token T --screenshot FILE");
const TIMEOUT = 30000;
let checks = 0;
async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    console.log(`not ok - ${name}\n${e.stack}`);
    throw e;
  }
  ++checks;
  console.log(`ok - ${name}`);
}

async function api(path, token = opt.token, init = {}) {
  const res = await fetch(opt.url + path, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers || {}) } });
  assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? null : res.json();
}

// A page in its own browser context (its own sessionStorage), recording
// console errors and uncaught exceptions.
async function openPage(browser) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.errors = [];
  page.on("console", (m) => { if (m.type() === "error") page.errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => page.errors.push(`exception: ${e.message}`));
  await page.goto(`${opt.url}/ui/`, { waitUntil: "domcontentloaded" });
  return page;
}

async function signIn(page, token) {
  await page.waitForSelector('body[data-state="login"]', { timeout: TIMEOUT });
  await page.type("#token", token);
  await page.click('#login button[type="submit"]');
}

const attr = (page, selector, name) => page.$eval(selector, (e, n) => e.getAttribute(n), name);
const attrs = (page, selector, name) => page.$$eval(selector, (es, n) => es.map((e) => e.getAttribute(n)), name);
const text = (page, selector) => page.$eval(selector, (e) => e.textContent.trim());

const browser = await puppeteer.launch({
  executablePath: opt.chromium, headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
try {
  await check("without a token the page asks for one, and a wrong token is refused", async () => {
    const page = await openPage(browser);
    await signIn(page, "not-a-token");
    await page.waitForSelector('body[data-state="login"] #login-error:not([hidden])', { timeout: TIMEOUT });
    assert.equal(await page.evaluate(() => sessionStorage.getItem("biomatch.token")), null);
    await page.browserContext().close();
  });

  const page = await openPage(browser);
  await check("with a token every section loads and the feed goes live", async () => {
    await signIn(page, opt.token);
    await page.waitForSelector('body[data-state="ready"]', { timeout: TIMEOUT });
    await page.waitForSelector('#feed[data-state="ready"]', { timeout: TIMEOUT });
    const states = await page.$$eval("main section", (ss) => Object.fromEntries(ss.map((s) => [s.id, s.dataset.state])));
    assert.deepEqual(states, { tiles: "ready", balance: "ready", unmet: "ready", util: "ready", trends: "ready", feed: "ready" });
  });

  await check("the tiles show the API's figures", async () => {
    const overview = await api("/v1/stats/overview");
    const balance = await api("/v1/stats/balance?by=category&depth=1");
    const tiles = Object.fromEntries(await page.$$eval(".tile", (ts) => ts.map((t) => [t.dataset.tile, Number(t.dataset.value)])));
    assert.equal(tiles.platforms, overview.platforms);
    assert.equal(tiles.capabilities, overview.capabilities);
    assert.equal(tiles.open_requests, overview.open_requests);
    assert.equal(tiles.unmatched_requests, balance.groups.reduce((s, g) => s + g.unmatched_requests, 0));
    assert.ok(Number.isFinite(tiles.units_reserved_month));
  });

  let top;
  await check("the balance table has one row per group of the API, demand over supply first", async () => {
    const balance = await api("/v1/stats/balance?by=category&depth=1");
    assert.ok(balance.groups.length > 0, "the demo catalogue has demand");
    assert.equal(Number(await attr(page, "#balance table", "data-count")), balance.groups.length);
    const rows = await attrs(page, "#balance tbody tr", "data-group");
    assert.deepEqual([...rows].sort(), balance.groups.map((g) => g.group).sort());
    top = rows[0];
    const ratio = (g) => (g.demand_supply_ratio ?? (g.open_demand_units > 0 ? Infinity : -1));
    assert.equal(ratio(balance.groups.find((g) => g.group === top)), Math.max(...balance.groups.map(ratio)));
  });

  await check("a click on a row drills down one segment", async () => {
    await page.click(`#balance tbody tr[data-group="${top}"]`);
    await page.waitForSelector('#balance[data-state="ready"] table[data-depth="2"]', { timeout: TIMEOUT });
    const deeper = await api("/v1/stats/balance?by=category&depth=2");
    const expected = deeper.groups.map((g) => g.group).filter((g) => g === top || g.startsWith(`${top}/`)).sort();
    assert.deepEqual((await attrs(page, "#balance tbody tr", "data-group")).sort(), expected);
    await page.click("#balance-path a");  // back to the root
    await page.waitForSelector('#balance[data-state="ready"] table[data-depth="1"]', { timeout: TIMEOUT });
  });

  await check("unmet demand lists the groups with unmatched requests and explains one", async () => {
    const byCategory = await api("/v1/stats/balance?by=category&depth=2");
    const unmatched = byCategory.groups.filter((g) => g.unmatched_requests > 0);
    assert.equal(Number(await attr(page, "#unmet-categories [data-count]", "data-count")), Math.min(8, unmatched.length));
    if (unmatched.length === 0) return;
    const id = await attr(page, "#explain ul.bars", "data-request");
    const match = await api(`/v1/requests/${encodeURIComponent(id)}/matches?limit=1&explain=true`);
    assert.equal(Number(await attr(page, "#explain ul.bars", "data-feasible")), match.feasible);
    const shown = await page.$$eval("#explain li .num", (ns) => ns.map((n) => Number(n.textContent.replace(/[^0-9]/g, ""))));
    assert.deepEqual(shown, ["unit", "stage", "closed", "qualification", "budget", "distance", "availability"].map((k) => match.rejected[k]));
  });

  await check("utilisation shows the platforms, most idle first", async () => {
    const util = await api("/v1/stats/utilization?by=platform");
    assert.equal(Number(await attr(page, "#util-body ul", "data-total")), util.groups.length);
    assert.equal(Number(await attr(page, "#util-body ul", "data-count")), Math.min(15, util.groups.length));
    const shown = (await attrs(page, "#util-body li", "data-utilization")).map((u) => (u === "" ? 2 : Number(u)));
    assert.deepEqual(shown, [...shown].sort((a, b) => a - b));
    assert.equal(shown[0], Math.min(...util.groups.map((g) => g.utilization ?? 2)));
  });

  await check("each trend is a uPlot chart with the API's points", async () => {
    const charts = await page.$$eval("#trends .chart", (cs) => cs.map((c) => ({
      metrics: c.dataset.metrics.split(","), points: Number(c.dataset.points),
      canvas: !!c.querySelector("canvas"), series: c.querySelectorAll(".u-legend .u-series").length,
    })));
    assert.deepEqual(charts.flatMap((c) => c.metrics).sort(),
      ["requests_created", "requests_matched", "units_completed", "units_reserved", "unmatched_requests"]);
    const now = Date.now();
    const start = Math.floor(now / 86400e3) * 86400e3 - 89 * 86400e3;
    const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const c of charts) {
      assert.ok(c.canvas, `${c.metrics} drawn`);
      assert.equal(c.series, c.metrics.length + 1, `${c.metrics}: x and one series per metric`);
      const answer = await api(`/v1/stats/timeseries?metric=${c.metrics[0]}&step=day&from=${iso(start)}&to=${iso(now)}`);
      assert.equal(c.points, answer.points.length, String(c.metrics));
      assert.ok(c.points >= 89, `${c.metrics}: 90 days of points`);
    }
  });

  await check("the live feed shows an event committed after the page connected", async () => {
    const id = `ui-test-${Date.now()}`;
    const platform = {
      name: "界面测试平台", kind: "technology_service", level: "provincial", region: "CN/SC/chengdu",
      location: { lat: 30.6, lon: 104.1 }, open: true,
    };
    await api(`/v1/platforms/${id}`, opt.token, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(platform) });
    await page.waitForFunction((pid) => [...document.querySelectorAll("#feed-list li[data-seq]")].some((li) => li.textContent.includes(pid)),
      { timeout: TIMEOUT }, id);
  });

  await check("a stream closed by the server resumes with from= and misses nothing", async () => {
    const sockets = [];
    const cdp = await page.createCDPSession();
    await cdp.send("Network.enable");
    cdp.on("Network.webSocketCreated", (e) => sockets.push(e.url));
    const last = Math.max(...(await attrs(page, "#feed-list li[data-seq]", "data-seq")).map(Number));
    const subscription = (await page.evaluate(() => sessionStorage.getItem("biomatch.feed"))) || "ui-feed";
    await api(`/v1/subscriptions/${subscription}`, opt.token, { method: "DELETE" });  // closes the stream: 4004
    const id = `ui-test-gap-${Date.now()}`;
    await api(`/v1/platforms/${id}`, opt.token, {
      method: "PUT", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "断线期间的平台", kind: "transformation", level: "municipal", region: "CN/SC", location: { lat: 30, lon: 104 }, open: true }),
    });
    await page.waitForFunction((pid) => [...document.querySelectorAll("#feed-list li[data-seq]")].some((li) => li.textContent.includes(pid)),
      { timeout: TIMEOUT }, id);
    assert.ok(sockets.some((u) => new URL(u).searchParams.get("from") === String(last + 1)), `resumed from ${last + 1}: ${sockets}`);
    const seqs = (await attrs(page, "#feed-list li[data-seq]", "data-seq")).map(Number);
    assert.equal(new Set(seqs).size, seqs.length, "no event twice");
    await cdp.detach();
  });

  await check("the language toggle changes every label", async () => {
    const zh = { title: await text(page, "h1"), th: await text(page, "#balance th"), tile: await text(page, ".tile .label") };
    assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
    assert.match(zh.title, /[\u4e00-\u9fff]/);
    await page.click("#lang");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    const en = { title: await text(page, "h1"), th: await text(page, "#balance th"), tile: await text(page, ".tile .label") };
    for (const k of Object.keys(zh)) {
      assert.notEqual(en[k], zh[k], k);
      assert.doesNotMatch(en[k], /[\u4e00-\u9fff]/, k);
    }
    // Every visible label but the toggle itself, which names the other language.
    const labels = await page.$$eval("[data-i18n]:not(#lang)", (es) => es.filter((e) => !e.closest("[hidden]")).map((e) => e.textContent));
    for (const l of labels) assert.doesNotMatch(l, /[\u4e00-\u9fff]/, `untranslated: ${l}`);
    assert.equal(await page.$$eval("#trends .chart canvas", (cs) => cs.length), 3, "charts redrawn");
    assert.doesNotMatch(await text(page, "#trends .u-title"), /[\u4e00-\u9fff]/, "chart titles translated");
    await page.click("#lang");
    assert.equal(await text(page, "h1"), zh.title);
  });

  await check("the screenshot is written", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: opt.screenshot, fullPage: true });
  });

  await check("a reload keeps the token (sessionStorage) and asks for none", async () => {
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.waitForSelector('body[data-state="ready"]', { timeout: TIMEOUT });
    assert.equal(await page.$eval("#login", (f) => f.hidden), true);
  });

  await check("no console error and no exception", async () => {
    assert.deepEqual(page.errors, []);
  });

  await check("a supervisor sees the statistics and the feed as unavailable", async () => {
    const key = await api("/v1/keys", opt.token, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: `ui-supervisor-${Date.now()}`, role: "supervisor" }),
    });
    const sup = await openPage(browser);
    await signIn(sup, key.token);
    await sup.waitForSelector('body[data-state="ready"]', { timeout: TIMEOUT });
    await sup.waitForSelector('#feed[data-state="unavailable"]', { timeout: TIMEOUT });
    const states = await sup.$$eval("main section", (ss) => ss.map((s) => s.dataset.state));
    assert.deepEqual(states, ["ready", "ready", "ready", "ready", "ready", "unavailable"]);
    // The subscription PUT's 403 is the only error the console may show.
    assert.deepEqual(sup.errors.filter((e) => !e.includes("403")), []);
    await sup.browserContext().close();
    await api(`/v1/keys/${key.name}`, opt.token, { method: "DELETE" });
  });

  await check("a token deleted while the page is open sends the user back to the prompt", async () => {
    const key = await api("/v1/keys", opt.token, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: `ui-agency-${Date.now()}`, role: "agency" }),
    });
    const agency = await openPage(browser);
    await signIn(agency, key.token);
    await agency.waitForSelector('#feed[data-state="ready"]', { timeout: TIMEOUT });
    await api(`/v1/keys/${key.name}`, opt.token, { method: "DELETE" });  // closes its stream with 4001
    await agency.waitForSelector('body[data-state="login"] #login-error:not([hidden])', { timeout: TIMEOUT });
    await agency.browserContext().close();
  });
} finally {
  await browser.close();
}
console.log(`${checks} passed, 0 failed`);
