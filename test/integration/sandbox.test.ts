/**
 * The sandbox in a real headless Chromium (Debian's, driven by playwright-core): pick the
 * customer persona, run the dashboard tab, see the result; no request leaves the gateway's origin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SANDBOX_CSP } from '../../src/http/sandbox.js';
import { startSmtpSimulator, type SmtpSimulator } from '../../sim/smtp/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, WEBHOOK_ENV } from '../helpers/webhooks.js';
import { repoUrl } from '../helpers/paths.js';
import { launchChromium } from '../helpers/browser.js';

const ARTIFACTS = repoUrl('test/artifacts/');

let t: TestApp;
let redis: TestRedis;
let smtp: SmtpSimulator;
let browser: Browser;
before(async () => {
  // Always from the current source, as `npm start` and `npm run build` do.
  execFileSync(process.execPath, ['--import', 'tsx', 'sandbox/build.ts'], { stdio: 'inherit' });
  // The tests point the app at simulators as at real vendors, so persona tokens must be asked for.
  // Redis and the simulators' signed webhooks: the subscription tab's pushes come from them.
  redis = await startRedis();
  // Customer email to an SMTP simulator, whose sent emails the sandbox's outbox shows (as `npm start` wires it).
  smtp = await startSmtpSimulator();
  t = await startTestApp({
    env: { SANDBOX_TOKENS: 'true', REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'sbx', SMTP_URL: smtp.url, ...WEBHOOK_ENV },
    outbox: () => smtp.outbox(),
  });
  t.sims.webhooks.configure({
    stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] },
    hubspot: { url: `${t.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot },
    zendesk: { url: `${t.url}/webhooks/zendesk`, secret: SECRETS.zendesk },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.close();
  await smtp?.close();
  await redis?.stop();
});

test('pick the customer persona, run the dashboard, see the result; nothing loaded from elsewhere', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(t.url).origin;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const failed: string[] = [];
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

  const res = await page.goto(`${t.url}/sandbox`);
  assert.equal(res?.status(), 200);
  assert.equal(res?.headers()['content-security-policy'], SANDBOX_CSP);

  await page.getByTestId('persona').selectOption('customer');
  await page.getByTestId('customer').fill('1001');
  await page.getByTestId('use-persona').click();
  await page.getByTestId('status').filter({ hasText: 'Signed in as customer 1001' }).waitFor();

  // The first tab is clients/operations/dashboard.graphql.
  await page.locator('.graphiql-query-editor').getByText('query Dashboard').first().waitFor();
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response');
  await result.getByText('"Ada Lovelace"').waitFor({ timeout: 15_000 });
  const text = await result.innerText();
  assert.match(text, /"email": "ada@example.com"/);
  assert.match(text, /"totalCount": 12/);
  assert.doesNotMatch(text, /"errors"/);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('sandbox.png', ARTIFACTS).pathname, fullPage: true });

  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], `requests outside ${origin}`);
  assert.ok(requests.some((u) => u === `${origin}/graphql`));
  assert.deepEqual(
    consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e)),
    [],
  );
  // Not even the favicon is missing.
  assert.deepEqual(failed, []);
  assert.ok(requests.includes(`${origin}/sandbox/favicon.svg`));
  await page.close();
});

test('a staff persona starts on the customer search, which runs without errors', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${t.url}/sandbox`);
    await page.getByTestId('persona').selectOption('agent');
    await page.getByTestId('use-persona').click();
    await page.getByTestId('status').filter({ hasText: 'Signed in as agent' }).waitFor();
    await page.locator('.graphiql-query-editor').getByText('query CustomerSearch').first().waitFor();
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await result.getByText('"totalCount"').waitFor({ timeout: 15_000 });
    const text = await result.innerText();
    assert.match(text, /"name": "Ada Lovelace"/);
    assert.doesNotMatch(text, /"errors"/);
  } finally {
    await page.close();
  }
});

test('the subscription tab: a customer subscribes, and a push arrives when the simulator pays an invoice', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${t.url}/sandbox`);
    await page.getByTestId('persona').selectOption('customer');
    await page.getByTestId('customer').fill('1001');
    await page.getByTestId('use-persona').click();
    await page.getByTestId('status').filter({ hasText: 'Signed in as customer 1001' }).waitFor();
    await page.locator('.graphiql-tab').filter({ hasText: 'Live' }).click();
    await page.locator('.graphiql-query-editor').getByText('subscription Live').first().waitFor();
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await result.getByText('"subscribed"').waitFor({ timeout: 30_000 });
    const ada = t.sims.data.customers.find((c) => c.crmId === '1001')!;
    const open = ada.invoices.find((i) => i.status === 'open')!;
    const paid = await fetch(`${t.sims.urls.stripe}/v1/invoices/${open.id}/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.sims.credentials.stripeSecretKey}` },
    });
    assert.equal(paid.status, 200);
    // The payment's push (an automation's CRM write for the payment may follow as a later push).
    await result.getByText(/"(invoice\.paid|contact\.propertyChange)"/).waitFor({ timeout: 30_000 });
    const text = await result.innerText();
    assert.match(text, /"system": "(stripe|hubspot)"/);
    assert.match(text, /"id": "1001"/);
    assert.doesNotMatch(text, /"errors"/);
  } finally {
    await page.close();
  }
});

test('the outbox shows the emails the SMTP simulator received, newest first, with subject, recipient and text', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(t.url).origin;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${t.url}/sandbox`);
  await page.getByTestId('status').filter({ hasText: 'Signed in as' }).waitFor();
  await page.getByTestId('outbox-toggle').click();
  const outbox = page.getByTestId('outbox');
  await outbox.getByText(`${smtp.outbox().length} sent (SMTP simulator)`).waitFor();
  const before = await page.getByTestId('outbox-item').count();

  // A customer message through the notification port, as an automation step sends it: over SMTP to the simulator.
  const sent = await t.app.notifications.notifyCustomer({
    key: 'sandbox-outbox-1',
    crmId: '1001',
    template: 'ticket-solved',
    data: { ticketId: '4242' },
  });
  assert.equal(sent.channels.email, 'sent');
  await page.getByTestId('outbox-refresh').click();
  await page.getByTestId('outbox-item').nth(before).waitFor();
  const newest = page.getByTestId('outbox-item').first();
  assert.match(await newest.locator('summary').innerText(), /Your request 4242 is solved to ada@example\.com/);
  const text = await newest.locator('pre').innerText();
  assert.match(text, /Hello Ada Lovelace,/);
  assert.match(text, /Your request 4242 has been marked as solved/);
  assert.ok(requests.includes(`${origin}/sandbox/outbox.json`));
  assert.deepEqual(
    requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')),
    [],
  );
  await page.close();
});

test('the page holds no secret: its assets contain neither signing keys nor upstream credentials', async () => {
  const js = await (await fetch(`${t.url}/sandbox/sandbox.js`)).text();
  const config = await (await fetch(`${t.url}/sandbox/config.json`)).text();
  for (const secret of [
    t.app.config.auth.secret!,
    t.app.config.auth.partnerSecret,
    ...Object.values(t.sims.credentials).filter((v) => v.length > 8),
  ]) {
    assert.ok(!js.includes(secret) && !config.includes(secret), 'a secret reached the browser');
  }
});

test('a browser opening /graphql in development lands on the sandbox', async () => {
  const res = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/sandbox');
});

test('production: the sandbox is off by default; when enabled it has no persona tokens', async () => {
  const prodEnv = {
    NODE_ENV: 'production',
    AUTH_ISSUER: 'https://idp.example.test/',
    AUTH_JWT_SECRET: 'p'.repeat(40),
    PARTNER_TOKEN_SECRET: 'q'.repeat(40),
    SUBGRAPH_SIGNING_SECRET: 'r'.repeat(40),
    STRIPE_WEBHOOK_SECRETS: `whsec_${'s'.repeat(32)}`,
    HUBSPOT_CLIENT_SECRET: 'h'.repeat(36),
    ZENDESK_WEBHOOK_SECRET: 'z'.repeat(44),
    AUDIT_HMAC_KEY: 'a'.repeat(64),
    NOTIFY_SECRET_KEY: 'b'.repeat(64),
    PUBLIC_BASE_URL: 'https://api.example.test',
  };
  // Production also requires Redis; a real one is not needed to check routes, so point at a closed port.
  const off = await startTestApp({ sims: t.sims, env: { ...prodEnv, REDIS_URL: 'redis://127.0.0.1:1' } });
  const on = await startTestApp({ sims: t.sims, env: { ...prodEnv, REDIS_URL: 'redis://127.0.0.1:1', SANDBOX: 'true' } });
  try {
    assert.equal((await fetch(`${off.url}/sandbox`)).status, 404);
    const page = await fetch(`${on.url}/sandbox`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-security-policy'), SANDBOX_CSP);
    assert.equal(((await (await fetch(`${on.url}/sandbox/config.json`)).json()) as { personas: boolean }).personas, false);
    // No outbox: production has no SMTP simulator to read.
    assert.equal(((await (await fetch(`${on.url}/sandbox/config.json`)).json()) as { outbox: boolean }).outbox, false);
    assert.equal((await fetch(`${on.url}/sandbox/outbox.json`)).status, 404);
    const token = await fetch(`${on.url}/sandbox/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"persona":"admin"}',
    });
    assert.equal(token.status, 404);
  } finally {
    await off.close();
    await on.close();
  }
});
