/**
 * A customer's channel choices per kind of message (`updateNotificationPreferences`), in one Redis
 * hash per customer (`<prefix>:notify:prefs:<crmId>`, fields `<kind>.<channel>`). Everything is on
 * until turned off; `security` messages are transactional and cannot be turned off.
 */
import type { Redis } from 'ioredis';
import { NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, type NotificationChannel, type NotificationKind } from '../ports/notifications.js';

export type Preferences = Record<NotificationKind, Record<NotificationChannel, boolean>>;

export class PreferenceError extends Error {}

export interface PreferenceStore {
  get(crmId: string): Promise<Preferences>;
  update(
    crmId: string,
    changes: readonly { kind: NotificationKind; channel: NotificationChannel; enabled: boolean }[],
  ): Promise<Preferences>;
}

const allOn = (): Preferences =>
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, true]))])) as Preferences;

export function createPreferenceStore(redis: Redis | undefined, prefix: string): PreferenceStore {
  const key = (crmId: string) => `${prefix}:notify:prefs:${crmId}`;
  const memory = new Map<string, Record<string, string>>();
  const read = async (crmId: string) => (redis ? await redis.hgetall(key(crmId)) : (memory.get(crmId) ?? {}));
  const toPrefs = (h: Record<string, string>): Preferences => {
    const p = allOn();
    for (const k of NOTIFICATION_KINDS)
      for (const c of NOTIFICATION_CHANNELS) if (k !== 'security' && h[`${k}.${c}`] === '0') p[k][c] = false;
    return p;
  };
  return {
    get: async (crmId) => toPrefs(await read(crmId)),
    async update(crmId, changes) {
      for (const ch of changes)
        if (ch.kind === 'security' && !ch.enabled)
          throw new PreferenceError('Security messages (sign-in and account security) are transactional and cannot be turned off.');
      const fields = Object.fromEntries(changes.map((ch) => [`${ch.kind}.${ch.channel}`, ch.enabled ? '1' : '0']));
      if (redis) {
        if (changes.length) await redis.hset(key(crmId), fields);
      } else memory.set(crmId, { ...memory.get(crmId), ...fields });
      return toPrefs(await read(crmId));
    },
  };
}
