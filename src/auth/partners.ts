/**
 * Partner token records, stored server-side by token id (jti): name, scopes, optional customer
 * allow-list, creation, expiry, last use, revocation, and the SHA-256 of the token (never the
 * token). Redis when configured, so revocation reaches every instance on the next request;
 * process memory in development.
 */
import type { Redis } from 'ioredis';
import type { RedisLiveness } from '../platform/cache.js';
import { BadUserInputError } from '../errors/index.js';
import { PARTNER_SCOPES } from './principal.js';
import { hashToken, newPartnerId, signPartnerToken } from './tokens.js';
import { MAX_CRM_FILTER_IDS } from '../ports/crm.js';

export interface PartnerRecord {
  id: string;
  name: string;
  scopes: string[];
  customerIds?: string[];
  /** sha256 hashes of the only operations this partner may run (TRUSTED_DOCUMENTS); absent = the published manifest. */
  operations?: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
  tokenHash: string;
}

export interface PartnerStore {
  put(r: PartnerRecord): Promise<void>;
  get(id: string): Promise<PartnerRecord | undefined>;
  list(): Promise<PartnerRecord[]>;
  revoke(id: string): Promise<PartnerRecord | undefined>;
  /** Records a use; at most one write a minute per partner. */
  touch(id: string): Promise<void>;
}

const TOUCH_EVERY_MS = 60_000;

export function createMemoryPartnerStore(): PartnerStore {
  const records = new Map<string, PartnerRecord>();
  return {
    async put(r) {
      records.set(r.id, { ...r });
    },
    async get(id) {
      const r = records.get(id);
      return r && { ...r };
    },
    async list() {
      return [...records.values()].map((r) => ({ ...r }));
    },
    async revoke(id) {
      const r = records.get(id);
      if (r && !r.revokedAt) r.revokedAt = new Date().toISOString();
      return r && { ...r };
    },
    async touch(id) {
      const r = records.get(id);
      if (r && (!r.lastUsedAt || Date.now() - Date.parse(r.lastUsedAt) > TOUCH_EVERY_MS)) r.lastUsedAt = new Date().toISOString();
    },
  };
}

/**
 * How long a partner-record read waits on the request path. `redis` is the `control` connection,
 * whose commands wait for a (re)connecting link: a fresh instance whose connection is opening, or a
 * Redis answering slowly while it sends bytes, is waited for (up to the cap), because refusing a
 * valid partner token for a blip is worse than a slow request. A Redis that is stalled (`liveness`:
 * silent a second with commands outstanding) is not: the read fails at once and the token falls
 * back to the record verified in the last PARTNER_TOKEN_CACHE_S seconds (auth/tokens.ts), else it
 * is refused for now. So a hung Redis holds a partner request about a second at most, once.
 */
const READ_TIMEOUT_MS = 1000;
const READ_CAP_MS = 2000;

export function createRedisPartnerStore(redis: Redis, prefix: string, liveness?: RedisLiveness): PartnerStore {
  const key = (id: string) => `${prefix}:partner:${id}`;
  const index = `${prefix}:partners`;
  const read = async (id: string) => {
    const raw = liveness ? await liveness.deadline(() => redis.get(key(id)), READ_TIMEOUT_MS, READ_CAP_MS) : await redis.get(key(id));
    return raw ? (JSON.parse(raw) as PartnerRecord) : undefined;
  };
  const lastTouch = new Map<string, number>();
  return {
    async put(r) {
      // Kept a day past expiry so the audit of late attempts can still name the partner.
      const ttl = Math.max(60, Math.ceil((Date.parse(r.expiresAt) - Date.now()) / 1000) + 86_400);
      // Two commands, not a MULTI: the record and the index are in different slots of a Redis
      // Cluster. The record first, so a list() running between them never finds an id without
      // its record (which it would drop from the index). A crash between them leaves a record
      // nobody holds the token of (the answer carrying it was never sent), gone with its TTL.
      await redis.set(key(r.id), JSON.stringify(r), 'EX', ttl);
      await redis.sadd(index, r.id);
    },
    get: read,
    async list() {
      const ids = await redis.smembers(index);
      const out: PartnerRecord[] = [];
      for (const id of ids) {
        const r = await read(id);
        if (r) out.push(r);
        else await redis.srem(index, id);
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async revoke(id) {
      const r = await read(id);
      if (!r) return undefined;
      if (!r.revokedAt) {
        r.revokedAt = new Date().toISOString();
        await redis.set(key(id), JSON.stringify(r), 'KEEPTTL');
      }
      return r;
    },
    async touch(id) {
      const now = Date.now();
      if (now - (lastTouch.get(id) ?? 0) < TOUCH_EVERY_MS) return;
      lastTouch.set(id, now);
      const r = await read(id);
      if (r && !r.revokedAt) {
        r.lastUsedAt = new Date(now).toISOString();
        await redis.set(key(id), JSON.stringify(r), 'KEEPTTL');
      }
    },
  };
}

export interface MintPartnerInput {
  name: string;
  scopes: readonly string[];
  customerIds?: readonly string[] | null;
  operations?: readonly string[] | null;
  ttlDays: number;
}

/** Validates the request, stores the record (with the token's hash) and returns the token once. */
export async function mintPartnerToken(
  store: PartnerStore,
  secret: string,
  input: MintPartnerInput,
): Promise<{ token: string; record: PartnerRecord }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(input.name))
    throw new BadUserInputError('name must be 1-64 letters, digits, spaces, dots, dashes or underscores, e.g. "acme".', 'name');
  const unknown = input.scopes.filter((s) => !(PARTNER_SCOPES as readonly string[]).includes(s));
  if (unknown.length || input.scopes.length === 0)
    throw new BadUserInputError(
      `scopes must be a non-empty list of ${PARTNER_SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}.`,
      'scopes',
    );
  if (!Number.isInteger(input.ttlDays) || input.ttlDays < 1 || input.ttlDays > 365)
    throw new BadUserInputError('ttlDays must be between 1 and 365, e.g. 30.', 'ttlDays');
  if ((input.customerIds?.length ?? 0) > MAX_CRM_FILTER_IDS)
    throw new BadUserInputError(
      `customerIds may hold at most ${MAX_CRM_FILTER_IDS} ids (what one CRM search can filter on).`,
      'customerIds',
    );
  if (input.operations?.some((h) => !/^[0-9a-f]{64}$/.test(h)))
    throw new BadUserInputError(
      'operations must be sha256 hashes of documents (64 lowercase hex characters), as the keys of persisted-documents.json.',
      'operations',
    );
  const id = newPartnerId();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + input.ttlDays * 86_400_000);
  const token = signPartnerToken(secret, id, expiresAt);
  const record: PartnerRecord = {
    id,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    ...(input.customerIds?.length ? { customerIds: [...input.customerIds] } : {}),
    ...(input.operations?.length ? { operations: [...new Set(input.operations)] } : {}),
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    tokenHash: hashToken(token),
  };
  await store.put(record);
  return { token, record };
}
