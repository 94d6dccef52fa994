import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateSchemes, checkTransport, isLoopbackHost, registryApiHost } from '../../../../src/clients/registry/endpoint.ts';
import { VouchError } from '../../../../src/core/index.ts';

test('loopback hosts: localhost, 127.0.0.0/8 and ::1, with or without port', () => {
  for (const h of ['localhost', 'localhost:5000', 'LOCALHOST:1', '127.0.0.1', '127.0.0.1:5000', '127.255.3.4:80', '[::1]:5000', '[::1]', '::1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['128.0.0.1', '127.0.0.256', '127.0.0', '10.0.0.1:5000', 'localhost.example.com', 'mylocalhost', '[::2]:5000', 'registry.example.com:5000', '0.0.0.0']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

test('docker.io and its aliases are served by registry-1.docker.io', () => {
  assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryApiHost('index.docker.io'), 'registry-1.docker.io');
  assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
  assert.equal(registryApiHost('localhost:5000'), 'localhost:5000');
});

test('plain HTTP only to loopback or when insecure; other schemes never', () => {
  checkTransport(new URL('https://r.example/v2/'), false);
  checkTransport(new URL('http://127.0.0.1:5000/v2/'), false);
  checkTransport(new URL('http://[::1]:5000/v2/'), false);
  checkTransport(new URL('http://r.example/v2/'), true);
  assert.throws(
    () => checkTransport(new URL('http://r.example/v2/'), false),
    (e: unknown) => e instanceof VouchError && e.code === 'INSECURE_REGISTRY' && /r\.example/.test(e.message) && /--insecure/.test(e.hint ?? ''),
  );
  assert.throws(() => checkTransport(new URL('file:///etc/passwd'), true), (e: unknown) => e instanceof VouchError && e.code === 'REGISTRY_ERROR');
  assert.deepEqual(candidateSchemes('r.example', false), ['https']);
  assert.deepEqual(candidateSchemes('r.example', true), ['https', 'http']);
  assert.deepEqual(candidateSchemes('localhost:5000', false), ['https', 'http']);
});
