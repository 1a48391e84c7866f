/**
 * Hive Gateway in front of the four subgraph services, beside Portico's own gateway over the same
 * four services: the same answers and the same authorization through both.
 *
 * Hive Gateway runs as a child process of the installed binary (`hive-gateway supergraph … -c
 * deploy/hive-gateway/gateway.config.ts`), the way an operator runs it: this loads the shipped
 * config file through Hive's own config loader and serves the supergraph `npm run compose --
 * --router` wrote, so a config that does not load or a supergraph Hive refuses fails here.
 * The subgraph services run in this process through `createSubgraphService`, the wiring `npm run
 * subgraph` uses (a child process each would cost four more tsx start-ups on a 2-core machine
 * and test nothing more: `remote-subgraph.test.ts` runs the script itself). One Redis is shared by
 * all of them (partner store, budgets, links), as in production.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, type SubgraphName } from '../../src/config/index.js';
import { SUBGRAPH_NAMES } from '../../src/gateway/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { createSubgraphService, type SubgraphService } from '../../src/subgraph-service.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { DASHBOARD, simEnv, startTestApp, upstreamCalls, type GqlResponse, type TestApp } from '../helpers/app.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';

const SECRET = 'r'.repeat(40);
let redis: TestRedis;
let sims: Simulators;
const services: SubgraphService[] = [];
let portico: TestApp;
let hive: ChildProcess | undefined;
let hiveUrl: string;
let hiveOutput = '';

/** Runs a child process to its end; rejects with its output when it exits non-zero. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

before(async () => {
  redis = await startRedis();
  sims = await startSimulators({ customers: 20 });
  const env = { ...simEnv(sims), REDIS_URL: redis.url, SUBGRAPH_SIGNING_SECRET: SECRET };
  const config = loadConfig(env);
  const urls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    const service = await createSubgraphService({ config, logger: createLogger({ level: 'silent' }), name });
    services.push(service);
    urls[name] = `${await service.server.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
  }
  const urlEnv = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`SUBGRAPH_URL_${n.toUpperCase()}`, urls[n]]));
  portico = await startTestApp({ sims, env: { REDIS_URL: redis.url, SUBGRAPH_SIGNING_SECRET: SECRET, ...urlEnv } });

  // What an operator runs: compose for the router, then the hive-gateway binary with our config.
  const supergraph = join(mkdtempSync(join(tmpdir(), 'portico-hive-')), 'supergraph.graphql');
  const composed = await run(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', '--router', '--out', supergraph], {
    ...process.env,
    ...env,
    ...urlEnv,
  });
  assert.match(composed, /Composed crm, billing, files, support at their SUBGRAPH_URL_\*/);
  const port = await freePort();
  hiveUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    'node_modules/.bin/hive-gateway',
    ['supergraph', supergraph, '-c', 'deploy/hive-gateway/gateway.config.ts', '--host', '127.0.0.1', '--port', String(port)],
    // No Hive Cloud or GraphOS settings reach it: nothing leaves loopback.
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  hive = child;
  child.stdout.on('data', (c: Buffer) => (hiveOutput += c.toString()));
  child.stderr.on('data', (c: Buffer) => (hiveOutput += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  // Ready when its readiness endpoint answers 200 (the supergraph loaded); bounded by attempts.
  for (let attempt = 0; ; attempt++) {
    if (exited) throw new Error(`hive-gateway exited:\n${hiveOutput}`);
    if (attempt === 600) throw new Error(`hive-gateway never became ready:\n${hiveOutput}`);
    const ready = await fetch(`${hiveUrl}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (hive && hive.exitCode === null) {
    const child = hive;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    // A gateway that does not stop on SIGTERM must not hold the test run: kill it after 10 s.
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(force);
  }
  await portico?.close();
  for (const s of services.reverse()) await s.close();
  await sims?.close();
  await redis?.stop();
});

type Via = 'portico' | 'hive';
const VIAS: readonly Via[] = ['portico', 'hive'];

async function gql(via: Via, query: string, token?: string, variables?: Record<string, unknown>): Promise<GqlResponse> {
  const url = via === 'portico' ? `${portico.url}/graphql` : `${hiveUrl}/graphql`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] };
}

/** Every vendor call the simulators received since the last reset. */
const vendorCalls = () => Object.values(upstreamCalls(sims)).reduce((a, b) => a + b, 0);

/** Errors as [path, code] pairs, in a stable order. */
const codes = (res: GqlResponse) => (res.body.errors ?? []).map((e) => [e.path?.join('.') ?? '', e.extensions?.code]).sort();

/** A presigned download URL carries its signing time: compare what it points at. */
const withoutSignatures = (data: unknown): unknown =>
  JSON.parse(JSON.stringify(data), (key, value: unknown) =>
    key === 'downloadUrl' && typeof value === 'string' ? value.split('?')[0] : value,
  );

test("a customer's dashboard: the same data through Hive Gateway as through Portico", async () => {
  const token = portico.token('customer', '1001');
  const [direct, routed] = [await gql('portico', DASHBOARD, token), await gql('hive', DASHBOARD, token)];
  assert.equal(direct.body.errors, undefined, JSON.stringify(direct.body.errors));
  assert.equal(routed.body.errors, undefined, JSON.stringify(routed.body.errors));
  assert.equal(routed.body.data.me.name, 'Ada Lovelace');
  assert.equal(routed.body.data.me.billing.invoices.totalCount, 12);
  assert.ok(routed.body.data.me.tickets.nodes.length > 0);
  assert.ok(routed.body.data.me.documents.nodes.length > 0);
  assert.deepEqual(withoutSignatures(routed.body.data), withoutSignatures(direct.body.data));
});

test("BOLA: another customer's id is FORBIDDEN with no data and no vendor call, through both", async () => {
  const token = portico.token('customer', '1001');
  for (const via of VIAS) {
    sims.resetStats();
    const res = await gql(via, '{ customer(id: "1002") { name email billing { balance } tickets(first: 2) { nodes { id } } } }', token);
    assert.equal(res.body.data?.customer ?? null, null, `${via}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(codes(res), [['customer', 'FORBIDDEN']], via);
    assert.equal(vendorCalls(), 0, `${via} called a vendor for a foreign customer`);
  }
});

test('an agent: the customer and its billing summary, no payment methods (field policy), the same through both', async () => {
  const query = '{ customer(id: "1002") { name billing { currency paymentMethods { last4 } } } }';
  const [direct, routed] = [await gql('portico', query, portico.token('agent')), await gql('hive', query, portico.token('agent'))];
  for (const res of [direct, routed]) {
    assert.equal(typeof res.body.data.customer.name, 'string', JSON.stringify(res.body));
    assert.equal(typeof res.body.data.customer.billing.currency, 'string');
    assert.equal(res.body.data.customer.billing.paymentMethods, null);
    assert.deepEqual(codes(res), [['customer.billing.paymentMethods', 'FORBIDDEN']]);
  }
  assert.deepEqual(routed.body.data, direct.body.data);
});

test('a partner: inside its allow-list served, outside FORBIDDEN with no vendor call, revoked refused, through both', async () => {
  const minted = await gql(
    'portico',
    'mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token partnerToken { id } } }',
    portico.token('admin'),
    { i: { name: 'router partner', scopes: ['crm.contacts:read', 'billing.summary:read'], customerIds: ['1003'], ttlDays: 1 } },
  );
  assert.equal(minted.body.errors, undefined, JSON.stringify(minted.body.errors));
  const { token, partnerToken } = minted.body.data.createPartnerToken;
  const query = (id: string) => `{ customer(id: "${id}") { id name billing { currency } } }`;
  const inside = { portico: await gql('portico', query('1003'), token), hive: await gql('hive', query('1003'), token) };
  for (const via of VIAS) {
    assert.equal(inside[via].body.errors, undefined, `${via}: ${JSON.stringify(inside[via].body.errors)}`);
    assert.equal(inside[via].body.data.customer.id, '1003');
  }
  assert.deepEqual(inside.hive.body.data, inside.portico.body.data);
  for (const via of VIAS) {
    sims.resetStats();
    const outside = await gql(via, query('1002'), token);
    assert.equal(outside.body.data?.customer ?? null, null, `${via}: ${JSON.stringify(outside.body)}`);
    assert.deepEqual(codes(outside), [['customer', 'FORBIDDEN']], via);
    assert.equal(vendorCalls(), 0, via);
  }
  // Revoked at Portico: the subgraphs read the same partner store, so Hive's callers are refused too.
  const revoked = await gql('portico', 'mutation($id: ID!) { revokePartnerToken(id: $id) { revokedAt } }', portico.token('admin'), {
    id: partnerToken.id,
  });
  assert.equal(revoked.body.errors, undefined, JSON.stringify(revoked.body.errors));
  for (const via of VIAS) {
    sims.resetStats();
    const res = await gql(via, query('1003'), token);
    assert.equal(res.body.data?.customer ?? null, null, `${via}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${via}: ${JSON.stringify(res.body)}`);
    assert.equal(vendorCalls(), 0, via);
  }
});

/** Field groups of a customer (as in authorization.test.ts), each read for customer `$id`. */
const GROUPS = {
  contact: { q: 'customer(id: $id) { name email phone }', scope: 'crm.contacts:read' },
  billingSummary: { q: 'customer(id: $id) { billing { currency balance subscription { status } } }', scope: 'billing.summary:read' },
  invoices: { q: 'customer(id: $id) { billing { invoices(first: 3) { totalCount } } }', scope: 'billing.invoices:read' },
  paymentMethods: { q: 'customer(id: $id) { billing { paymentMethods { last4 } } }', scope: 'billing.payment_methods:read' },
  tickets: { q: 'customer(id: $id) { tickets(first: 3) { nodes { id } } }', scope: 'support.tickets:read' },
  documents: { q: 'customer(id: $id) { documents(first: 3) { nodes { id name } } }', scope: 'files.documents:read' },
  customerList: { q: 'customers(first: 2) { totalCount }', scope: 'crm.customers:list' },
} as const;
type Group = keyof typeof GROUPS;
const ALL_GROUPS = Object.keys(GROUPS) as Group[];
const only = (open: readonly Group[]) => Object.fromEntries(ALL_GROUPS.map((g) => [g, open.includes(g) ? 'data' : 'FORBIDDEN']));

test('the authorization matrix: every field group as every kind of caller, the same outcome and data through both', async () => {
  const partners = await Promise.all(
    ALL_GROUPS.map(async (group) => {
      const res = await gql(
        'portico',
        'mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token } }',
        portico.token('admin'),
        {
          i: { name: `matrix ${group}`, scopes: [GROUPS[group].scope], ttlDays: 1 },
        },
      );
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      return {
        who: `partner [${GROUPS[group].scope}]`,
        token: res.body.data.createPartnerToken.token as string,
        id: '1002',
        expected: only([group]),
      };
    }),
  );
  const callers = [
    {
      who: 'customer, own id',
      token: portico.token('customer', '1001'),
      id: '1001',
      expected: only(ALL_GROUPS.filter((g) => g !== 'customerList')),
    },
    { who: 'customer, foreign id', token: portico.token('customer', '1001'), id: '1002', expected: only([]) },
    { who: 'agent', token: portico.token('agent'), id: '1002', expected: only(ALL_GROUPS.filter((g) => g !== 'paymentMethods')) },
    { who: 'admin', token: portico.token('admin'), id: '1002', expected: only(ALL_GROUPS) },
    ...partners,
  ];
  let cells = 0;
  for (const c of callers)
    for (const group of ALL_GROUPS) {
      const query = group === 'customerList' ? `{ ${GROUPS[group].q} }` : `query($id: ID!) { ${GROUPS[group].q} }`;
      const variables = group === 'customerList' ? {} : { id: c.id };
      const [direct, routed] = [await gql('portico', query, c.token, variables), await gql('hive', query, c.token, variables)];
      const outcome = (res: GqlResponse) => {
        const codesSeen = codes(res).map(([, code]) => code);
        return codesSeen.length === 0 ? 'data' : [...new Set(codesSeen)].join(',');
      };
      const cell = `${c.who} / ${group}`;
      assert.equal(outcome(direct), c.expected[group], `${cell} via portico: ${JSON.stringify(direct.body)}`);
      assert.equal(outcome(routed), c.expected[group], `${cell} via hive: ${JSON.stringify(routed.body)}`);
      assert.deepEqual(withoutSignatures(routed.body.data), withoutSignatures(direct.body.data), cell);
      cells++;
    }
  assert.equal(cells, callers.length * ALL_GROUPS.length);
});

test('a missing or forged token is refused through both, with no vendor call', async () => {
  const good = portico.token('customer', '1001');
  const [h, p] = good.split('.') as [string, string, string];
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: '1002', customer_id: '1002' }),
  ).toString('base64url');
  const cases: [string, string | undefined][] = [
    ['missing', undefined],
    ['not a token', 'not-a-token'],
    ['forged claims', `${h}.${forgedPayload}.${good.split('.')[2]}`],
    ['bad signature', `${good.slice(0, -4)}AAAA`],
  ];
  for (const [what, token] of cases)
    for (const via of VIAS) {
      sims.resetStats();
      const res = await gql(via, '{ me { name billing { balance } } }', token);
      assert.equal(res.body.data?.me ?? null, null, `${what} via ${via}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${what} via ${via}: ${JSON.stringify(res.body)}`);
      assert.equal(vendorCalls(), 0, `${what} via ${via}`);
    }
});
