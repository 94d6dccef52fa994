import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWwwAuthenticate } from '../../../../src/clients/registry/challenge.ts';

function simple(header: string): { scheme: string; params: Record<string, string>; token68?: string }[] {
  return parseWwwAuthenticate(header).map((c) => ({ ...c, params: { ...c.params } }));
}

test('Docker Hub style Bearer challenge', () => {
  assert.deepEqual(
    simple('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'),
    [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } }],
  );
});

test('commas and escaped quotes inside quoted strings do not split', () => {
  const [c] = simple('Bearer realm="https://a/token?x=1,2",service="a,b",error="say \\"hi\\", ok"');
  assert.deepEqual(c?.params, { realm: 'https://a/token?x=1,2', service: 'a,b', error: 'say "hi", ok' });
});

test('several challenges in one header, and the RFC 7235 example', () => {
  assert.deepEqual(simple('Basic realm="x", Bearer realm="y",service="z"'), [
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: { realm: 'y', service: 'z' } },
  ]);
  // RFC 7235 §4.1 example (a parameter `type=1` that is a token, not a quoted string).
  assert.deepEqual(simple('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'), [
    { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    { scheme: 'basic', params: { realm: 'simple' } },
  ]);
});

test('token68 challenges, with and without padding, next to parameter challenges', () => {
  assert.deepEqual(simple('Negotiate abc+/d==, Basic realm="r"'), [
    { scheme: 'negotiate', params: {}, token68: 'abc+/d==' },
    { scheme: 'basic', params: { realm: 'r' } },
  ]);
  assert.deepEqual(simple('Negotiate abc='), [{ scheme: 'negotiate', params: {}, token68: 'abc=' }]);
  assert.deepEqual(simple('Bearer'), [{ scheme: 'bearer', params: {} }]);
});

test('scheme and parameter names are case-insensitive; white space around = is allowed', () => {
  assert.deepEqual(simple('BEARER Realm = "https://r/t" ,  SERVICE="s"'), [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } }]);
});

test('lenient: unquoted URL values, empty list elements, repeated parameters keep the first', () => {
  assert.deepEqual(simple(', Bearer realm=https://r.example/token,, service=svc ,'), [
    { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'svc' } },
  ]);
  assert.deepEqual(simple('Bearer realm="a",realm="b"')[0]?.params, { realm: 'a' });
});

test('several scopes in one quoted scope parameter stay one value', () => {
  assert.equal(simple('Bearer realm="r",scope="repository:a:pull repository:b:pull,push"')[0]?.params.scope, 'repository:a:pull repository:b:pull,push');
});

test('malformed headers never throw and keep what was read', () => {
  assert.deepEqual(simple(''), []);
  assert.deepEqual(parseWwwAuthenticate(null), []);
  assert.deepEqual(simple('Bearer realm="unterminated'), [{ scheme: 'bearer', params: {} }]);
  assert.deepEqual(simple('Bearer realm="ok", service="cut'), [{ scheme: 'bearer', params: { realm: 'ok' } }]);
  assert.deepEqual(simple('"quoted", =, Basic realm=x'), [{ scheme: 'basic', params: { realm: 'x' } }]);
  // A huge header is cut, not parsed whole; the parse is linear.
  const huge = `Bearer realm="r",${'a=b,'.repeat(100_000)}`;
  const [c] = parseWwwAuthenticate(huge);
  assert.equal(c?.params.realm, 'r');
  assert.ok(Object.keys(c?.params ?? {}).length <= 32);
});

test('parameter names cannot pollute the prototype', () => {
  const [c] = parseWwwAuthenticate('Bearer __proto__="x", constructor="y", realm="r"');
  assert.equal(c?.params.realm, 'r');
  assert.equal(Object.getPrototypeOf(c?.params), null);
  assert.equal(c?.params.__proto__, 'x');
});
