import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretBox, parseSecretKey, SecretKeyError } from '../../../src/notifications/secrets.js';

const A = 'a1'.repeat(32);
const B = Buffer.alloc(32, 7).toString('base64');
const SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==';

test('keys are 32 bytes in hex or base64; anything else is refused', () => {
  assert.equal(parseSecretKey(A)?.length, 32);
  assert.equal(parseSecretKey(B)?.length, 32);
  for (const bad of ['', 'short', 'a1'.repeat(31), Buffer.alloc(16).toString('base64'), 'g'.repeat(64)])
    assert.equal(parseSecretKey(bad), undefined, bad);
  assert.throws(() => createSecretBox({ key: 'short' }), /NOTIFY_SECRET_KEY must be 32 bytes/);
  assert.throws(() => createSecretBox({ key: A, oldKeys: ['nope'] }), /NOTIFY_SECRET_KEYS_OLD must be 32 bytes/);
});

test('sealed: not the secret, a fresh IV each time, opens only with its key and its endpoint id', () => {
  const box = createSecretBox({ key: A });
  const one = box.seal(SECRET, 'we_1');
  const two = box.seal(SECRET, 'we_1');
  assert.notEqual(one, two);
  assert.ok(!one.includes(SECRET) && !one.includes(SECRET.slice(6)));
  assert.ok(box.isSealed(one) && !box.isSealed(SECRET));
  assert.equal(box.open(one, 'we_1'), SECRET);
  // Copied onto another endpoint's record: refused (the id is authenticated data).
  assert.throws(
    () => box.open(one, 'we_2'),
    (e: Error) => e instanceof SecretKeyError && /altered or belongs to another endpoint/.test(e.message),
  );
  // A flipped ciphertext byte: refused.
  const parts = one.split('.');
  const ct = Buffer.from(parts[3], 'base64url');
  ct[0] ^= 1;
  parts[3] = ct.toString('base64url');
  assert.throws(() => box.open(parts.join('.'), 'we_1'), SecretKeyError);
  // Another key: refused, naming the variables to fix, never the secret.
  assert.throws(
    () => createSecretBox({ key: B }).open(one, 'we_1'),
    (e: Error) => e instanceof SecretKeyError && /NOTIFY_SECRET_KEYS_OLD/.test(e.message) && !e.message.includes(SECRET),
  );
});

test('rotation: the old key listed still opens; new seals use the new key', () => {
  const sealed = createSecretBox({ key: A }).seal(SECRET, 'we_1');
  const rotated = createSecretBox({ key: B, oldKeys: [A] });
  assert.equal(rotated.open(sealed, 'we_1'), SECRET);
  const resealed = rotated.seal(SECRET, 'we_1');
  assert.notEqual(resealed.split('.')[1], sealed.split('.')[1]);
  assert.throws(() => createSecretBox({ key: A }).open(resealed, 'we_1'), SecretKeyError);
});
