/**
 * The sandbox: a self-hosted GraphiQL at /sandbox (bundled by `npm run build:sandbox`, nothing
 * from a CDN) under a strict Content-Security-Policy. In development a persona picker gets dev
 * tokens from POST /sandbox/token; the page never sees a signing key or an upstream secret.
 * In production the sandbox is off unless SANDBOX=true, and then has no persona picker: every
 * call, introspection included, needs a real token.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mintPartnerToken, type PartnerStore } from '../auth/partners.js';
import { PARTNER_SCOPES } from '../auth/principal.js';
import { signDevToken } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { shippedPath } from '../platform/shipped.js';
import { replyError } from '../errors/http.js';

export const SANDBOX_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set style attributes at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A small arch (a portico), so the browser's tab has an icon and asks for no /favicon.ico. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f3a5f"/><path d="M6 26V13h20v13h-4v-9h-4v9h-4v-9h-4v9z M5 11l11-6 11 6z" fill="#fff"/></svg>`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico sandbox</title>
<link rel="icon" type="image/svg+xml" href="/sandbox/favicon.svg">
<link rel="stylesheet" href="/sandbox/sandbox.css">
</head>
<body>
<div id="root"></div>
<script type="module" src="/sandbox/sandbox.js"></script>
</body>
</html>`;

function operations(): { name: string; query: string }[] {
  const dir = shippedPath('clients/operations');
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'dashboard.graphql' ? -1 : b === 'dashboard.graphql' ? 1 : a.localeCompare(b)))
    .map((f) => ({ name: f.replace(/\.graphql$/, ''), query: readFileSync(`${dir}/${f}`, 'utf8') }));
}

/** An email the development SMTP simulator accepted, as the sandbox's outbox shows it. */
export interface OutboxMail {
  at: string;
  from: string | null;
  to: readonly string[];
  subject: string | null;
  text: string | null;
}

/** How many of the newest outbox emails the page gets. */
const OUTBOX_SHOWN = 50;

const TokenRequest = z.object({
  persona: z.enum(['customer', 'agent', 'admin', 'partner']),
  customerId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  scopes: z.array(z.string()).optional(),
});

export function registerSandbox(
  fastify: FastifyInstance,
  o: {
    config: Readonly<Config>;
    partners: PartnerStore;
    /** The bundled SMTP simulator's sent emails (development, when no SMTP_URL names a relay): shown in the page's outbox. */
    outbox?: () => readonly OutboxMail[];
  },
) {
  const { config } = o;
  // Unauthenticated persona tokens (admin included): only beside the bundled simulators on a loopback
  // interface, or where SANDBOX_TOKENS=true asks for them; never in production (config refuses it).
  const personas = config.guards.sandboxTokens;
  const assets = shippedPath('dist/sandbox');
  const headers = {
    'content-security-policy': SANDBOX_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };

  fastify.get('/sandbox', async (_req, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(PAGE));
  for (const [file, type] of [
    ['sandbox.js', 'text/javascript; charset=utf-8'],
    ['sandbox.css', 'text/css; charset=utf-8'],
  ] as const) {
    fastify.get(`/sandbox/${file}`, async (_req, reply) => {
      if (!assets || !existsSync(`${assets}/${file}`))
        return replyError(
          reply,
          'UNAVAILABLE',
          'The sandbox is not built. Run `npm run build:sandbox` (npm start and npm run build do it for you).',
          {
            body: 'text',
          },
        );
      return reply
        .headers({ ...headers, 'cache-control': 'public, max-age=300' })
        .type(type)
        .send(readFileSync(`${assets}/${file}`));
    });
  }
  fastify.get('/sandbox/favicon.svg', async (_req, reply) =>
    reply
      .headers({ ...headers, 'cache-control': 'public, max-age=86400' })
      .type('image/svg+xml')
      .send(FAVICON),
  );
  fastify.get('/sandbox/config.json', async (_req, reply) =>
    reply.headers(headers).send({
      personas,
      scopes: PARTNER_SCOPES,
      operations: operations(),
      customerIds: config.simulators.enabled || personas ? Array.from({ length: 10 }, (_, i) => String(1001 + i)) : [],
      outbox: Boolean(o.outbox),
    }),
  );
  // The development outbox: what customers would have received, newest first (never a real relay's mail: only the simulator keeps any).
  const { outbox } = o;
  if (outbox)
    fastify.get('/sandbox/outbox.json', async (_req, reply) =>
      reply.headers(headers).send({
        total: outbox().length,
        emails: outbox()
          .slice(-OUTBOX_SHOWN)
          .reverse()
          .map((m) => ({ at: m.at, from: m.from, to: m.to, subject: m.subject, text: m.text })),
      }),
    );
  if (!personas) return;

  // Development only: tokens for the chosen persona, signed by the server.
  fastify.post('/sandbox/token', async (req, reply) => {
    const parsed = TokenRequest.safeParse(req.body);
    if (!parsed.success)
      return replyError(
        reply,
        'BAD_REQUEST',
        'Send {"persona": "customer"|"agent"|"admin"|"partner", "customerId": "1001", "scopes": [...]}.',
        {
          body: 'json',
        },
      );
    const { persona, customerId, scopes } = parsed.data;
    if (persona === 'partner') {
      try {
        const { token, record } = await mintPartnerToken(o.partners, config.auth.partnerSecret, {
          name: 'sandbox',
          scopes: scopes ?? [],
          ttlDays: 1,
        });
        return { token, label: `partner ${record.id} [${record.scopes.join(', ')}]` };
      } catch (err) {
        return replyError(reply, 'BAD_REQUEST', (err as Error).message, { body: 'json' });
      }
    }
    const sub = persona === 'customer' ? (customerId ?? '1001') : `sandbox-${persona}`;
    return {
      token: signDevToken(config, { role: persona, sub, ttlSeconds: 3600 }),
      label: persona === 'customer' ? `customer ${sub}` : persona,
    };
  });
}
