/**
 * What every simulator shares: fault knobs (rate limit with Retry-After, failure rate, latency),
 * per-route counters, body limits, clean close, and deterministic seeded data.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { DEFAULT_SIM_CREDENTIALS, startSimulators, type SimSystem, type Simulators } from '../../../sim/index.js';
import { seed } from '../../../sim/seed.js';

let sims: Simulators;

/** One cheap read per system (S3's is anonymous: 403 unless a fault answers first). */
const probe: Record<SimSystem, () => Promise<Response>> = {
  hubspot: () => fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1001`, { headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` } }),
  stripe: () => fetch(`${sims.urls.stripe}/v1/customers/${sims.data.customers[0]!.stripeCustomerId}`, { headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` } }),
  zendesk: () => fetch(`${sims.urls.zendesk}/api/v2/users/${sims.data.customers[0]!.zendeskUserId}.json`, { headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}` } }),
  s3: () => fetch(`${sims.urls.s3}/${sims.credentials.s3Bucket}?list-type=2&prefix=customers/`),
};
const systems = Object.keys(probe) as SimSystem[];

before(async () => {
  sims = await startSimulators({ customers: 50 });
});
after(() => sims.close());

test('credentials and urls', () => {
  assert.deepEqual(sims.credentials, DEFAULT_SIM_CREDENTIALS);
  assert.match(sims.credentials.stripeSecretKey, /^sk_test_/);
  for (const s of systems) assert.match(sims.urls[s], /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('rateLimitPerSecond: 429 with Retry-After and the vendor body', async () => {
  const bodies: Record<SimSystem, (t: string) => void> = {
    hubspot: (t) => assert.equal(JSON.parse(t).errorType, 'RATE_LIMIT'),
    stripe: (t) => assert.equal(JSON.parse(t).error.code, 'rate_limit'),
    zendesk: (t) => assert.equal(JSON.parse(t).error, 'APIRateLimitExceeded'),
    s3: (t) => assert.match(t, /<Code>SlowDown<\/Code>/),
  };
  for (const s of systems) {
    sims.setFaults(s, { rateLimitPerSecond: 2, retryAfterSeconds: 3 });
    try {
      // Two pass, the third in the same second is limited (retry until the three fall in one second).
      for (let attempt = 0; ; attempt++) {
        const answers = await Promise.all(Array.from({ length: 7 }, () => fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/search`, { method: 'POST', headers: hs, body: '{"limit":1}' })));
    // Five searches a second: of seven sent at once, at most five (ten if a second turned over) pass.
    const refused = answers.filter((r) => r.status === 429);
    assert.ok(refused.length >= 1 || answers.length - refused.length <= 10);
    assert.ok(answers.length - refused.length >= 5);
    for (const r of refused) assert.equal(((await r.json()) as { policyName: string }).policyName, 'SECONDLY');
  } finally {
    await sims.close();
  }
});
