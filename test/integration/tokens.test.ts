/**
 * Token attacks, one case per line: each is refused with HTTP 401, UNAUTHENTICATED and no
 * upstream call. The identity provider is a real JWKS endpoint on loopback serving an RSA key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp } from '../helpers/app.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'https://api.example.test';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

let t: TestApp;
let jwks: Server;
let jwksHits = 0;
let jwksDown = false;
/** The identity provider has rotated in a second key (kid k2, the `other` key pair). */
let rotated = false;

function jwk(key: KeyObject, kid: string) {
  return { ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

before(async () => {
  jwks = createServer((_req, res) => {
    jwksHits++;
    if (jwksDown) {
      res.writeHead(503).end();
      return;
    }
    const keys = [jwk(publicKey, 'k1'), ...(rotated ? [jwk(other.publicKey, 'k2')] : [])];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const port = (jwks.address() as { port: number }).port;
  t = await startTestApp({
    env: {
      AUTH_JWT_ALGORITHMS: 'RS256',
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_ROLES_CLAIM: 'https://example.test/roles',
    },
  });
});
after(async () => {
  await t.close();
  jwks.close();
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'auth0|ada',
  crm_contact_id: '1001',
  'https://example.test/roles': ['customer'],
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...extra,
});
const rs256 = (payload: object, header: Record<string, unknown> = { kid: 'k1' }, key: KeyObject = privateKey) =>
  jwt.sign(payload, key, { algorithm: 'RS256', header: { alg: 'RS256', ...header } });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const ME = '{ me { id name } }';

test('a token issued within the clock tolerance (iat a few seconds ahead) still works', async () => {
  const res = await t.gql(ME, { token: rs256(claims({ iat: now() + 20 })) });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { me: { id: '1001', name: 'Ada Lovelace' } });
});

test('a valid RS256 token from the JWKS works', async () => {
  const res = await t.gql(ME, { token: rs256(claims()) });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { me: { id: '1001', name: 'Ada Lovelace' } });
});

describe('refused with 401 UNAUTHENTICATED and no upstream call', () => {
  const cases: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    [
      'HS256 signed with the RSA public key',
      () => jwt.sign(claims(), publicPem, { algorithm: 'HS256', header: { alg: 'HS256', kid: 'k1' } }),
    ],
    ['expired', () => rs256(claims({ iat: now() - 7200, exp: now() - 3600 }))],
    ['not yet valid', () => rs256(claims({ nbf: now() + 3600 }))],
    ['wrong issuer', () => rs256(claims({ iss: 'https://evil.example.test/' }))],
    ['wrong audience', () => rs256(claims({ aud: 'https://other-api.example.test' }))],
    ['missing audience', () => rs256(claims({ aud: undefined }))],
    [
      'tampered payload',
      () => {
        const [h, , s] = rs256(claims()).split('.');
        return `${h}.${b64(claims({ 'https://example.test/roles': ['admin'] }))}.${s}`;
      },
    ],
    ['signed by another key under a known kid', () => rs256(claims(), { kid: 'k1' }, other.privateKey)],
    ['unknown kid', () => rs256(claims(), { kid: 'k-unknown' })],
    ['malicious kid ../../x', () => rs256(claims(), { kid: '../../x' })],
    ['malicious kid with quotes', () => rs256(claims(), { kid: `k1' OR '1'='1` })],
    ['a user token dressed as a partner token (typ)', () => rs256(claims(), { kid: 'k1', typ: 'portico-partner+jwt' })],
    ['garbage', () => 'not.a.jwt'],
    // A token without exp would be valid forever; one issued in the future was minted by a bad clock or a forger.
    ['no exp', () => rs256(Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== 'exp')))],
    ['iat in the future beyond the clock tolerance', () => rs256(claims({ iat: now() + 120 }))],
    // RFC 7515 4.1.11: critical header extensions we do not understand (we understand none).
    [
      'crit naming an extension (RFC 7515 4.1.11)',
      () => rs256(claims(), { kid: 'k1', crit: ['urn:example:pop'], 'urn:example:pop': true }),
    ],
    ['crit naming a registered claim', () => rs256(claims(), { kid: 'k1', crit: ['exp'] })],
    [
      'partner token without exp',
      () =>
        jwt.sign({}, 'portico-dev-only-partner-secret-0000000000', {
          algorithm: 'HS256',
          jwtid: 'ptn_x',
          issuer: 'portico',
          audience: 'portico-partner',
          header: { alg: 'HS256', typ: 'portico-partner+jwt' },
        }),
    ],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      t.sims.resetStats();
      const res = await t.gql(ME, { token: make() });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(res.body.data, undefined);
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    });
  }

  test('no token at all on a field that needs one', async () => {
    t.sims.resetStats();
    const res = await t.gql(ME);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
  });

  test('a genuine partner token re-signed with a crit header', async () => {
    const admin = rs256(claims({ 'https://example.test/roles': ['admin'] }));
    const minted = await t.gql('mutation { createPartnerToken(input: { name: "crit", scopes: ["crm.customers:list"] }) { token } }', {
      token: admin,
    });
    assert.equal(minted.body.errors, undefined, JSON.stringify(minted.body.errors));
    const genuine = minted.body.data.createPartnerToken.token as string;
    const query = '{ customers(first: 1) { totalCount } }';
    assert.equal((await t.gql(query, { token: genuine })).status, 200);
    const [h, p] = genuine
      .split('.')
      .slice(0, 2)
      .map((x) => JSON.parse(Buffer.from(x, 'base64url').toString()) as Record<string, unknown>);
    const crit = jwt.sign(p, 'portico-dev-only-partner-secret-0000000000', {
      algorithm: 'HS256',
      header: { ...h, alg: 'HS256', crit: ['urn:example:bound'], 'urn:example:bound': true } as jwt.JwtHeader,
    });
    t.sims.resetStats();
    const res = await t.gql(query, { token: crit });
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.match(res.body.errors?.[0]?.message ?? '', /"crit"/);
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
  });

  test('an Authorization header that is not Bearer', async () => {
    const res = await t.gql(ME, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

test('unknown kids re-fetch the JWKS at a limited rate', async () => {
  // A key rotated in at the identity provider is found by a re-fetch on its unknown kid.
  rotated = true;
  const before = jwksHits;
  const res = await t.gql(ME, { token: rs256(claims(), { kid: 'k2' }, other.privateKey) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.me.id, '1001');
  assert.equal(jwksHits - before, 1);
  // Kids the provider does not have: re-fetched, but at most 10 fetches a minute in all (the file's
  // earlier unknown kids and this one included), not one per token.
  for (let i = 0; i < 25; i++) {
    const refused = await t.gql(ME, { token: rs256(claims(), { kid: `rotated-${i}` }) });
    assert.equal(refused.status, 401);
  }
  assert.ok(jwksHits - before > 1, 'an unknown kid re-fetches the JWKS');
  assert.ok(jwksHits - before <= 10, `JWKS fetched ${jwksHits - before} times for 26 unknown kids`);
});

test('known keys keep working while the JWKS endpoint is down', async () => {
  await t.gql(ME, { token: rs256(claims()) });
  jwksDown = true;
  try {
    const res = await t.gql(ME, { token: rs256(claims()) });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.me.id, '1001');
  } finally {
    jwksDown = false;
  }
});
