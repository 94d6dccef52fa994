import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { authFilePaths, findCredentials, lookupInAuthDocument, normalizeAuthKey, parseCreds } from '../../../../src/clients/registry/credentials.ts';
import { VouchError } from '../../../../src/core/index.ts';

let work: string;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

before(() => {
  work = mkdtempSync(join(tmpdir(), 'vouch-creds-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh HOME with the given files (relative path → JSON or raw text). */
function home(files: Record<string, unknown>): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(work, 'home-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return { HOME: dir };
}

test('--creds splits at the first colon and wins over files', () => {
  assert.deepEqual(parseCreds('alice:pa:ss'), { username: 'alice', password: 'pa:ss' });
  assert.deepEqual(parseCreds('alice:'), { username: 'alice', password: '' });
  for (const bad of ['alice', ':pw', '']) assert.throws(() => parseCreds(bad), (e: unknown) => e instanceof VouchError && e.code === 'USAGE');
  const env = home({ '.docker/config.json': { auths: { 'r.example': { auth: b64('file:pw') } } } });
  const r = findCredentials('r.example', 'a/b', { creds: 'cli:pw', env });
  assert.deepEqual(r.credentials, { username: 'cli', password: 'pw' });
  assert.equal(r.source, '--creds');
});

test('the file order: REGISTRY_AUTH_FILE (else XDG_RUNTIME_DIR), ~/.config/containers, then Docker', () => {
  const env = home({
    'run/containers/auth.json': { auths: { 'r.example': { auth: b64('runtime:1') } } },
    'custom.json': { auths: { 'r.example': { auth: b64('custom:1') } } },
    '.config/containers/auth.json': { auths: { 'r.example': { auth: b64('config:1') }, 'only.config': { auth: b64('c2:1') } } },
    '.docker/config.json': { auths: { 'r.example': { auth: b64('docker:1') }, 'only.docker': { username: 'd2', password: 'p' } } },
  });
  const runtime = { ...env, XDG_RUNTIME_DIR: join(env.HOME!, 'run') };
  assert.equal(findCredentials('r.example', 'x', { env: runtime }).credentials?.username, 'runtime');
  const custom = { ...runtime, REGISTRY_AUTH_FILE: join(env.HOME!, 'custom.json') };
  assert.equal(findCredentials('r.example', 'x', { env: custom }).credentials?.username, 'custom');
  assert.equal(findCredentials('r.example', 'x', { env }).credentials?.username, 'config');
  assert.equal(findCredentials('only.config', 'x', { env }).credentials?.username, 'c2');
  const d = findCredentials('only.docker', 'x', { env });
  assert.deepEqual(d.credentials, { username: 'd2', password: 'p' });
  assert.match(d.source ?? '', /\.docker\/config\.json \(auths\["only\.docker"\]\)/);
  assert.equal(findCredentials('nowhere.example', 'x', { env }).credentials, undefined);
  // Without XDG_RUNTIME_DIR, podman and skopeo keep their login in /run/containers/$UID (containers-auth.json(5)).
  assert.deepEqual(authFilePaths({ HOME: '/h', DOCKER_CONFIG: '/dc', XDG_CONFIG_HOME: '/xc' }), [
    `/run/containers/${process.getuid!()}/auth.json`,
    '/xc/containers/auth.json',
    '/dc/config.json',
  ]);
});

test("Docker Hub's https://index.docker.io/v1/ key serves docker.io; keys as URLs or hosts", () => {
  const doc = { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') }, 'http://r.example:5000/v2/': { auth: b64('r:pw') } } };
  assert.equal(lookupInAuthDocument(doc, 'f', 'docker.io', 'library/nginx').credentials?.username, 'hub');
  assert.equal(lookupInAuthDocument(doc, 'f', 'index.docker.io', 'library/nginx').credentials?.username, 'hub');
  assert.equal(lookupInAuthDocument(doc, 'f', 'r.example:5000', 'a').credentials?.username, 'r');
  assert.equal(lookupInAuthDocument(doc, 'f', 'r.example', 'a').credentials, undefined);
  assert.equal(normalizeAuthKey('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(normalizeAuthKey('registry-1.docker.io'), 'docker.io');
  assert.equal(normalizeAuthKey('Quay.IO/org/repo/'), 'quay.io/org/repo');
});

test('namespaced keys (containers-auth.json): the longest matching namespace wins', () => {
  const doc = {
    auths: {
      'quay.io': { auth: b64('host:1') },
      'quay.io/org': { auth: b64('org:1') },
      'quay.io/org/app': { auth: b64('app:1') },
      'quay.io/or': { auth: b64('prefix-not-namespace:1') },
    },
  };
  assert.equal(lookupInAuthDocument(doc, 'f', 'quay.io', 'org/app').credentials?.username, 'app');
  assert.equal(lookupInAuthDocument(doc, 'f', 'quay.io', 'org/app/sub').credentials?.username, 'app');
  assert.equal(lookupInAuthDocument(doc, 'f', 'quay.io', 'org/other').credentials?.username, 'org');
  assert.equal(lookupInAuthDocument(doc, 'f', 'quay.io', 'orga/x').credentials?.username, 'host');
});

test('credential helpers are not run: a warning names the helper and the alternatives', () => {
  const store = { auths: { 'r.example': {} }, credsStore: 'desktop' };
  const r1 = lookupInAuthDocument(store, '/h/.docker/config.json', 'r.example', 'a');
  assert.equal(r1.credentials, undefined);
  assert.equal(r1.warnings.length, 1);
  assert.match(r1.warnings[0]!, /docker-credential-desktop.*does not run.*--creds.*REGISTRY_AUTH_FILE/);
  // credsStore alone, for a registry never logged in to: nothing to say.
  assert.deepEqual(lookupInAuthDocument(store, 'f', 'other.example', 'a').warnings, []);
  const helpers = { credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' } };
  const r2 = lookupInAuthDocument(helpers, 'f', '123.dkr.ecr.us-east-1.amazonaws.com', 'app');
  assert.match(r2.warnings.join('\n'), /docker-credential-ecr-login/);
  // An inline credential next to a helper is still used.
  const both = { auths: { 'r.example': { auth: b64('inline:pw') } }, credHelpers: { 'r.example': 'pass' } };
  assert.equal(lookupInAuthDocument(both, 'f', 'r.example', 'a').credentials?.username, 'inline');
});

test('bad files and entries are warnings that never quote a secret; the lookup goes on', () => {
  const secret = 'hunter2-secret';
  const env = home({
    'run/containers/auth.json': `{"auths": {"r.example": {"auth": "${b64(`u:${secret}`)}"`, // truncated JSON
    '.config/containers/auth.json': { auths: { 'r.example': { auth: `!!not base64 ${secret}` } } },
    '.docker/config.json': { auths: { 'r.example': { identitytoken: secret }, 'ok.example': 'nope' } },
  });
  const r = findCredentials('r.example', 'a', { env: { ...env, XDG_RUNTIME_DIR: join(env.HOME!, 'run') } });
  assert.equal(r.credentials, undefined);
  const text = r.warnings.join('\n');
  assert.match(text, /malformed JSON/);
  assert.match(text, /not base64 of USER:PASSWORD/);
  assert.match(text, /identity tokens/);
  assert.ok(!text.includes(secret) && !text.includes(b64(`u:${secret}`)), text);
  assert.match(findCredentials('ok.example', 'a', { env }).warnings.join('\n'), /not an object/);
  assert.match(lookupInAuthDocument([], 'f', 'r', 'a').warnings.join(''), /not a JSON object/);
  assert.match(lookupInAuthDocument({ auths: [] }, 'f', 'r', 'a').warnings.join(''), /"auths" is not an object/);
});

test('oversized and non-file auth paths are skipped with a warning', () => {
  const env = home({ '.docker/config.json': `{"auths":{},"x":"${'a'.repeat(1024 * 1024 + 10)}"}` });
  mkdirSync(join(env.HOME!, '.config/containers/auth.json'), { recursive: true });
  const r = findCredentials('r.example', 'a', { env });
  assert.match(r.warnings.join('\n'), /over 1048576 bytes/);
  assert.match(r.warnings.join('\n'), /not a file/);
});
