/** docs/registry-api.openapi.yaml documents every route the accounts API serves, and is well-formed. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { API_ROUTES } from '../../../../../src/servers/registry/auth/index.ts';
import { ADMIN_PASSWORD, basic, call, startAuthRegistry } from './helpers.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: unknown[] }>>; components: Record<string, Record<string, unknown>> };
const doc = parse(readFileSync(new URL('../../../../../docs/registry-api.openapi.yaml', import.meta.url), 'utf8')) as Doc;

test('the OpenAPI document is OpenAPI 3 and its references resolve', () => {
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  const text = JSON.stringify(doc);
  for (const m of text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)) {
    assert.ok(doc.components[m[1]!]?.[m[2]!] !== undefined, `dangling $ref ${m[0]}`);
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const name of path.matchAll(/\{(\w+)\}/g)) assert.ok(JSON.stringify(item).includes(`"${name[1]!}"`) || JSON.stringify(item).includes(`parameters/${name[1]!}`), `${path}: parameter ${name[1]!} undeclared`);
    for (const [method, op] of Object.entries(item)) if (method !== 'parameters') assert.ok(op.responses !== undefined, `${method} ${path} has no responses`);
  }
});

test('every implemented route is documented, and nothing documented is missing from the server', async () => {
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`)));
  const implemented = new Set(API_ROUTES.map(([m, p]) => `${m} ${p}`));
  assert.deepEqual([...implemented].filter((r) => !documented.has(r)), []);
  assert.deepEqual([...documented].filter((r) => !implemented.has(r)), []);
  // And the server really answers each route (not the catch-all 404 of unknown endpoints).
  const r = await startAuthRegistry();
  try {
    for (const [method, path] of API_ROUTES) {
      const concrete = path.replace('{user_id}', '1').replace('{project_name}', 'nope').replace('{mid}', '1').replace('{robot_id}', '1');
      const res = await call(r.url, method, concrete, { auth: basic('admin', ADMIN_PASSWORD) });
      const body = res.body as { errors?: { message: string }[] } | undefined;
      assert.notEqual(body?.errors?.[0]?.message, 'no such API endpoint', `${method} ${path}`);
      assert.notEqual(res.status, 405, `${method} ${path}`);
    }
  } finally {
    await r.close();
  }
});
