import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVouchError } from '../../../../src/core/index.ts';
import { parseImageReference, isImageReference } from '../../../../src/formats/oci/index.ts';

const D256 = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'b'.repeat(128)}`;

// Normalisations from distribution/reference normalize_test.go (TestParseNormalizedNamed /
// TestValidateReferenceName) and Docker's behaviour: input → canonical string, domain, path.
const GOOD: [string, string, string, string][] = [
  ['nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx'],
  ['nginx:1.27', 'docker.io/library/nginx:1.27', 'docker.io', 'library/nginx'],
  ['library/nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx'],
  ['docker.io/nginx', 'docker.io/library/nginx:latest', 'docker.io', 'library/nginx'],
  ['index.docker.io/nginx:x', 'docker.io/library/nginx:x', 'docker.io', 'library/nginx'],
  ['user/app', 'docker.io/user/app:latest', 'docker.io', 'user/app'],
  ['localhost/app', 'localhost/app:latest', 'localhost', 'app'],
  ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag', 'localhost:5000', 'a/b'],
  ['localhost:5000', 'docker.io/library/localhost:5000', 'docker.io', 'library/localhost'],
  ['quay.io/ns/name', 'quay.io/ns/name:latest', 'quay.io', 'ns/name'],
  ['Foo/bar', 'Foo/bar:latest', 'Foo', 'bar'], // an upper-case first component is a domain
  ['host:5000/ns/name@' + D256, `host:5000/ns/name@${D256}`, 'host:5000', 'ns/name'],
  ['name:tag@' + D256, `docker.io/library/name:tag@${D256}`, 'docker.io', 'library/name'],
  ['registry.example.com/a/b/c@' + D512, `registry.example.com/a/b/c@${D512}`, 'registry.example.com', 'a/b/c'],
  ['[::1]:5000/foo:v1', '[::1]:5000/foo:v1', '[::1]:5000', 'foo'],
  ['192.168.1.1:5000/a_b__c-d--e.f', '192.168.1.1:5000/a_b__c-d--e.f:latest', '192.168.1.1:5000', 'a_b__c-d--e.f'],
  ['a/b:_under.score-1', 'docker.io/a/b:_under.score-1', 'docker.io', 'a/b'],
];

test('parseImageReference normalises like docker pull', () => {
  for (const [input, canonical, domain, path] of GOOD) {
    const ref = parseImageReference(input);
    assert.equal(ref.toString(), canonical, input);
    assert.equal(ref.domain, domain, input);
    assert.equal(ref.path, path, input);
    assert.equal(ref.name, `${domain}/${path}`);
    assert.equal(parseImageReference(ref.toString()).toString(), canonical, `idempotent: ${input}`);
    assert.ok(isImageReference(input));
  }
});

test('tag, digest, identifier, registryHost and familiar form', () => {
  const hub = parseImageReference('nginx');
  assert.equal(hub.tag, 'latest');
  assert.equal(hub.digest, undefined);
  assert.equal(hub.identifier, 'latest');
  assert.equal(hub.registryHost, 'registry-1.docker.io');
  assert.equal(hub.familiar, 'nginx:latest');
  assert.equal(parseImageReference('user/app:1').familiar, 'user/app:1');
  assert.equal(parseImageReference('library/a/b').familiar, 'library/a/b:latest');

  const pinned = parseImageReference(`localhost:5000/a/b@${D256}`);
  assert.equal(pinned.tag, undefined, 'a digest-only reference gets no default tag');
  assert.equal(pinned.identifier, D256);
  assert.equal(pinned.registryHost, 'localhost:5000');
  assert.equal(pinned.familiar, `localhost:5000/a/b@${D256}`);

  const both = parseImageReference(`a:v1@${D256}`);
  assert.equal(both.tag, 'v1');
  assert.equal(both.identifier, D256, 'the digest wins over the tag');
  assert.equal(JSON.stringify({ r: both }), JSON.stringify({ r: `docker.io/library/a:v1@${D256}` }));

  assert.equal(hub.withDigest(D256).toString(), `docker.io/library/nginx:latest@${D256}`);
  assert.equal(hub.withTag('2').toString(), 'docker.io/library/nginx:2');
  assert.throws(() => hub.withTag('-x'), (e) => isVouchError(e) && e.code === 'BAD_TARGET');
  assert.throws(() => hub.withDigest('sha256:abc'), (e) => isVouchError(e) && e.code === 'BAD_TARGET');
  assert.ok(Object.isFrozen(hub));
});

// Rejections from reference_test.go / normalize_test.go, each with the reason we expect named.
const BAD: [string, RegExp][] = [
  ['', /empty/],
  ['Nginx', /must be lowercase/],
  ['docker.io/Library/nginx', /must be lowercase/],
  ['localhost:5000/A/b', /must be lowercase/],
  ['a'.repeat(64).replace(/a/g, 'f'), /image id/],
  ['nginx:', /invalid tag/],
  ['nginx:-bad', /invalid tag/],
  [`nginx:${'t'.repeat(129)}`, /invalid tag/],
  ['nginx@sha256:abc', /malformed digest/],
  [`nginx@sha256:${'A'.repeat(64)}`, /64 lower-case hex/],
  [`nginx@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
  [`nginx@sha256:${'a'.repeat(63)}`, /64 lower-case hex/],
  ['a//b', /invalid repository name/],
  ['a/b/', /invalid repository name/],
  ['-a/b', /invalid repository name/],
  ['a/b-', /invalid repository name/],
  ['a/b..c', /invalid repository name/],
  ['a/b___c', /invalid repository name/],
  ['-host.com/a', /invalid registry domain/],
  ['host.com:port/a', /invalid registry domain|invalid tag/],
  ['@' + D256, /no repository name/],
  [':tag', /no repository name/],
  [`${'a'.repeat(128)}/${'b'.repeat(128)}`, /longer than 255/],
  ['x'.repeat(2000), /longer than 1024/],
];

test('parseImageReference rejects what the grammar rejects, with the reason', () => {
  for (const [input, reason] of BAD) {
    assert.throws(
      () => parseImageReference(input),
      (e) => isVouchError(e) && e.code === 'BAD_TARGET' && reason.test(e.message) && e.hint !== undefined,
      JSON.stringify(input.slice(0, 40)),
    );
    assert.equal(isImageReference(input), false);
  }
});
