/**
 * Mobile push through Firebase Cloud Messaging HTTP v1 (one API for Android and iOS):
 * `POST <FCM_API_URL>/v1/projects/<project>/messages:send` with `{ message: { token, notification,
 * data } }`, authorised by an OAuth 2 access token the service account key obtains (a JWT signed
 * RS256, `urn:ietf:params:oauth:grant-type:jwt-bearer`, cached until shortly before it expires).
 *
 * Devices are registered by the app (`registerDevice`), kept per customer in Redis
 * (`<prefix>:notify:devices:<crmId>`, token -> `platform|registered at`), at most MAX_DEVICES per
 * customer (the least recently registered are forgotten). A token is one customer's: the last to
 * register it (`<prefix>:notify:device:<sha256(token)>` -> crmId), so on a device shared or handed
 * on without `unregisterDevice` the previous customer's messages stop reaching it. A token FCM answers UNREGISTERED (404)
 * or INVALID_ARGUMENT (400, with FCM's own FcmError detail: not a valid registration token) for is
 * dropped at once; an INVALID_ARGUMENT about the message (a google.rpc.BadRequest detail) keeps it. One push per (key, template, device), ever: the same
 * marker rule as email (email.ts). 429 and 5xx are thrown (the caller's job retries).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type { FcmServiceAccount } from '../config/notifications.js';
import type { Logger } from '../platform/logger.js';
import type { NotificationMeter } from './metrics.js';
import type { ChannelOutcome } from '../ports/notifications.js';

export const DEVICE_PLATFORMS = ['android', 'ios', 'web'] as const;
/** Devices one customer keeps; registering one more forgets the least recently registered. */
export const MAX_DEVICES = 10;
/** How long a token's owner is remembered after its last registration (FCM expires tokens inactive for 270 days). */
const OWNER_TTL_S = 270 * 86_400;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export interface PushChannel {
  /** False without FCM_SERVICE_ACCOUNT (or Redis). */
  readonly available: boolean;
  register(crmId: string, platform: DevicePlatform, token: string): Promise<void>;
  /** True when the token was registered for this customer. */
  unregister(crmId: string, token: string): Promise<boolean>;
  devices(crmId: string): Promise<{ token: string; platform: DevicePlatform }[]>;
  send(m: { key: string; crmId: string; template: string; title: string; data: Readonly<Record<string, string>> }): Promise<ChannelOutcome>;
}

/** An FCM answer that is not the token's fault and may pass: retried by the caller's job. */
export class PushUnavailableError extends Error {}

export function createPushChannel(o: {
  fcm?: { serviceAccount: FcmServiceAccount; apiUrl: string };
  redis?: Redis;
  prefix: string;
  logger: Logger;
  timeoutMs?: number;
  meter?: NotificationMeter;
}): PushChannel {
  const { redis, fcm } = o;
  const devicesKey = (crmId: string) => `${o.prefix}:notify:devices:${crmId}`;
  const ownerKey = (token: string) => `${o.prefix}:notify:device:${createHash('sha256').update(token).digest('hex')}`;
  const store = {
    async register(crmId: string, platform: DevicePlatform, token: string) {
      if (!redis) throw new Error('Device registration needs Redis (set REDIS_URL).');
      // The device is this customer's now: the one who had it before gets no more of its pushes.
      const previous = await redis.set(ownerKey(token), crmId, 'EX', OWNER_TTL_S, 'GET');
      if (previous && previous !== crmId) await redis.hdel(devicesKey(previous), token);
      // `platform|registered at`: the least recently registered devices are forgotten past MAX_DEVICES,
      // so neither a flood of registrations nor years of reinstalls multiply one message's sends.
      await redis.hset(devicesKey(crmId), token, `${platform}|${Date.now()}`);
      if ((await redis.hlen(devicesKey(crmId))) > MAX_DEVICES) {
        const byAge = Object.entries(await redis.hgetall(devicesKey(crmId))).sort(
          ([, a], [, b]) => Number(a.split('|')[1] ?? 0) - Number(b.split('|')[1] ?? 0),
        );
        const extra = byAge.slice(0, byAge.length - MAX_DEVICES).map(([t]) => t);
        if (extra.length) await redis.hdel(devicesKey(crmId), ...extra);
      }
    },
    async unregister(crmId: string, token: string) {
      if (!redis) return false;
      const removed = (await redis.hdel(devicesKey(crmId), token)) === 1;
      if (removed)
        await redis.eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
          1,
          ownerKey(token),
          crmId,
        );
      return removed;
    },
    async devices(crmId: string) {
      const h = redis ? await redis.hgetall(devicesKey(crmId)) : {};
      return Object.entries(h).map(([token, value]) => ({ token, platform: value.split('|')[0] as DevicePlatform }));
    },
  };
  if (!fcm || !redis) return { available: false, ...store, send: async () => 'no_recipient' };

  const sa = fcm.serviceAccount;
  let access: { token: string; until: number } | undefined;
  const accessToken = async () => {
    if (access && access.until > Date.now()) return access.token;
    const now = Math.floor(Date.now() / 1000);
    const assertion = jwt.sign(
      { iss: sa.client_email, scope: 'https://www.googleapis.com/auth/firebase.messaging', aud: sa.token_uri, iat: now, exp: now + 3600 },
      sa.private_key,
      { algorithm: 'RS256' },
    );
    const res = await fetch(sa.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new PushUnavailableError(`FCM OAuth token request answered ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    access = { token: body.access_token, until: Date.now() + Math.max(60, body.expires_in - 300) * 1000 };
    return access.token;
  };
  const url = `${fcm.apiUrl}/v1/projects/${encodeURIComponent(sa.project_id)}/messages:send`;

  const sendOne = async (
    key: string,
    template: string,
    d: { token: string },
    crmId: string,
    title: string,
    data: Readonly<Record<string, string>>,
  ) => {
    const id = createHash('sha256').update(`${template}\n${key}\n${d.token}`).digest('hex').slice(0, 40);
    const marker = `${o.prefix}:notify:push:${id}`;
    if ((await redis.set(marker, 'pending', 'EX', 30 * 86_400, 'NX')) !== 'OK')
      return (await redis.get(marker)) === 'sent' ? 'duplicate' : 'unknown';
    let res: Response;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { token: d.token, notification: { title }, data: { template, ...data } } }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      o.meter?.attempt('push', 'failed', seconds());
      await redis.del(marker);
      throw new PushUnavailableError(`FCM not reached: ${(err as Error).name}`);
    }
    if (res.ok) {
      o.meter?.attempt('push', 'ok', seconds());
      await redis.set(marker, 'sent', 'EX', 30 * 86_400);
      return 'sent';
    }
    const body = (await res.json().catch(() => ({}))) as {
      error?: { status?: string; details?: { '@type'?: string; errorCode?: string }[] };
    };
    // FCM's own error code is in the FcmError detail. INVALID_ARGUMENT there means the token is not
    // a valid registration token; INVALID_ARGUMENT without it (a google.rpc.BadRequest detail
    // naming a field) means our message was wrong, which is no reason to forget the device.
    const fcmCode = body.error?.details?.find((x) => x['@type']?.endsWith('google.firebase.fcm.v1.FcmError') && x.errorCode)?.errorCode;
    const code = fcmCode ?? body.error?.status;
    await redis.del(marker);
    if (fcmCode === 'UNREGISTERED' || (fcmCode === 'INVALID_ARGUMENT' && res.status === 400)) {
      o.meter?.attempt('push', 'token_dropped', seconds());
      // The app was uninstalled, the token expired, or it was never a valid token: never send to it again.
      await redis.hdel(devicesKey(crmId), d.token);
      await redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
        1,
        ownerKey(d.token),
        crmId,
      );
      o.logger.info({ customer: crmId, fcm: fcmCode }, 'push token dropped: FCM reports it unregistered or invalid');
      return 'no_recipient';
    }
    o.meter?.attempt('push', 'failed', seconds());
    if (res.status === 401) access = undefined;
    throw new PushUnavailableError(`FCM answered ${res.status} ${code ?? ''}`.trim());
  };

  return {
    available: true,
    ...store,
    async send(m) {
      const devices = await store.devices(m.crmId);
      if (!devices.length) return 'no_recipient';
      const outcomes: ChannelOutcome[] = [];
      for (const d of devices) outcomes.push(await sendOne(m.key, m.template, d, m.crmId, m.title, m.data));
      for (const best of ['sent', 'duplicate', 'unknown'] as const) if (outcomes.includes(best)) return best;
      return 'no_recipient';
    },
  };
}
