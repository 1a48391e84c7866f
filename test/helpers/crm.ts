/**
 * The CRM under test (PORTICO_TEST_CRM) as a person using it would: read a contact, edit one
 * directly in the CRM, and have that change reach the gateway the way the vendor reports it
 * (HubSpot: its signed webhook; Salesforce: the change poller, run here by the test).
 * Each speaks the vendor's own REST API on its simulator, with the simulator's credentials.
 */
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import type { Simulators } from '../../sim/index.js';
import type { App } from '../../src/app.js';
import { TEST_CRM } from './app.js';

export interface CrmFields {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
}

const SF_API = '/services/data/v62.0';

/** A token from the Salesforce simulator's OAuth endpoint (client credentials), as an org user's tool gets one. */
export async function salesforceToken(sims: Simulators): Promise<string> {
  const c = sims.credentials;
  const res = await fetch(`${sims.urls.salesforce}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.salesforceClientId,
      client_secret: c.salesforceClientSecret,
    }),
  });
  assert.equal(res.status, 200, 'the Salesforce simulator issued a token');
  return ((await res.json()) as { access_token: string }).access_token;
}

function salesforceId(sims: Simulators, crmId: string): string {
  const id = sims.salesforce.contactId(crmId);
  assert.ok(id, `customer ${crmId} has a Salesforce Contact`);
  return id;
}

/** Where the change feed keeps its position (src/webhooks/change-feed.ts), to start it afresh. */
export interface FeedPosition {
  redis: Redis;
  /** REDIS_KEY_PREFIX of the app under test. */
  prefix: string;
}

/**
 * Runs `change` on an org clock three minutes back (Get Updated reports whole minutes up to now),
 * with the poller's position dropped first so its next poll looks five minutes back over it: a
 * poller that already covered this minute would, rightly, never look before it again.
 */
async function inSalesforcePast(sims: Simulators, feed: FeedPosition, change: () => Promise<void>): Promise<void> {
  await feed.redis.del(`${feed.prefix}:crm:salesforce:cursor`);
  sims.salesforce.setNow(Date.now() - 3 * 60_000);
  try {
    await change();
  } finally {
    sims.salesforce.setNow(undefined);
  }
}

/** The contact as the CRM holds it now. */
export async function crmContact(sims: Simulators, crmId: string): Promise<CrmFields> {
  if (TEST_CRM === 'salesforce') {
    const res = await fetch(
      `${sims.urls.salesforce}${SF_API}/sobjects/Contact/${salesforceId(sims, crmId)}?fields=FirstName,LastName,Email,Phone,Account.Name`,
      { headers: { authorization: `Bearer ${await salesforceToken(sims)}` } },
    );
    assert.equal(res.status, 200);
    const c = (await res.json()) as Record<string, string | null> & { Account?: { Name: string | null } | null };
    return { firstName: c.FirstName, lastName: c.LastName, email: c.Email, phone: c.Phone, company: c.Account?.Name ?? null };
  }
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}?properties=firstname,lastname,email,phone,company`, {
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` },
  });
  assert.equal(res.status, 200);
  const p = ((await res.json()) as { properties: Record<string, string | null> }).properties;
  return { firstName: p.firstname, lastName: p.lastname, email: p.email, phone: p.phone, company: p.company };
}

/** The CRM's copy of the billing country (a replica of the billing system's address), as the CRM under test holds it. */
export async function crmBillingCountry(sims: Simulators, crmId: string): Promise<string | null> {
  if (TEST_CRM === 'salesforce') {
    const res = await fetch(
      `${sims.urls.salesforce}${SF_API}/sobjects/Contact/${salesforceId(sims, crmId)}?fields=Portico_Billing_Country__c`,
      { headers: { authorization: `Bearer ${await salesforceToken(sims)}` } },
    );
    assert.equal(res.status, 200);
    return ((await res.json()) as Record<string, string | null>).Portico_Billing_Country__c ?? null;
  }
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}?properties=portico_billing_country`, {
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` },
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { properties: Record<string, string | null> }).properties.portico_billing_country || null;
}

/** Sets the CRM's copy of the billing country directly in the CRM under test (drift: only replica jobs should write it). */
export async function setCrmBillingCountry(sims: Simulators, crmId: string, country: string): Promise<void> {
  const res =
    TEST_CRM === 'salesforce'
      ? await fetch(`${sims.urls.salesforce}${SF_API}/sobjects/Contact/${salesforceId(sims, crmId)}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${await salesforceToken(sims)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ Portico_Billing_Country__c: country }),
        })
      : await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ properties: { portico_billing_country: country } }),
        });
  assert.ok(res.status === 200 || res.status === 204, `CRM edit answered ${res.status}`);
}

/**
 * Edits a contact's email directly in the CRM (not through Portico), then lets the CRM report it:
 * HubSpot sends its webhook by itself; with Salesforce the edit is made on an org clock three
 * minutes back (Get Updated reports whole minutes up to now) and the gateway's poller runs once.
 */
export async function editEmailInCrm(sims: Simulators, app: App, feed: FeedPosition, crmId: string, email: string): Promise<void> {
  if (TEST_CRM === 'salesforce') {
    await inSalesforcePast(sims, feed, async () => {
      const res = await fetch(`${sims.urls.salesforce}${SF_API}/sobjects/Contact/${salesforceId(sims, crmId)}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await salesforceToken(sims)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Email: email }),
      });
      assert.equal(res.status, 204);
    });
    assert.ok(app.changeFeed, 'Salesforce changes are polled in this app');
    assert.ok((await app.changeFeed.pollOnce()) >= 1, 'the poll saw the edit');
    return;
  }
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { email } }),
  });
  assert.equal(res.status, 200);
}

/**
 * Runs `write` (a Portico write to the CRM) so that the CRM reports it back as a change (the
 * echo): HubSpot's webhook does that by itself; Salesforce's Get Updated reports it when the org's
 * clock is in the past during the write and the poller, started afresh, runs after it. Returns how many echoes the
 * CRM reported (webhook deliveries, or changes the poll saw).
 */
export async function writeAndEcho(
  sims: Simulators,
  app: App,
  feed: FeedPosition,
  write: () => Promise<void>,
  settled: () => Promise<void>,
): Promise<number> {
  if (TEST_CRM === 'salesforce') {
    await inSalesforcePast(sims, feed, write);
    await settled();
    assert.ok(app.changeFeed, 'Salesforce changes are polled in this app');
    const seen = await app.changeFeed.pollOnce();
    await settled();
    return seen;
  }
  await write();
  await settled();
  return sims.webhooks.deliveries().filter((d) => d.system === 'hubspot' && d.state === 'delivered').length;
}
