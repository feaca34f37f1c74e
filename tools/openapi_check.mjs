// Checks biomatchd's /openapi.json against the real server:
//   1. the document is valid OpenAPI (@apidevtools/swagger-parser);
//   2. every operation in it is called at least once with a success and
//      (when it needs a token) once with a typical error, and each answer's
//      body is validated (ajv, JSON Schema 2020-12) against the schema the
//      document declares for that operation and status; an undeclared
//      status is a failure too;
//   3. the operations called are exactly the document's operations.
// It starts its own biomatchd on a free loopback port with a temporary data
// directory, and exits 1 naming each operation and mismatch.
//
// Usage: node tools/openapi_check.mjs --biomatchd build/server/biomatchd --npm build/npm
//   --npm: the prefix tools/test.sh installed tools/openapi/package.json into.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

function flag(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node tools/openapi_check.mjs --biomatchd PATH --npm DIR (missing --${name})`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const binary = path.resolve(flag('biomatchd'));
const require = createRequire(path.join(path.resolve(flag('npm')), 'resolve-from-here.js'));
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const failures = [];
const fail = (message) => failures.push(message);

// --- The server.

async function startServer(dataDir, adminToken) {
  const child = spawn(binary, ['--listen', '127.0.0.1:0', '--data', dataDir, '--threads', '2'], {
    env: { ...process.env, BIOMATCH_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`biomatchd did not listen within 30 s:\n${log}`)), 30000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on .* \(port (\d+)\)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`biomatchd exited with ${code}:\n${log}`)));
  });
  child.stderr.resume();
  const base = `http://127.0.0.1:${port}`;
  // Ready once /healthz says ok (a bounded wait).
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${base}/healthz`).catch(() => null);
    if (res && res.status === 200) return { child, base };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('biomatchd never became healthy');
}

async function stopServer(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  await exited;
  clearTimeout(timer);
}

// --- The document's operations and their response validators.

function operationsOf(api, ajv) {
  const ops = new Map();  // "GET /v1/platforms/{id}" -> { responses: { "200": validate | null | 'text' } }
  for (const [p, item] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const key = `${method.toUpperCase()} ${p}`;
      const responses = {};
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const content = response.content ?? {};
        if (content['application/json']) {
          responses[status] = { media: 'application/json', validate: ajv.compile(content['application/json'].schema),
                                etag: Boolean(response.headers?.ETag) };
        } else if (Object.keys(content).length > 0) {
          // A body that is not JSON (Prometheus text, dashboard files):
          // its Content-Type is one of those declared; no schema to check.
          responses[status] = { media: Object.keys(content), etag: Boolean(response.headers?.ETag) };
        } else {
          responses[status] = { media: null };
        }
      }
      ops.set(key, { responses, successes: 0, errors: 0 });
    }
  }
  return ops;
}

// --- Calling operations.

function makeCaller(base, ops) {
  // call('PUT /v1/platforms/{id}', { params: { id }, query, body, type, token, headers, expect })
  return async function call(key, { params = {}, query = '', body, type, token, headers = {}, expect } = {}) {
    const op = ops.get(key);
    if (!op) {
      fail(`${key}: called, but the document has no such operation`);
      return {};
    }
    const [method, template] = key.split(' ');
    const target = template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name])) + query;
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] = type ?? 'application/json';
    }
    // redirect: manual, so a declared 308 is seen as it is.
    const res = await fetch(base + target, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    const status = String(res.status);
    const where = `${key} (${method} ${target}) answered ${status}`;
    if (expect !== undefined && res.status !== expect) {
      fail(`${where}, the check expected ${expect}: ${text.slice(0, 300)}`);
    }
    if (res.status < 400 || res.status === 426) op.successes++;
    else op.errors++;
    const declared = op.responses[status];
    if (!declared) {
      fail(`${where}: the document declares no ${status} answer (declared: ${Object.keys(op.responses).join(', ')})`);
      return { status: res.status, text };
    }
    const media = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    if (declared.media === null) {
      if (text.length > 0) fail(`${where}: declared without a body, but has one: ${text.slice(0, 200)}`);
      return { status: res.status, text };
    }
    if (Array.isArray(declared.media)) {
      if (!declared.media.includes(media)) fail(`${where}: Content-Type ${media}, declared ${declared.media.join(' or ')}`);
      if (declared.etag && !res.headers.get('etag')) fail(`${where}: no ETag, declared one`);
      return { status: res.status, text, etag: res.headers.get('etag') };
    }
    if (media !== declared.media) fail(`${where}: Content-Type ${media}, declared ${declared.media}`);
    if (!declared.validate) return { status: res.status, text };
    let json;
    try {
      json = JSON.parse(text);
    } catch (e) {
      fail(`${where}: the body is not JSON: ${e.message}`);
      return { status: res.status, text };
    }
    if (!declared.validate(json)) {
      const errors = declared.validate.errors.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
      fail(`${where}: the body does not match the declared schema:\n    ${errors.join('\n    ')}\n    body: ${text.slice(0, 500)}`);
    }
    if (declared.etag && res.headers.get('etag') !== `"${json.version}"`) {
      fail(`${where}: ETag ${res.headers.get('etag')}, declared to be the version "${json.version}"`);
    }
    return { status: res.status, json, text };
  };
}

// --- Every operation, with a success and a typical error.

function isoDaysFromNow(days) {
  const d = new Date(Date.now() + days * 86400000);
  d.setUTCHours(0, 0, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

async function exercise(call, admin, scratch) {
  const platform = {
    name: '华西新药安全性评价中心', kind: 'technology_service', level: 'provincial', region: 'CN/SC/chengdu',
    location: { lat: 30.57, lon: 104.06 }, qualifications: [{ name: 'GLP', valid_until: isoDaysFromNow(900) }, 'AAALAC'],
    open: true, evaluation: { service_capability: 88, management: 81, output: 90, basic_conditions: 86 },
  };
  const slots = [{ start: isoDaysFromNow(10), end: isoDaysFromNow(40), units: 10 }];
  const capability = {
    platform_id: 'p1', category: 'preclinical/safety/repeat-dose-toxicity', title: '大鼠28天重复给药毒性试验',
    description: 'GLP', keywords: ['rat', 'toxicity'], stages: ['preclinical'], unit: 'study', price_per_unit: 380000, slots,
  };
  const request = {
    requester: { id: 'org-42', type: 'enterprise' }, category: 'preclinical/safety', text: '需要GLP大鼠重复给药毒性试验',
    keywords: ['rat', 'toxicity'], stage: 'preclinical', quantity: 3, unit: 'study', budget_max: 2000000,
    window: { earliest_start: isoDaysFromNow(5), deadline: isoDaysFromNow(60) }, location: { lat: 30.6, lon: 104.1 },
    max_distance_km: 800, region: null, required_qualifications: ['GLP'], weights: { price: 3, time: 1 },
  };
  const A = { token: admin };

  await call('GET /healthz', { expect: 200 });
  await call('GET /metrics', { expect: 200 });
  await call('GET /openapi.json', { expect: 200 });

  // The dashboard's files (no token): the page, a script, a style sheet,
  // the redirect from /ui, 304 on a matching If-None-Match, 404.
  const bare = await call('GET /ui', { expect: 308 });
  if (bare.status === 308) {
    // The Location is checked by its test (ui_test.cc); here the page behind it.
    await call('GET /ui/{file}', { params: { file: '' }, expect: 200 });
  }
  const script = await call('GET /ui/{file}', { params: { file: 'app.js' }, expect: 200 });
  await call('GET /ui/{file}', { params: { file: 'app.css' }, expect: 200 });
  await call('GET /ui/{file}', { params: { file: 'index.html' }, expect: 200 });
  await call('GET /ui/{file}', { params: { file: 'app.js' }, headers: { 'if-none-match': script.etag ?? '*' }, expect: 304 });
  await call('GET /ui/{file}', { params: { file: 'nope.js' }, expect: 404 });

  // Platforms.
  await call('PUT /v1/platforms/{id}', { ...A, params: { id: 'p1' }, body: platform, expect: 201 });
  await call('PUT /v1/platforms/{id}', { ...A, params: { id: 'p1' }, body: platform, expect: 200 });
  await call('PUT /v1/platforms/{id}', { ...A, params: { id: 'p1' }, body: { ...platform, kind: 'x' }, expect: 400 });
  await call('PUT /v1/platforms/{id}', { ...A, params: { id: 'p1' }, body: platform, type: 'text/plain', expect: 415 });
  await call('PUT /v1/platforms/{id}', { ...A, params: { id: 'p1' }, body: platform, headers: { 'if-match': '"99"' }, expect: 412 });
  await call('GET /v1/platforms/{id}', { ...A, params: { id: 'p1' }, expect: 200 });
  await call('GET /v1/platforms/{id}', { ...A, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/platforms', { ...A, query: '?limit=1&region=CN', expect: 200 });
  await call('GET /v1/platforms', { ...A, query: '?limit=0', expect: 400 });

  // Capabilities.
  await call('PUT /v1/capabilities/{id}', { ...A, params: { id: 'c1' }, body: capability, expect: 201 });
  await call('PUT /v1/capabilities/{id}', { ...A, params: { id: 'c1' }, body: capability, expect: 200 });
  await call('PUT /v1/capabilities/{id}', { ...A, params: { id: 'c9' }, body: { ...capability, platform_id: 'nope' }, expect: 400 });
  await call('GET /v1/capabilities/{id}', { ...A, params: { id: 'c1' }, expect: 200 });
  await call('GET /v1/capabilities/{id}', { ...A, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/capabilities', { ...A, query: '?platform_id=p1&category=preclinical&region=CN/SC&limit=10', expect: 200 });
  await call('GET /v1/capabilities', { ...A, query: '?cursor=zz', expect: 400 });
  await call('PUT /v1/capabilities/{id}/slots', { ...A, params: { id: 'c1' }, body: { slots }, expect: 200 });
  await call('PUT /v1/capabilities/{id}/slots', { ...A, params: { id: 'nope' }, body: { slots }, expect: 404 });

  // Requests and matching.
  await call('PUT /v1/requests/{id}', { ...A, params: { id: 'r1' }, body: request, expect: 201 });
  await call('PUT /v1/requests/{id}', { ...A, params: { id: 'r1' }, body: request, expect: 200 });
  await call('PUT /v1/requests/{id}', { ...A, params: { id: 'r1' }, body: { ...request, quantity: 'x' }, expect: 400 });
  await call('GET /v1/requests/{id}', { ...A, params: { id: 'r1' }, expect: 200 });
  await call('GET /v1/requests/{id}', { ...A, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/requests', { ...A, query: '?status=open&category=preclinical&limit=5', expect: 200 });
  await call('GET /v1/requests', { ...A, query: '?status=held', expect: 400 });
  await call('GET /v1/requests/{id}/matches', { ...A, params: { id: 'r1' }, query: '?explain=true&limit=5', expect: 200 });
  await call('GET /v1/requests/{id}/matches', { ...A, params: { id: 'r1' }, expect: 200 });
  await call('GET /v1/requests/{id}/matches', { ...A, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/capabilities/{id}/matches', { ...A, params: { id: 'c1' }, query: '?explain=true', expect: 200 });
  await call('GET /v1/capabilities/{id}/matches', { ...A, params: { id: 'c1' }, query: '?explain=maybe', expect: 400 });
  await call('POST /v1/match', { ...A, query: '?explain=true', body: request, expect: 200 });
  await call('POST /v1/match', { ...A, query: '?limit=3', body: { ...request, location: null, max_distance_km: null }, expect: 200 });
  await call('POST /v1/match', { ...A, body: { ...request, window: {} }, expect: 400 });

  // Bulk.
  const ndjson = [
    { op: 'put', type: 'platform', id: 'p2', doc: { ...platform, evaluation: null } },
    { op: 'put', type: 'capability', id: 'c2', doc: { ...capability, platform_id: 'p2' } },
    { op: 'put', type: 'request', id: 'r2', doc: { ...request, quantity: 1 } },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n';
  await call('POST /v1/bulk', { ...A, body: ndjson, type: 'application/x-ndjson', expect: 200 });
  await call('POST /v1/bulk', { ...A, body: '{"op":"put","type":"platform","id":"p3","doc":{}}\n{"op":"nope"}\n',
                                type: 'application/x-ndjson', expect: 400 });
  await call('POST /v1/bulk', { ...A, body: ndjson, expect: 415 });

  // Reservations: r1 takes 3 units, one hold at a time.
  const hold = { request_id: 'r1', capability_id: 'c1', quantity: 1, hold_seconds: 900 };
  const held = await call('POST /v1/reservations', { ...A, body: hold, expect: 201 });
  const idem = { ...A, body: hold, headers: { 'idempotency-key': 'k-1' } };
  const kept = await call('POST /v1/reservations', { ...idem, expect: 201 });
  await call('POST /v1/reservations', { ...idem, expect: 200 });
  await call('POST /v1/reservations', { ...A, body: hold, expect: 201 });
  await call('POST /v1/reservations', { ...A, body: hold, expect: 409 });
  await call('POST /v1/reservations', { ...A, body: { ...hold, request_id: 'nope' }, expect: 400 });
  const id = held.json?.id ?? 'missing';
  await call('GET /v1/reservations/{id}', { ...A, params: { id }, expect: 200 });
  await call('GET /v1/reservations/{id}', { ...A, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/reservations', { ...A, query: '?request_id=r1&capability_id=c1&status=held', expect: 200 });
  await call('GET /v1/reservations', { ...A, query: '?status=open', expect: 400 });
  await call('POST /v1/reservations/{id}/confirm', { ...A, params: { id }, expect: 200 });
  await call('POST /v1/reservations/{id}/confirm', { ...A, params: { id }, expect: 409 });
  await call('POST /v1/reservations/{id}/complete', { ...A, params: { id }, expect: 200 });
  await call('POST /v1/reservations/{id}/complete', { ...A, params: { id }, expect: 409 });
  const other = kept.json?.id ?? 'missing';
  await call('POST /v1/reservations/{id}/cancel', { ...A, params: { id: other }, expect: 200 });
  await call('POST /v1/reservations/{id}/cancel', { ...A, params: { id: other }, expect: 409 });
  await call('POST /v1/requests/{id}/cancel', { ...A, params: { id: 'r1' }, expect: 200 });
  await call('POST /v1/requests/{id}/cancel', { ...A, params: { id: 'nope' }, expect: 404 });

  // Keys.
  const agency = (await call('POST /v1/keys', { ...A, body: { name: 'agency-1', role: 'agency' }, expect: 201 })).json?.token;
  await call('POST /v1/keys', { ...A, body: { name: 'agency-1', role: 'agency' }, expect: 409 });
  await call('POST /v1/keys', { ...A, body: { name: 'temp-1', role: 'portal' }, expect: 201 });
  await call('GET /v1/keys', { ...A, expect: 200 });
  await call('GET /v1/keys', { token: agency, expect: 403 });
  await call('DELETE /v1/keys/{name}', { ...A, params: { name: 'temp-1' }, expect: 204 });
  await call('DELETE /v1/keys/{name}', { ...A, params: { name: 'temp-1' }, expect: 404 });

  // Subscriptions and the stream (as the agency).
  const G = { token: agency };
  const sub = { types: ['match.found', 'request.created'], category: 'preclinical', region: 'CN/SC', stages: ['preclinical'],
                keywords: ['toxicity'], min_score: 0.5 };
  await call('PUT /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, body: sub, expect: 201 });
  await call('PUT /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, body: { ...sub, region: null }, expect: 200 });
  await call('PUT /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, body: { min_score: 2 }, expect: 400 });
  await call('GET /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, expect: 200 });
  await call('GET /v1/subscriptions/{id}', { ...G, params: { id: 'nope' }, expect: 404 });
  await call('GET /v1/subscriptions', { ...G, query: '?limit=5', expect: 200 });
  await call('GET /v1/subscriptions', { ...G, query: '?limit=5000', expect: 400 });
  await call('GET /v1/stream', { ...G, query: '?subscriptions=s1&from=1', expect: 426 });
  await call('GET /v1/stream', { query: '?subscriptions=s1', expect: 401 });
  await call('DELETE /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, expect: 204 });
  await call('DELETE /v1/subscriptions/{id}', { ...G, params: { id: 's1' }, expect: 404 });

  // Global allocation (a plan only: the deletes below need r2 without holds).
  await call('POST /v1/allocate', { ...A, body: { select: { request_ids: ['r2'], limit: 10 }, candidates: 4 }, expect: 200 });
  await call('POST /v1/allocate', { ...A, body: { select: { category: 'preclinical', region: 'CN' }, apply: false }, expect: 200 });
  await call('POST /v1/allocate', { ...A, body: { select: { request_ids: ['r2'] }, colour: 'blue' }, expect: 400 });

  // Statistics (a portal may not read them) and checkpoints.
  const portal = (await call('POST /v1/keys', { ...A, body: { name: 'portal-1', role: 'portal' }, expect: 201 })).json?.token;
  const P = { token: portal };
  const from = isoDaysFromNow(0), to = isoDaysFromNow(60);
  await call('GET /v1/stats/overview', { ...A, expect: 200 });
  await call('GET /v1/stats/overview', { expect: 401 });
  await call('GET /v1/stats/overview', { ...P, expect: 403 });
  await call('GET /v1/stats/balance', { ...A, expect: 200 });
  await call('GET /v1/stats/balance', { ...A, query: `?by=region&depth=1&prefix=CN&from=${from}&to=${to}`, expect: 200 });
  await call('GET /v1/stats/balance', { ...A, query: '?by=platform', expect: 400 });
  await call('GET /v1/stats/balance', { ...P, expect: 403 });
  await call('GET /v1/stats/utilization', { ...A, expect: 200 });
  await call('GET /v1/stats/utilization', { ...A, query: `?by=category&depth=2&prefix=preclinical&from=${from}&to=${to}`, expect: 200 });
  await call('GET /v1/stats/utilization', { ...A, query: '?by=requester', expect: 400 });
  await call('GET /v1/stats/utilization', { ...P, expect: 403 });
  await call('GET /v1/stats/timeseries', { ...A, query: '?metric=requests_created', expect: 200 });
  await call('GET /v1/stats/timeseries', { ...A, query: `?metric=unmatched_requests&step=week&from=${isoDaysFromNow(-28)}&to=${from}&category=preclinical&region=CN`, expect: 200 });
  await call('GET /v1/stats/timeseries', { ...A, query: '?metric=requests_created&step=month', expect: 400 });
  await call('GET /v1/stats/timeseries', { ...P, query: '?metric=requests_created', expect: 403 });
  const dir = path.join(scratch, 'checkpoint');
  await call('POST /v1/admin/checkpoint', { ...A, body: { dir }, expect: 201 });
  await call('POST /v1/admin/checkpoint', { ...A, body: { dir }, expect: 409 });
  await call('POST /v1/admin/checkpoint', { ...A, body: { dir: 'relative' }, expect: 400 });

  // Deletes last.
  await call('DELETE /v1/platforms/{id}', { ...A, params: { id: 'p2' }, expect: 409 });
  await call('DELETE /v1/capabilities/{id}', { ...A, params: { id: 'c2' }, expect: 204 });
  await call('DELETE /v1/capabilities/{id}', { ...A, params: { id: 'c2' }, expect: 404 });
  await call('DELETE /v1/platforms/{id}', { ...A, params: { id: 'p2' }, headers: { 'if-match': '"7"' }, expect: 412 });
  await call('DELETE /v1/platforms/{id}', { ...A, params: { id: 'p2' }, expect: 204 });
  await call('DELETE /v1/requests/{id}', { ...A, params: { id: 'r2' }, expect: 204 });
  await call('DELETE /v1/requests/{id}', { ...A, params: { id: 'r2' }, expect: 404 });
}

// --- Main.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'biomatch-openapi-'));
const admin = `bm_${randomBytes(32).toString('hex')}`;
const { child, base } = await startServer(path.join(scratch, 'data'), admin);
let operationCount = 0;
let version = '';
try {
  const document = await (await fetch(`${base}/openapi.json`)).json();
  let api;
  try {
    api = await SwaggerParser.validate(structuredClone(document));  // resolves every $ref
  } catch (e) {
    console.error(`openapi check: /openapi.json is not valid OpenAPI:\n${e.message}`);
    process.exitCode = 1;
  }
  if (api) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const ops = operationsOf(api, ajv);
    operationCount = ops.size;
    version = api.openapi;
    await exercise(makeCaller(base, ops), admin, scratch);
    for (const [key, op] of ops) {
      if (op.successes === 0) fail(`${key}: never called with a success`);
      const secured = api.paths[key.split(' ')[1]][key.split(' ')[0].toLowerCase()].security?.length !== 0;
      if (secured && op.errors === 0) fail(`${key}: never called with an error`);
    }
  }
} finally {
  await stopServer(child);
  fs.rmSync(scratch, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`openapi check: ${failures.length} failures:\n- ${failures.join('\n- ')}`);
  process.exitCode = 1;
} else if (!process.exitCode) {
  console.log(`openapi check: the document is valid OpenAPI ${version}; ${operationCount} operations, each called, every answer matches its declared schema`);
}
