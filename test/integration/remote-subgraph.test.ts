/**
 * A subgraph run as its own service: the gateway points at its URL (configuration only) and
 * forwards the caller's claims in a signed header; the subgraph refuses unsigned or forged claims.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildSubgraphs, createSharedState, createUpstreams } from '../../src/app.js';
import { signClaims, CLAIMS_HEADER, redisClaimsNonces } from '../../src/auth/claims.js';
import { userPrincipal } from '../../src/auth/principal.js';
import { loadConfig } from '../../src/config/index.js';
import { createSubgraphServer } from '../../src/http/subgraph-server.js';
import { mintPartnerToken } from '../../src/auth/partners.js';
import { createTokenVerifier } from '../../src/auth/tokens.js';
import { createLogger } from '../../src/platform/logger.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { simEnv, startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis } from '../helpers/redis.js';

const SECRET = 's'.repeat(40);
let sims: Simulators;
let billing: Awaited<ReturnType<typeof createSubgraphServer>>;
let billingUrl: string;
let t: TestApp;

before(async () => {
  sims = await startSimulators({ customers: 20 });
  const config = loadConfig({ ...simEnv(sims), SUBGRAPH_SIGNING_SECRET: SECRET, CACHE_ENABLED: 'false' });
  const logger = createLogger({ level: 'silent' });
  const { schemas } = buildSubgraphs(createUpstreams(config, logger), config, createSharedState(config, logger), ['billing']);
  billing = await createSubgraphServer({ schema: schemas.billing!, signingSecret: SECRET, logger });
  billingUrl = `${await billing.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
  t = await startTestApp({ sims, env: { SUBGRAPH_URL_BILLING: billingUrl, SUBGRAPH_SIGNING_SECRET: SECRET } });
});
after(async () => {
  await t.close();
  await billing.close();
  await sims.close();
});

test('the gateway serves billing from the remote subgraph with the same answers and rules', async () => {
  const res = await t.gql(`{ me { name billing { currency balance invoices(first: 2) { totalCount } } } }`, {
    token: t.token('customer', '1001'),
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.deepEqual(res.body.data.me, { name: 'Ada Lovelace', billing: { currency: 'GBP', balance: -2500, invoices: { totalCount: 12 } } });
  // Policies still hold inside the remote subgraph: an agent gets no payment methods.
  const agent = await t.gql(`{ customer(id: "1002") { billing { paymentMethods { last4 } } } }`, { token: t.token('agent') });
  assert.equal(agent.body.data.customer.billing.paymentMethods, null);
  assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
});

test('the subgraph refuses calls without claims, with forged claims, signed with another secret, or bound to another request', async () => {
  const query = '{ _entities(representations: [{ __typename: "Customer", id: "1002" }]) { ... on Customer { billing { balance } } } }';
  const call = (headers: Record<string, string>, q = query) =>
    fetch(billingUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1', ...headers },
      body: JSON.stringify({ query: q }),
    });
  const admin = userPrincipal('mallory', ['admin']);
  const binding = { requestId: 'r-1', request: { query } };
  const signed = signClaims(admin, SECRET, binding);
  const [payload, sig] = signed.split('.') as [string, string];
  const forged = `${Buffer.from(Buffer.from(payload, 'base64url').toString().replace('mallory', 'mallory2')).toString('base64url')}.${sig}`;
  sims.resetStats();
  const attempts: [Record<string, string>, string?][] = [
    [{}],
    [{ [CLAIMS_HEADER]: forged }],
    [{ [CLAIMS_HEADER]: signClaims(admin, 'x'.repeat(40), binding) }],
    [{ authorization: `Bearer ${t.token('admin')}` }],
    // A captured header replayed with another request id, or over another body (another customer).
    [{ [CLAIMS_HEADER]: signed, 'x-request-id': 'r-2' }],
    [{ [CLAIMS_HEADER]: signed }, query.replace('1002', '1003')],
  ];
  for (const [headers, q] of attempts) {
    const res = await call(headers, q);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).errors[0].extensions.code, 'UNAUTHENTICATED');
  }
  assert.equal(sims.stats('stripe').total, 0);
  // A correctly signed and bound call works (this is what the gateway sends).
  const ok = await call({ [CLAIMS_HEADER]: signed });
  assert.equal(ok.status, 200);
  const stripeCalls = sims.stats('stripe').total;
  assert.ok(stripeCalls > 0);
  // Once: the same header replayed with the same request id and body is refused, and nothing runs.
  const replayed = await call({ [CLAIMS_HEADER]: signed });
  assert.equal(replayed.status, 401);
  const body = (await replayed.json()) as any;
  assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.match(body.errors[0].message, /already used/);
  assert.equal(sims.stats('stripe').total, stripeCalls);
});

test("a router in front forwards the caller's own token: verified as the gateway does, same policies, ownership, allow-lists and document limits", async () => {
  const config = loadConfig({ ...simEnv(sims), SUBGRAPH_SIGNING_SECRET: SECRET, CACHE_ENABLED: 'false' });
  const logger = createLogger({ level: 'silent' });
  const shared = createSharedState(config, logger);
  const { schemas } = buildSubgraphs(createUpstreams(config, logger), config, shared, ['billing']);
  const routed = await createSubgraphServer({
    schema: schemas.billing!,
    signingSecret: SECRET,
    logger,
    verifier: createTokenVerifier({ auth: config.auth, partners: shared.partners, logger }),
    limits: config.guards.limits,
  });
  const { token: partner } = await mintPartnerToken(shared.partners, config.auth.partnerSecret, {
    name: 'Router partner',
    scopes: ['billing.summary:read'],
    customerIds: ['1003'],
    ttlDays: 1,
  });
  try {
    const url = `${await routed.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
    const balanceOf = (id: string) =>
      `{ _entities(representations: [{ __typename: "Customer", id: "${id}" }]) { ... on Customer { billing { balance } } } }`;
    const call = async (headers: Record<string, string>, query: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    // A customer: its own record, not another's (a forged representation is refused in the resolver).
    const own = await call(bearer(t.token('customer', '1001')), balanceOf('1001'));
    assert.equal(own.status, 200);
    assert.equal(own.body.errors, undefined, JSON.stringify(own.body.errors));
    assert.equal(own.body.data._entities[0].billing.balance, -2500);
    // No inline trace (resolver timings) for a caller that asks for one, as a router would.
    const traced = await call({ ...bearer(t.token('customer', '1001')), 'apollo-federation-include-trace': 'ftv1' }, balanceOf('1001'));
    assert.equal(traced.body.data._entities[0].billing.balance, -2500);
    assert.equal(traced.body.extensions?.ftv1, undefined, 'an inline trace was sent');
    sims.resetStats();
    const other = await call(bearer(t.token('customer', '1001')), balanceOf('1002'));
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(other.body));
    assert.equal(sims.stats('stripe').total, 0);
    // An agent: no payment methods (the field policy).
    const agent = await call(
      bearer(t.token('agent')),
      '{ _entities(representations: [{ __typename: "Customer", id: "1002" }]) { ... on Customer { billing { paymentMethods { last4 } } } } }',
    );
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // A partner: inside its allow-list only.
    const inside = await call(bearer(partner), balanceOf('1003'));
    assert.equal(inside.body.errors, undefined, JSON.stringify(inside.body.errors));
    assert.equal(typeof inside.body.data._entities[0].billing.balance, 'number');
    const outside = await call(bearer(partner), balanceOf('1004'));
    assert.equal(outside.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(outside.body));
    // Document limits for the caller's kind (here: aliases).
    const aliases = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const tooMany = await call(bearer(t.token('customer', '1001')), aliases);
    assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(tooMany.body));
    // Bad or missing credentials: 401, nothing run.
    sims.resetStats();
    for (const headers of [{}, bearer('not-a-token'), bearer(`${t.token('customer', '1001')}x`)]) {
      const res = await call(headers, balanceOf('1001'));
      assert.equal(res.status, 401);
      assert.equal(res.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    }
    assert.match((await call({}, balanceOf('1001'))).body.errors[0].message, /Authorization: Bearer/);
    assert.equal(sims.stats('stripe').total, 0);
  } finally {
    await routed.close();
    await shared.close();
  }
});

test('replicas of a subgraph sharing Redis refuse a claims header already used at another replica', async () => {
  const redis = await startRedis();
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  const config = loadConfig({ ...simEnv(sims), SUBGRAPH_SIGNING_SECRET: SECRET, CACHE_ENABLED: 'false' });
  const logger = createLogger({ level: 'silent' });
  const { schemas } = buildSubgraphs(createUpstreams(config, logger), config, createSharedState(config, logger), ['billing']);
  const replicas = await Promise.all(
    [0, 1].map(() =>
      createSubgraphServer({ schema: schemas.billing!, signingSecret: SECRET, logger, nonces: redisClaimsNonces(client, 'test') }),
    ),
  );
  try {
    const urls = await Promise.all(replicas.map(async (r) => `${await r.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`));
    const query = '{ _entities(representations: [{ __typename: "Customer", id: "1002" }]) { ... on Customer { billing { balance } } } }';
    const header = signClaims(userPrincipal('agent-1', ['agent']), SECRET, { requestId: 'r-9', request: { query } });
    const call = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'r-9', [CLAIMS_HEADER]: header },
        body: JSON.stringify({ query }),
      });
    assert.equal((await call(urls[0])).status, 200);
    assert.equal((await call(urls[1])).status, 401);
    // Every signing makes a fresh nonce: the gateway's next call for the same request passes.
    const again = signClaims(userPrincipal('agent-1', ['agent']), SECRET, { requestId: 'r-9', request: { query } });
    assert.notEqual(again, header);
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
    client.disconnect();
    await redis.stop();
  }
});

test("docs/architecture.md's `npm run subgraph -- billing --port N` works on its own in development", async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/subgraph.ts', 'billing', '--port', '0'], {
    env: { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SIMULATORS: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+\/graphql) \(against the bundled simulators\)/.exec(output);
        if (m) resolve(m[1]);
      });
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      void exited.then((code) => reject(new Error(`the subgraph exited (${code}):\n${output}`)));
    });
    assert.match(output, new RegExp(`SUBGRAPH_URL_BILLING=${url} npm start`));
    // A gateway with the development signing secret (the default of both) uses it.
    const gw = await startTestApp({ sims, env: { SUBGRAPH_URL_BILLING: url } });
    try {
      const res = await gw.gql(`{ me { billing { currency balance } } }`, { token: gw.token('customer', '1001') });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.deepEqual(res.body.data.me.billing, { currency: 'GBP', balance: -2500 });
    } finally {
      await gw.close();
    }
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
