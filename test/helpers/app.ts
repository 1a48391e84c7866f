/**
 * Starts the real app (createApp) over real HTTP against freshly started simulators.
 * Every test file gets its own simulators and app, and must call `close()`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { signDevToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config/index.js';
import type { Role } from '../../src/auth/principal.js';
import type { Logger } from '../../src/platform/logger.js';
import { startSimulators, vendorEnv, type SimOptions, type Simulators } from '../../sim/index.js';

export interface TestApp {
  app: App;
  url: string;
  sims: Simulators;
  env: Record<string, string>;
  token(role: Role, sub?: string, ttlSeconds?: number): string;
  gql(
    query: string,
    opts?: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> },
  ): Promise<GqlResponse>;
  /**
   * Upstream calls per system since the last resetStats(); `crm` is the CRM under test (its API
   * calls: Salesforce's OAuth token requests are not counted, as they are not reads or writes).
   */
  calls(): UpstreamCalls;
  close(): Promise<void>;
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

export type UpstreamCalls = { crm: number; stripe: number; zendesk: number; s3: number };

/** Calls per system, the CRM under test as `crm`. */
export function upstreamCalls(sims: Pick<Simulators, 'stats'>): UpstreamCalls {
  const crm = sims.stats(TEST_CRM);
  return {
    crm: crm.total - (crm.byRoute['POST /services/oauth2/token'] ?? 0),
    stripe: sims.stats('stripe').total,
    zendesk: sims.stats('zendesk').total,
    s3: sims.stats('s3').total,
  };
}

/** The CRM vendor under test (PORTICO_TEST_CRM, default hubspot). */
export const TEST_CRM = (process.env.PORTICO_TEST_CRM ?? 'hubspot') as 'hubspot' | 'salesforce';

/** The CRM simulator's route of a contact write. */
const CONTACT_WRITE_ROUTE =
  TEST_CRM === 'salesforce' ? 'PATCH /services/data/v62.0/sobjects/Contact/{id}' : 'PATCH /crm/v3/objects/contacts/{id}';

/** Contact writes the CRM under test received. */
export const crmWrites = (sims: Pick<Simulators, 'stats'>) => sims.stats(TEST_CRM).byRoute[CONTACT_WRITE_ROUTE] ?? 0;

/** Environment that points the app at the simulators (as a user would point it at the vendors). */
export function simEnv(sims: Simulators): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...vendorEnv(sims),
    // Generous: a loaded 2-core CI machine can take seconds per call during a 300-call page.
    // Tests of deadlines set their own (e.g. 300 ms against a 1.5 s simulator latency).
    UPSTREAM_TIMEOUT_MS: '10000',
    UPSTREAM_RETRIES: '0',
    // No scheduled reconciliation in a test app unless a test asks for it (one at an hour boundary would add upstream calls).
    RECONCILE_SCHEDULE: 'off',
    // The CRM the suite runs against: `PORTICO_TEST_CRM=salesforce npm test` runs the same tests on Salesforce.
    CRM_VENDOR: TEST_CRM,
    // Each app its own audit spool: entries one test's app kept must not be replayed into another's log.
    AUDIT_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'portico-spool-')),
  };
}

export async function startTestApp(
  opts: {
    env?: Record<string, string>;
    sim?: SimOptions;
    sims?: Simulators;
    /** Where the app logs (to read its lines); LOG_LEVEL's logger otherwise. */ logger?: Logger;
    /** The sent emails the sandbox's outbox shows (an SMTP simulator's). */
    outbox?: AppOptions['outbox'];
  } = {},
): Promise<TestApp> {
  const sims = opts.sims ?? (await startSimulators(opts.sim));
  const env = { ...simEnv(sims), ...opts.env };
  const config = loadConfig(env);
  const app = await createApp({ config, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.outbox ? { outbox: opts.outbox } : {}) });
  const url = await app.listen();
  return {
    app,
    url,
    sims,
    env,
    token: (role, sub, ttlSeconds) => signDevToken(config, { role, sub: sub ?? `${role}-1`, ttlSeconds }),
    async gql(query, o = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
        body: JSON.stringify({ query, variables: o.variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] };
    },
    calls: () => upstreamCalls(sims),
    async close() {
      await app.close();
      if (!opts.sims) await sims.close();
    },
  };
}

export const DASHBOARD = /* GraphQL */ `
  query Dashboard {
    me {
      id
      name
      email
      phone
      company
      lifecycleStage
      billing {
        currency
        balance
        subscription {
          id
          status
          plan
          currentPeriodEnd
        }
        paymentMethods {
          brand
          last4
          expMonth
          expYear
        }
        invoices(first: 10) {
          totalCount
          nodes {
            id
            number
            status
            amountDue
            amountPaid
            currency
            dueDate
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
      tickets(first: 10) {
        nodes {
          id
          subject
          status
          priority
          createdAt
          updatedAt
          comments {
            id
            body
            author
            createdAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
      documents(first: 10) {
        nodes {
          id
          name
          size
          contentType
          uploadedAt
          downloadUrl
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

export const CUSTOMER_FIELDS = /* GraphQL */ `
  id name email phone company lifecycleStage
  billing {
    currency balance
    subscription { id status plan currentPeriodEnd }
    paymentMethods { brand last4 expMonth expYear }
    invoices(first: 10) { totalCount nodes { id number status amountDue amountPaid currency dueDate } pageInfo { hasNextPage endCursor } }
  }
  tickets(first: 10) { nodes { id subject status priority createdAt updatedAt comments { id body author createdAt } } pageInfo { hasNextPage endCursor } }
  documents(first: 10) { nodes { id name size contentType uploadedAt downloadUrl } pageInfo { hasNextPage endCursor } }
`;
