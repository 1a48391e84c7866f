/**
 * Identity links: which customer a signed-in identity (the identity provider's subject) is, for
 * tokens that carry no customer claim. `registerCustomer` writes one; the token verifier reads it
 * on every request of such a token (never cached in process), so the next request of that user,
 * on any instance, is the customer. On Redis (`<prefix>:identity:<sha256 of the subject>`, never
 * expiring) when REDIS_URL is set, else process memory (development, one instance).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface IdentityLinks {
  /** The customer id linked to this subject; undefined when none. Throws when the store cannot answer. */
  get(subject: string): Promise<string | undefined>;
  /** Links the subject to a customer once: the customer already linked (this one or another) when there was a link. */
  link(subject: string, customerId: string): Promise<string>;
  /** A sign-up in progress for this subject (at most `ttlMs`): true when taken now, false when another holds it. */
  lock(subject: string, ttlMs: number): Promise<boolean>;
  unlock(subject: string): Promise<void>;
}

const digest = (subject: string) => createHash('sha256').update(subject).digest('base64url');

/**
 * The key a sign-up is made under at every system (the CRM's unique field, the billing system's
 * idempotency key): derived from the subject, so every retry of one user's sign-up is the same
 * sign-up. 27 characters of letters, digits, `_` and `-`.
 */
export const signupKey = (subject: string): string => `su_${digest(subject).slice(0, 24)}`;

export function createRedisIdentityLinks(redis: Redis, prefix: string): IdentityLinks {
  const key = (subject: string) => `${prefix}:identity:${digest(subject)}`;
  const lockKey = (subject: string) => `${prefix}:identity-lock:${digest(subject)}`;
  return {
    async get(subject) {
      return (await redis.get(key(subject))) ?? undefined;
    },
    async link(subject, customerId) {
      const set = await redis.set(key(subject), customerId, 'NX');
      return set === 'OK' ? customerId : ((await redis.get(key(subject))) ?? customerId);
    },
    async lock(subject, ttlMs) {
      return (await redis.set(lockKey(subject), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async unlock(subject) {
      await redis.del(lockKey(subject));
    },
  };
}

export function createMemoryIdentityLinks(): IdentityLinks {
  const links = new Map<string, string>();
  const locks = new Map<string, number>();
  return {
    get: async (subject) => links.get(subject),
    async link(subject, customerId) {
      const had = links.get(subject);
      if (had) return had;
      links.set(subject, customerId);
      return customerId;
    },
    async lock(subject, ttlMs) {
      const until = locks.get(subject);
      if (until && until > Date.now()) return false;
      locks.set(subject, Date.now() + ttlMs);
      return true;
    },
    unlock: async (subject) => void locks.delete(subject),
  };
}
