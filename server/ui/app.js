// The supervisor dashboard: reads the statistics API with the token the user
// entered (kept in sessionStorage, dropped on a 401) and follows the event
// stream over WebSocket. Plain JS, no build step; charts with uPlot.
//
// For tests and tools: <body data-state> becomes "ready" once every section
// has loaded; each section carries data-state ("ready", "error", "forbidden",
// "unavailable") and its charts carry data-count / data-points: the number of
// groups or points drawn from the API's answer.
"use strict";

(() => {
  const TOKEN_KEY = "biomatch.token";
  const LANG_KEY = "biomatch.lang";
  const FEED_KEY = "biomatch.feed";  // this tab's own subscription id, when "ui-feed" is another key's
  const DAY_MS = 86400e3;
  const ROOT_DEPTH = { category: 1, region: 2 };  // region "CN" alone says nothing
  const MAX_DEPTH = 8;
  const UNMET_TOP = 8;
  const UTIL_TOP = 15;
  const FEED_MAX = 50;
  // The trend charts, each of one or two timeseries metrics.
  const TREND_CHARTS = [["requests_created", "requests_matched"], ["units_reserved", "units_completed"], ["unmatched_requests"]];
  const METRICS = TREND_CHARTS.flat();
  const COLORS = ["#2563eb", "#16a34a", "#d97706", "#7c3aed", "#dc2626"];
  const REASONS = ["unit", "stage", "closed", "qualification", "budget", "distance", "availability"];

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh",
    balanceBy: "category",
    balancePrefix: { category: "", region: "" },
    data: {},        // the API's last answers, kept to re-render on a language switch
    charts: [],      // live uPlot instances
    feed: { ws: null, stopped: true, lastSeq: null, retry: 0, timer: null, events: [], status: "" },
  };

  // ---- text --------------------------------------------------------------

  function t(key, args = {}) {
    let s = window.I18N[state.lang][key] ?? window.I18N.en[key] ?? key;
    for (const [k, v] of Object.entries(args)) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  }
  const fmt = (n) => (n == null ? "–" : new Intl.NumberFormat(state.lang === "zh" ? "zh-CN" : "en").format(n));
  const pct = (x) => (x == null ? "–" : `${(x * 100).toFixed(1)}%`);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "style") node.style.cssText = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v != null) node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  function applyLabels() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
  }

  // ---- the API -----------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // Resolves to the parsed answer; a 401 signs the user out; another failure
  // rejects with ApiError.
  async function api(path, init = {}) {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`, ...(init.headers || {}) };
    const res = await fetch(path, { ...init, headers });
    if (res.status === 401) {
      signOut(true);
      throw new ApiError(401, "unauthenticated");
    }
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body?.error?.message || res.statusText);
    return body;
  }

  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const startOfDay = (ms) => Math.floor(ms / DAY_MS) * DAY_MS;
  const segments = (path) => (path ? path.split("/").length : 0);
  const within = (group, prefix) => !prefix || group === prefix || group.startsWith(`${prefix}/`);

  // Runs `load` for the section `id`, marking it loading, ready or failed.
  async function loadSection(id, load) {
    const section = $(id);
    section.dataset.state = "loading";
    try {
      await load();
      section.dataset.state = "ready";
    } catch (e) {
      if (e.status === 401) return;
      section.dataset.state = e.status === 403 ? "forbidden" : "error";
      const body = section.querySelector(".body") || section;
      body.replaceChildren(el("p", { class: "error" }, e.status === 403 ? t("forbidden") : t("error", { msg: e.message })));
    }
  }

  // ---- overview tiles ----------------------------------------------------

  async function loadTiles() {
    const now = Date.now();
    const month = new Date(now);
    const monthStart = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
    const [overview, balance, reserved] = await Promise.all([
      api("/v1/stats/overview"),
      api("/v1/stats/balance?by=category&depth=1"),
      api(`/v1/stats/timeseries?metric=units_reserved&step=day&from=${iso(monthStart)}&to=${iso(now)}`),
    ]);
    state.data.tiles = {
      platforms: overview.platforms,
      capabilities: overview.capabilities,
      open_requests: overview.open_requests,
      unmatched_requests: balance.groups.reduce((sum, g) => sum + g.unmatched_requests, 0),
      units_reserved_month: reserved.points.reduce((sum, p) => sum + p.value, 0),
    };
    state.data.asOf = balance.as_of;
    renderTiles();
  }

  function renderTiles() {
    const tiles = state.data.tiles;
    if (!tiles) return;
    $("tiles").replaceChildren(...Object.entries(tiles).map(([key, value]) =>
      el("div", { class: `tile ${key === "unmatched_requests" && value > 0 ? "alert" : ""}`, "data-tile": key, "data-value": value },
        el("div", { class: "value" }, fmt(value)), el("div", { class: "label" }, t(`tile.${key}`)))));
    if (state.data.asOf) $("asof").textContent = t("asof", { t: new Date(state.data.asOf).toLocaleString(state.lang === "zh" ? "zh-CN" : "en") });
  }

  // ---- balance -----------------------------------------------------------

  // Most urgent first: demand with no supply, then by demand / supply.
  function urgency(g) {
    if (g.demand_supply_ratio == null) return g.open_demand_units > 0 ? Infinity : -1;
    return g.demand_supply_ratio;
  }

  async function loadBalance() {
    const by = state.balanceBy;
    const prefix = state.balancePrefix[by];
    const depth = prefix ? segments(prefix) + 1 : ROOT_DEPTH[by];
    const answer = await api(`/v1/stats/balance?by=${by}&depth=${depth}`);
    const groups = answer.groups.filter((g) => within(g.group, prefix));
    groups.sort((a, b) => urgency(b) - urgency(a) || b.open_demand_units - a.open_demand_units || a.group.localeCompare(b.group));
    state.data.balance = { by, prefix, depth, groups };
    renderBalance();
  }

  function renderBalance() {
    for (const b of document.querySelectorAll("#balance [data-by]")) b.classList.toggle("on", b.dataset.by === state.balanceBy);
    const b = state.data.balance;
    if (!b) return;
    const link = (target, text) => el("a", { href: "#", onclick: (e) => { e.preventDefault(); drill(target); } }, text);
    const crumbs = [link("", t("balance.root"))];
    const segs = b.prefix ? b.prefix.split("/") : [];
    const root = ROOT_DEPTH[b.by];
    for (let i = root; i <= segs.length; ++i) {
      const target = segs.slice(0, i).join("/");
      crumbs.push(" / ", link(target, i === root ? target : segs[i - 1]));
    }
    $("balance-path").replaceChildren(...crumbs);
    if (b.groups.length === 0) {
      $("balance-body").replaceChildren(el("p", { class: "empty", "data-count": 0 }, b.prefix ? t("balance.leaf") : t("empty")));
      return;
    }
    const head = el("tr", {}, ...["group", "open_requests", "open_demand_units", "unmatched_requests", "free_supply_units", "ratio"]
      .map((k) => el("th", {}, t(`balance.${k}`))));
    const rows = b.groups.map((g) => {
      const r = urgency(g);
      const heat = r === Infinity ? 1 : r < 0 ? 0 : Math.min(r, 2) / 2;
      const over = r > 1;
      const bar = el("span", { class: `ratio-bar ${over ? "over" : "under"}`, style: `width:${Math.max(heat * 100, 2)}%` });
      return el("tr", {
        "data-group": g.group, class: over ? "over" : "",
        style: `--heat:${heat.toFixed(3)}`, title: g.group,
        onclick: () => { if (b.depth < MAX_DEPTH && g.group !== b.prefix) drill(g.group); },
      },
      el("td", { class: "group" }, g.group),
      el("td", {}, fmt(g.open_requests)), el("td", {}, fmt(g.open_demand_units)),
      el("td", { class: g.unmatched_requests > 0 ? "warn" : "" }, fmt(g.unmatched_requests)),
      el("td", {}, fmt(g.free_supply_units)),
      el("td", { class: "ratio" }, el("span", { class: "bar-track" }, bar),
        el("span", { class: "num" }, g.demand_supply_ratio == null ? (g.open_demand_units > 0 ? t("balance.no_supply") : "–") : g.demand_supply_ratio.toFixed(2))));
    });
    $("balance-body").replaceChildren(el("table", { class: "heat", "data-count": b.groups.length, "data-by": b.by, "data-depth": b.depth },
      el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  function drill(prefix) {
    state.balancePrefix[state.balanceBy] = prefix;
    loadSection("balance", loadBalance);
  }

  // ---- unmet demand ------------------------------------------------------

  async function loadUnmet() {
    const [byCategory, byRegion] = await Promise.all([
      api("/v1/stats/balance?by=category&depth=2"), api("/v1/stats/balance?by=region&depth=2"),
    ]);
    const top = (groups) => groups.filter((g) => g.unmatched_requests > 0)
      .sort((a, b) => b.unmatched_requests - a.unmatched_requests || a.group.localeCompare(b.group)).slice(0, UNMET_TOP);
    state.data.unmet = { category: top(byCategory.groups), region: top(byRegion.groups) };
    renderUnmet();
    const first = state.data.unmet.category[0];
    if (first) await loadUnmetRequests("category", first.group);
    else renderUnmetRequests();
  }

  function barList(groups, value, onpick, selected) {
    const max = Math.max(1, ...groups.map(value));
    if (groups.length === 0) return el("p", { class: "empty", "data-count": 0 }, t("empty"));
    return el("ul", { class: "bars", "data-count": groups.length }, ...groups.map((g) =>
      el("li", { "data-group": g.group, class: g.group === selected ? "on" : "", onclick: () => onpick(g.group) },
        el("span", { class: "label", title: g.group }, g.group),
        el("span", { class: "bar-track" }, el("span", { class: "bar", style: `width:${(value(g) / max) * 100}%` })),
        el("span", { class: "num" }, fmt(value(g))))));
  }

  function renderUnmet() {
    const u = state.data.unmet;
    if (!u) return;
    const picked = state.data.unmetRequests;
    for (const kind of ["category", "region"]) {
      const id = kind === "category" ? "unmet-categories" : "unmet-regions";
      $(id).replaceChildren(barList(u[kind], (g) => g.unmatched_requests,
        (group) => loadSection("unmet", () => loadUnmetRequests(kind, group)), picked?.kind === kind ? picked.group : null));
    }
    renderUnmetRequests();
  }

  async function loadUnmetRequests(kind, group) {
    const list = group === "unknown" && kind === "region" ? { items: [] }
      : await api(`/v1/requests?status=open&limit=30&${kind}=${encodeURIComponent(group)}`);
    const checked = await Promise.all(list.items.map(async (r) => {
      const m = await api(`/v1/requests/${encodeURIComponent(r.id)}/matches?limit=1&explain=true`);
      return { id: r.id, category: r.category, text: r.text || "", feasible: m.feasible, rejected: m.rejected };
    }));
    checked.sort((a, b) => (a.feasible === 0 ? 0 : 1) - (b.feasible === 0 ? 0 : 1) || a.id.localeCompare(b.id));
    state.data.unmetRequests = { kind, group, requests: checked };
    const firstUnmatched = checked.find((r) => r.feasible === 0) || checked[0];
    state.data.explain = firstUnmatched || null;
    renderUnmet();
  }

  function renderUnmetRequests() {
    const u = state.data.unmetRequests;
    $("unmet-requests-title").textContent = u ? t("unmet.requests", { group: u.group }) : t("unmet.pick");
    if (!u) {
      $("unmet-requests").replaceChildren();
    } else if (u.requests.length === 0) {
      $("unmet-requests").replaceChildren(el("p", { class: "empty", "data-count": 0 }, t("empty")));
    } else {
      $("unmet-requests").replaceChildren(el("ul", { class: "requests", "data-count": u.requests.length }, ...u.requests.map((r) =>
        el("li", { "data-request": r.id, "data-feasible": r.feasible, class: state.data.explain?.id === r.id ? "on" : "",
          onclick: () => { state.data.explain = r; renderUnmetRequests(); } },
        el("code", {}, r.id),
        el("span", { class: r.feasible === 0 ? "badge alert" : "badge" }, r.feasible === 0 ? t("unmet.no_match") : t("unmet.feasible", { n: r.feasible })),
        el("span", { class: "text" }, r.text)))));
    }
    renderExplain();
  }

  function renderExplain() {
    const r = state.data.explain;
    if (!r) {
      $("explain").replaceChildren();
      return;
    }
    const counts = REASONS.map((k) => ({ group: t(`reason.${k}`), key: k, n: r.rejected?.[k] ?? 0 }));
    const list = barList(counts, (c) => c.n, () => {}, null);
    list.dataset.request = r.id;
    list.dataset.feasible = r.feasible;
    $("explain").replaceChildren(
      el("h3", {}, r.feasible === 0 ? t("unmet.why", { id: r.id }) : t("unmet.has_matches", { id: r.id, n: r.feasible })),
      el("p", { class: "hint" }, t("unmet.why_hint")), list);
  }

  async function explainRequest(id) {
    const m = await api(`/v1/requests/${encodeURIComponent(id)}/matches?limit=1&explain=true`);
    state.data.explain = { id, feasible: m.feasible, rejected: m.rejected };
    renderExplain();
  }

  // ---- utilisation -------------------------------------------------------

  async function loadUtil() {
    const [answer, platforms] = await Promise.all([api("/v1/stats/utilization?by=platform"), api("/v1/platforms?limit=1000")]);
    const names = new Map(platforms.items.map((p) => [p.id, p.name]));
    const idleFirst = (a, b) => (a.utilization ?? 2) - (b.utilization ?? 2) || b.offered_units - a.offered_units || a.group.localeCompare(b.group);
    const groups = answer.groups.slice().sort(idleFirst);
    state.data.util = { total: groups.length, groups: groups.slice(0, UTIL_TOP).map((g) => ({ ...g, name: names.get(g.group) || g.group })) };
    renderUtil();
  }

  function renderUtil() {
    const u = state.data.util;
    if (!u) return;
    if (u.groups.length === 0) {
      $("util-body").replaceChildren(el("p", { class: "empty", "data-count": 0 }, t("empty")));
      return;
    }
    $("util-body").replaceChildren(el("ul", { class: "bars util", "data-count": u.groups.length, "data-total": u.total }, ...u.groups.map((g) =>
      el("li", { "data-group": g.group, "data-utilization": g.utilization ?? "", title: `${g.group}: ${t("util.offered", { n: fmt(g.offered_units) })}, ${t("util.reserved", { n: fmt(g.reserved_units) })}` },
        el("span", { class: "label" }, g.name),
        el("span", { class: "bar-track" }, el("span", { class: "bar", style: `width:${(g.utilization ?? 0) * 100}%` })),
        el("span", { class: "num" }, g.utilization == null ? t("util.none") : pct(g.utilization))))));
  }

  // ---- trends ------------------------------------------------------------

  async function loadTrends() {
    const now = Date.now();
    const from = startOfDay(now) - 89 * DAY_MS;
    const answers = await Promise.all(METRICS.map((m) => api(`/v1/stats/timeseries?metric=${m}&step=day&from=${iso(from)}&to=${iso(now)}`)));
    state.data.trends = answers.map((a, i) => ({ metric: METRICS[i], points: a.points }));
    renderTrends();
  }

  function renderTrends() {
    for (const chart of state.charts) chart.destroy();
    state.charts = [];
    const trends = state.data.trends;
    if (!trends) return;
    const body = $("trends-body");
    body.replaceChildren();
    const width = Math.max(260, Math.floor((body.clientWidth - 32) / TREND_CHARTS.length));
    const byMetric = new Map(trends.map((s) => [s.metric, s.points]));
    let color = 0;
    for (const metrics of TREND_CHARTS) {
      const times = byMetric.get(metrics[0]).map((p) => p.t);
      const box = el("div", { class: "chart", "data-metrics": metrics.join(","), "data-points": times.length });
      body.append(box);
      // Series share the x axis; a point one series lacks is a gap (null).
      const values = metrics.map((m) => {
        const at = new Map(byMetric.get(m).map((p) => [p.t, p.value]));
        return times.map((t) => at.get(t) ?? null);
      });
      state.charts.push(new window.uPlot({
        title: metrics.map((m) => t(`metric.${m}`)).join(" / "), width, height: 220,
        scales: { x: { time: true } },
        axes: [{ values: "{M}/{D}" }, {}],
        series: [{}, ...metrics.map((m) => {
          const c = COLORS[color++];
          return { label: t(`metric.${m}`), stroke: c, width: 2, fill: `${c}1a`, points: { show: false } };
        })],
      }, [times.map((ts) => Date.parse(ts) / 1000), ...values], box));
    }
  }

  // ---- live feed ---------------------------------------------------------

  // The stream needs a subscription the caller owns: the page writes one with
  // no filter, "ui-feed", or, when another key owns that id (403), one of its
  // own, "ui-feed-<random>", remembered for the tab's session. Roles that may
  // not write subscriptions (supervisors, portals) get 403 for both: the feed
  // is then shown as unavailable.
  async function startFeed() {
    const f = state.feed;
    f.stopped = false;
    const put = (id) => api(`/v1/subscriptions/${id}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: "{}" });
    try {
      const own = sessionStorage.getItem(FEED_KEY);
      try {
        await put(own || "ui-feed");
        f.subscription = own || "ui-feed";
      } catch (e) {
        if (e.status !== 403 || own) throw e;
        const id = `ui-feed-${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(16).padStart(8, "0"), "")}`;
        await put(id);
        sessionStorage.setItem(FEED_KEY, id);
        f.subscription = id;
      }
    } catch (e) {
      if (e.status === 401) return;
      $("feed").dataset.state = e.status === 403 ? "unavailable" : "error";
      f.status = e.status === 403 ? "unavailable" : "error";
      f.error = e.message;
      renderFeed();
      return;
    }
    connectFeed();
  }

  function connectFeed() {
    const f = state.feed;
    if (f.stopped) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const from = f.lastSeq == null ? "" : `&from=${f.lastSeq + 1}`;
    const token = encodeURIComponent(sessionStorage.getItem(TOKEN_KEY));
    const ws = new WebSocket(`${proto}//${location.host}/v1/stream?subscriptions=${f.subscription}&access_token=${token}${from}`);
    f.ws = ws;
    f.status = "connecting";
    renderFeed();
    ws.onopen = () => {
      f.retry = 0;
      f.status = "live";
      $("feed").dataset.state = "ready";
      renderFeed();
    };
    ws.onmessage = (msg) => {
      const event = JSON.parse(msg.data);
      if (event.seq != null) f.lastSeq = event.seq;
      f.events.unshift(event);
      f.events.length = Math.min(f.events.length, FEED_MAX);
      renderFeed();
    };
    ws.onclose = (close) => {
      if (f.ws !== ws) return;
      f.ws = null;
      if (close.code === 4001) {  // the key was deleted
        signOut(true);
        return;
      }
      if (f.stopped) return;
      const seconds = Math.min(30, 2 ** f.retry++);
      f.status = "reconnecting";
      f.retryIn = seconds;
      $("feed").dataset.state = "reconnecting";
      renderFeed();
      // 4004: our subscription was deleted; write it again, then resume.
      f.timer = setTimeout(close.code === 4004 ? startFeed : connectFeed, seconds * 1000);
    };
  }

  function stopFeed() {
    const f = state.feed;
    f.stopped = true;
    clearTimeout(f.timer);
    if (f.ws) {
      const ws = f.ws;
      f.ws = null;
      ws.close(1000);
    }
  }

  function summary(event) {
    const d = event.data || {};
    if (event.type === "match.found") return `${d.request_id} ↔ ${d.capability_id} (${Number(d.score).toFixed(3)})`;
    if (event.type === "stream.gap") return `${event.earliest}`;
    return [d.id, d.title || d.name || d.category || "", d.request_id && d.request_id !== d.id ? d.request_id : ""].filter(Boolean).join(" · ");
  }

  // An event type the page has no label for is shown as it is.
  function eventLabel(event) {
    const key = event.type === "request.unmet" && event.data?.unmet === false ? "event.request.unmet.left" : `event.${event.type}`;
    return key in window.I18N[state.lang] ? t(key) : event.type;
  }

  function renderFeed() {
    const f = state.feed;
    const status = $("feed-status");
    status.className = `hint feed-${f.status}`;
    status.textContent = f.status === "unavailable" ? t("feed.unavailable")
      : f.status === "error" ? t("error", { msg: f.error })
      : f.status === "reconnecting" ? t("feed.reconnecting", { s: f.retryIn })
      : f.status === "live" ? `● ${t("feed.live")}` : t("feed.connecting");
    const list = $("feed-list");
    list.dataset.count = f.events.length;
    if (f.events.length === 0) {
      list.replaceChildren(f.status === "live" ? el("li", { class: "empty" }, t("feed.empty")) : "");
      return;
    }
    list.replaceChildren(...f.events.map((e) => el("li", { "data-seq": e.seq ?? "", "data-type": e.type },
      el("span", { class: "seq" }, e.seq == null ? "" : `#${e.seq}`),
      el("span", { class: "time" }, e.at ? new Date(e.at).toLocaleTimeString(state.lang === "zh" ? "zh-CN" : "en") : ""),
      el("span", { class: "type" }, eventLabel(e)),
      el("span", { class: "what" }, summary(e)))));
  }

  // ---- the page ----------------------------------------------------------

  function renderAll() {
    applyLabels();
    renderTiles();
    renderBalance();
    renderUnmet();
    renderUtil();
    renderTrends();
    renderFeed();
  }

  async function loadAll() {
    document.body.dataset.state = "loading";
    await Promise.all([
      loadSection("tiles", loadTiles), loadSection("balance", loadBalance), loadSection("unmet", loadUnmet),
      loadSection("util", loadUtil), loadSection("trends", loadTrends),
    ]);
    if (sessionStorage.getItem(TOKEN_KEY)) document.body.dataset.state = "ready";
  }

  function showDashboard() {
    $("login").hidden = true;
    $("dash").hidden = false;
    $("logout").hidden = false;
    $("refresh").hidden = false;
    loadAll();
    startFeed();
  }

  // Forgets the token and asks for one; `rejected`: the server refused it.
  function signOut(rejected) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(FEED_KEY);
    stopFeed();
    for (const chart of state.charts) chart.destroy();
    state.charts = [];
    state.data = {};
    state.feed.events = [];
    state.feed.lastSeq = null;
    $("dash").hidden = true;
    $("logout").hidden = true;
    $("refresh").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !rejected;
    $("asof").textContent = "";
    document.body.dataset.state = "login";
    $("token").focus();
  }

  function init() {
    applyLabels();
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "zh" ? "en" : "zh";
      localStorage.setItem(LANG_KEY, state.lang);
      renderAll();
    });
    $("logout").addEventListener("click", () => signOut(false));
    $("refresh").addEventListener("click", () => loadAll());
    $("login").addEventListener("submit", (e) => {
      e.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      showDashboard();
    });
    for (const button of document.querySelectorAll("#balance [data-by]")) {
      button.addEventListener("click", () => {
        state.balanceBy = button.dataset.by;
        loadSection("balance", loadBalance);
      });
    }
    $("explain-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("explain-id").value.trim();
      if (id) loadSection("unmet", () => explainRequest(id));
    });
    let resize = null;
    window.addEventListener("resize", () => {
      clearTimeout(resize);
      resize = setTimeout(renderTrends, 200);
    });
    if (sessionStorage.getItem(TOKEN_KEY)) showDashboard();
    else signOut(false);
  }

  init();
})();
