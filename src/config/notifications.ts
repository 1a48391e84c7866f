/** Outbound notifications (src/notifications): partner webhooks and customer email. */
import { z } from 'zod';
import { bool, int, list, section } from './vars.js';

/**
 * Development key sealing partner endpoint signing secrets (NOTIFY_SECRET_KEY). Public (it is in
 * this repository), so production refuses it.
 */
export const DEV_NOTIFY_SECRET_KEY = '706f727469636f2d6465762d6f6e6c792d6e6f746966792d6b65792d30303030';

/** 64 hex digits or 32 bytes in base64 (src/notifications/secrets.ts parses it). */
const secretKeyText = (s: string) =>
  /^[0-9a-fA-F]{64}$/.test(s.trim()) || (/^[A-Za-z0-9+/_-]{43}=?$/.test(s.trim()) && Buffer.from(s.trim(), 'base64').length === 32);

export interface NotificationsConfig {
  notifications: {
    webhooks: {
      /** Deadline of one delivery attempt (connect, send, answer), ms. */
      timeoutMs: number;
      /** Multiplies every webhook time window: retry schedule, auto-disable, rotation overlap (tests compress a day into seconds). */
      timeScale: number;
      /** Endpoints may be loopback, private or plain http (development and tests only). */
      allowPrivateUrls: boolean;
      /** An endpoint failing every delivery this long is disabled, ms. */
      disableAfterMs: number;
      /** How long the previous secret still signs after a rotation, ms. */
      rotationOverlapMs: number;
      /** Deliveries one worker makes at once. */
      concurrency: number;
      /** Enabled endpoints one partner may have at once. */
      maxEndpoints: number;
      /** Seals endpoint signing secrets at rest (AES-256-GCM): the current key, and previous ones that still open. */
      secretKey: string;
      oldSecretKeys: string[];
    };
    email: { smtpUrl?: string; from: string };
    /** Firebase Cloud Messaging HTTP v1; absent: no push is sent. */
    push?: { serviceAccount: FcmServiceAccount; apiUrl: string };
  };
}

/** The fields of a Firebase service account key (the JSON file the console downloads) that FCM needs. */
export interface FcmServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  /** @default https://oauth2.googleapis.com/token */
  token_uri: string;
}

const serviceAccount = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be the service account key JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.object({
      project_id: z.string().min(1),
      client_email: z.string().min(3),
      private_key: z.string().includes('PRIVATE KEY'),
      token_uri: z.url().default('https://oauth2.googleapis.com/token'),
    }),
  );

export const notifications = section({
  vars: {
    WEBHOOK_TIMEOUT_MS: {
      schema: int(100, 60_000).prefault('15000'),
      example: '15000',
      doc: "Deadline of one partner webhook delivery (Svix's is 15 s); a slower endpoint's attempt fails and is retried.",
    },
    WEBHOOK_TIME_SCALE: {
      schema: z.coerce.number().min(0.000001).max(1).prefault('1'),
      example: '1',
      doc: "Multiplies every partner webhook time window: the retry schedule (Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), the auto-disable window and the rotation overlap. Tests compress them; production refuses anything but 1.",
      refusedInProduction: {
        when: (v: number) => v !== 1,
        message: 'WEBHOOK_TIME_SCALE is for tests: production keeps the documented schedule and windows (unset it).',
      },
    },
    WEBHOOK_ALLOW_PRIVATE_URLS: {
      schema: bool.prefault('false'),
      example: 'false',
      doc: 'Accept partner endpoint URLs over http or at loopback, private or link-local addresses (development only; production checks every URL after DNS resolution).',
      dev: 'true',
      refusedInProduction: {
        when: (on: boolean) => on,
        message: 'WEBHOOK_ALLOW_PRIVATE_URLS=true is refused in production: partner endpoints must be public https URLs (SSRF).',
      },
    },
    WEBHOOK_DISABLE_AFTER_H: {
      schema: int(1, 720).prefault('120'),
      example: '120',
      doc: "An endpoint whose deliveries all failed for this many hours is disabled, with an admin notice (Svix's 5 days).",
    },
    WEBHOOK_ROTATION_OVERLAP_H: {
      schema: int(0, 168).prefault('24'),
      example: '24',
      doc: 'After a secret rotation, deliveries carry signatures with both secrets this long, so the partner can switch without losing one.',
    },
    WEBHOOK_CONCURRENCY: { schema: int(1, 256).prefault('16'), example: '16', doc: 'Partner webhook deliveries one worker makes at once.' },
    WEBHOOK_MAX_ENDPOINTS: {
      schema: int(1, 1000).prefault('20'),
      example: '20',
      doc: "Enabled webhook endpoints one partner may have at once (Stripe allows 16 per account): each event is one delivery per endpoint, so a partner cannot multiply deliveries (to its own URL or another's) without bound. Creating or enabling one more is BAD_USER_INPUT; a disabled endpoint does not count.",
    },
    NOTIFY_SECRET_KEY: {
      schema: z.string().refine(secretKeyText, 'must be 32 bytes: 64 hex digits or base64'),
      example: '$(openssl rand -hex 32)',
      doc: 'Key that encrypts partner webhook endpoint signing secrets in Redis (AES-256-GCM), so a Redis dump or backup alone cannot sign webhooks as Portico. To rotate it, set a new one and move the old one to NOTIFY_SECRET_KEYS_OLD. Development has a built-in one; production has none.',
      secret: true,
      dev: DEV_NOTIFY_SECRET_KEY,
      devRefused: 'key',
      requiredInProduction: 'in production (it encrypts partner endpoint signing secrets at rest)',
    },
    NOTIFY_SECRET_KEYS_OLD: {
      schema: list.pipe(z.array(z.string().refine(secretKeyText, 'each must be 32 bytes: 64 hex digits or base64'))).prefault(''),
      example: '$(previous NOTIFY_SECRET_KEY)',
      doc: 'Previous NOTIFY_SECRET_KEY values, comma-separated: secrets encrypted with them still decrypt, and each endpoint written again (secret rotation, enable, disable) is encrypted with the current key. Drop an old key once no endpoint uses it (a delivery whose secret no key opens fails, logged with the key id).',
      secret: true,
    },
    SMTP_URL: {
      schema: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
      example: 'smtps://apikey:secret@smtp.example.com:465',
      doc: "The SMTP relay customer email goes through (any provider's). Unset: no email is sent (development uses the bundled SMTP simulator).",
      secret: (url: string) => [decodeURIComponent(new URL(url).password)],
    },
    FCM_SERVICE_ACCOUNT: {
      schema: serviceAccount,
      example:
        '{"project_id":"acme-app","client_email":"fcm@acme-app.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\\n...","token_uri":"https://oauth2.googleapis.com/token"}',
      doc: 'The Firebase service account key (JSON) mobile push is sent with (FCM HTTP v1, OAuth 2 from the key). Unset: no push is sent.',
      secret: (v: FcmServiceAccount) => [v.private_key],
    },
    FCM_API_URL: {
      schema: z.url().prefault('https://fcm.googleapis.com'),
      example: 'https://fcm.googleapis.com',
      doc: 'Base URL of the FCM HTTP v1 API (the bundled simulator in development).',
    },
    EMAIL_FROM: {
      schema: z.string().min(3).prefault('Portico <no-reply@portico.example>'),
      example: 'Acme Billing <billing@acme.example>',
      doc: 'The From of customer email.',
    },
  },
  build: (v): NotificationsConfig => ({
    notifications: {
      webhooks: {
        timeoutMs: v.WEBHOOK_TIMEOUT_MS,
        timeScale: v.WEBHOOK_TIME_SCALE,
        allowPrivateUrls: v.WEBHOOK_ALLOW_PRIVATE_URLS,
        disableAfterMs: v.WEBHOOK_DISABLE_AFTER_H * 3_600_000,
        rotationOverlapMs: v.WEBHOOK_ROTATION_OVERLAP_H * 3_600_000,
        concurrency: v.WEBHOOK_CONCURRENCY,
        maxEndpoints: v.WEBHOOK_MAX_ENDPOINTS,
        // Outside production the development key is the default (dev), so the value is always there.
        secretKey: v.NOTIFY_SECRET_KEY ?? DEV_NOTIFY_SECRET_KEY,
        oldSecretKeys: v.NOTIFY_SECRET_KEYS_OLD,
      },
      email: { smtpUrl: v.SMTP_URL, from: v.EMAIL_FROM },
      ...(v.FCM_SERVICE_ACCOUNT ? { push: { serviceAccount: v.FCM_SERVICE_ACCOUNT, apiUrl: v.FCM_API_URL.replace(/\/$/, '') } } : {}),
    },
  }),
});
