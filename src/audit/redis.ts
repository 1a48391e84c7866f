/**
 * The durable audit log: one Redis stream of hash-chained entries, also written as JSON log lines.
 *
 * Each entry is stored as its JSON text `d` (which names the previous entry's hash, `prev`) and
 * `h` = SHA-256 of `d`. Appends from every gateway instance and worker form ONE chain: an append
 * is a compare-and-set in a Lua script (XADD only when the head is still the hash the entry was
 * built on). Redis Lua has no SHA-256, so the hash is computed here, on the expected head: the
 * common case (this process appended last, or nobody appended since it learned the head) costs one
 * round trip; a lost race returns the current head and costs one more, bounded. Within a process
 * appends are serialized, so races are only between processes; the price is one round trip of
 * Redis latency per entry per process (thousands a second on a LAN), paid by writes, not reads.
 *
 * Retention: XADD trims entries older than the retention (MINID); verification starts from the
 * first kept entry, whose `prev` names a trimmed one. Per-customer streams hold the ids of that
 * customer's entries (the `auditLog(customerId:)` index), trimmed and expired the same way.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import {
  auditActor,
  AuditUnavailableError,
  type AuditContext,
  type AuditEvent,
  type AuditLog,
  type AuditPage,
  type AuditQuery,
  type StoredAuditEntry,
} from './index.js';

export interface RedisAuditOptions {
  url: string;
  /** Environment prefix of the keys (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Entries older than this are trimmed, days. @default 400 */
  retentionDays?: number;
  /** Deadline of one append, ms. @default 2000 */
  commandTimeoutMs?: number;
  logger: Logger;
  /** Called for every entry that could not be stored (metrics): `read` for customer reads, else `write`. */
  onFailure?(kind: 'read' | 'write'): void;
}

/** The Redis keys of the log; one hash tag keeps them in one cluster slot (the append script touches all). */
export function auditKeys(prefix: string) {
  const base = `${prefix}:{audit}`;
  return { stream: base, head: `${base}:head`, customer: (id: string) => `${base}:c:${id}` };
}

const APPEND = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[4], '*', 'd', ARGV[2], 'h', ARGV[3])
redis.call('SET', KEYS[2], ARGV[3])
if #KEYS >= 3 then
  redis.call('XADD', KEYS[3], 'MINID', '~', ARGV[4], id, 'i', id)
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
return {1, id}`;

/**
 * An append that keeps losing the race gives up after this long (an error, never an unchained entry).
 * Between tries it waits a random, growing pause (full jitter, at most 50 ms): without it two
 * processes that append back to back run in lockstep and the same one can lose every round.
 */
const APPEND_DEADLINE_MS = 5000;
const lostRacePause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function createRedisAuditLog(o: RedisAuditOptions): AuditLog & Required<Pick<AuditLog, 'ready' | 'page' | 'close'>> {
  const keys = auditKeys(o.prefix);
  const retentionMs = (o.retentionDays ?? 400) * 86_400_000;
  // Fail fast: an append that cannot reach Redis is an error at once (the write is refused), not a
  // command queued until Redis is back.
  const redis = new Redis(o.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs ?? 2000,
    retryStrategy: (n: number) => Math.min(100 * 2 ** n, 2000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) o.logger.warn({ err: err.message }, 'audit log unavailable: writes and admin actions are refused until Redis is back');
    down = true;
  });
  let connectedOnce = false;
  redis.on('ready', () => {
    connectedOnce = true;
    if (down) o.logger.info('audit log available again');
    down = false;
  });
  redis.defineCommand('auditAppend', { lua: APPEND });
  const append = (keyList: string[], args: (string | number)[]) =>
    (redis as unknown as { auditAppend(n: number, ...a: (string | number)[]): Promise<[number, string]> }).auditAppend(
      keyList.length,
      ...keyList,
      ...args,
    );
  /** The head this process saw last: usually still current, so most appends take one round trip. */
  let knownHead: string | undefined;

  const connected = async () => {
    if (redis.status === 'ready') return;
    if (redis.status !== 'connecting' && redis.status !== 'connect' && redis.status !== 'wait') return;
    await new Promise<void>((resolve) => {
      const done = () => (clearTimeout(timer), redis.off('ready', done), resolve());
      const timer = setTimeout(done, 2000);
      redis.once('ready', done);
    });
  };

  /**
   * Appends of this process run one at a time (in call order): concurrent ones would all be built
   * on the same head and all but one lose the compare-and-set. Races are then only between
   * processes, and each lost race costs one more round trip.
   */
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  async function store(ctx: AuditContext | null, e: AuditEvent): Promise<StoredAuditEntry> {
    await connected();
    const body = {
      at: e.at ?? new Date().toISOString(),
      actor: auditActor(ctx),
      requestId: ctx?.requestId ?? null,
      operation: ctx?.operationName ?? null,
      action: e.action,
      customerId: e.customerId ?? null,
      systems: [...e.systems],
      fields: [...e.fields],
      outcome: e.outcome,
      detail: e.detail ? { ...e.detail } : null,
    };
    const keyList = [keys.stream, keys.head, ...(body.customerId ? [keys.customer(body.customerId)] : [])];
    let prev = knownHead ?? ((await redis.get(keys.head)) || '');
    const deadline = Date.now() + APPEND_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > deadline) throw new Error(`audit append lost the race ${attempt} times in ${APPEND_DEADLINE_MS} ms`);
        await lostRacePause(attempt);
      }
      const d = JSON.stringify({ ...body, prev });
      const hash = sha256(d);
      const [ok, value] = await append(keyList, [prev, d, hash, Date.now() - retentionMs, retentionMs]);
      if (ok === 1) {
        knownHead = hash;
        return { id: value, ...body, prev, hash };
      }
      prev = value;
      knownHead = value;
    }
  }

  return {
    async record(ctx, e) {
      try {
        const entry = await serialized(() => store(ctx, e));
        // The SIEM's copy: one JSON line per stored entry, with its place in the chain.
        o.logger.info({ audit: entry }, 'audit');
      } catch (err) {
        knownHead = undefined;
        o.onFailure?.(e.action === 'customer.read' ? 'read' : 'write');
        // Still a line for the SIEM, marked as not stored, then the caller refuses the action.
        o.logger.error(
          { audit: { at: new Date().toISOString(), actor: auditActor(ctx), requestId: ctx?.requestId ?? null, ...e, stored: false } },
          'audit entry NOT stored',
        );
        throw new AuditUnavailableError(`the audit log cannot be written (${(err as Error).message})`);
      }
    },
    // Known down (lost: reconnecting, or closed); a process still making its first connection is not.
    // Once connected, only 'ready' is up: a lost connection cycles through 'connecting' on every retry.
    ready: () => redis.status === 'ready' || (!connectedOnce && ['wait', 'connecting', 'connect'].includes(redis.status)),
    async page(q: AuditQuery): Promise<AuditPage> {
      await connected();
      try {
        return q.customerId
          ? await customerPage(redis, keys, q.customerId, q.first, q.after)
          : await streamPage(redis, keys.stream, q.first, q.after);
      } catch (err) {
        throw new AuditUnavailableError(`the audit log cannot be read (${(err as Error).message})`);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

type StreamEntry = [id: string, fields: string[]];

/** Parses one stream entry (as XRANGE returns it); null when it is not one of ours. */
export function parseEntry([id, fields]: StreamEntry): StoredAuditEntry | null {
  const at = (name: string) => {
    const i = fields.indexOf(name);
    return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
  };
  const d = at('d');
  const h = at('h');
  if (d === undefined || h === undefined) return null;
  try {
    const body = JSON.parse(d) as Omit<StoredAuditEntry, 'id' | 'hash'>;
    return { ...body, id, hash: h };
  } catch {
    return null;
  }
}

const range = (after: string | undefined) => (after ? `(${after}` : '+');

async function streamPage(redis: Redis, stream: string, first: number, after?: string): Promise<AuditPage> {
  const [total, rows] = await Promise.all([redis.xlen(stream), redis.xrevrange(stream, range(after), '-', 'COUNT', first + 1)]);
  const entries = (rows as StreamEntry[])
    .slice(0, first)
    .map(parseEntry)
    .filter((e): e is StoredAuditEntry => e !== null);
  return { totalCount: total, entries, hasNextPage: rows.length > first };
}

async function customerPage(
  redis: Redis,
  keys: ReturnType<typeof auditKeys>,
  customerId: string,
  first: number,
  after?: string,
): Promise<AuditPage> {
  const index = keys.customer(customerId);
  const [total, rows] = await Promise.all([redis.xlen(index), redis.xrevrange(index, range(after), '-', 'COUNT', first + 1)]);
  const ids = (rows as StreamEntry[]).slice(0, first).map(([id]) => id);
  const p = redis.pipeline();
  for (const id of ids) p.xrange(keys.stream, id, id);
  const found = ((await p.exec()) ?? []).map(([, r]) => ((r as StreamEntry[] | null) ?? [])[0] as StreamEntry | undefined);
  // An id whose entry was trimmed (retention) is skipped.
  const entries = found
    .filter((r): r is StreamEntry => r !== undefined)
    .map(parseEntry)
    .filter((e): e is StoredAuditEntry => e !== null);
  return { totalCount: total, entries, hasNextPage: rows.length > first };
}

export interface VerifyResult {
  checked: number;
  firstId: string | null;
  lastId: string | null;
  broken: { id: string; reason: string } | null;
}

/**
 * Walks the chain from the first kept entry: each entry's stored JSON must hash to its `h`, and
 * name the previous entry's `h` as `prev`; the head key must be the last entry's hash (entries
 * removed from the end are noticed). Reports the first broken link.
 */
export async function verifyAuditChain(
  redis: Redis,
  prefix: string,
  onProgress?: (checked: number, lastId: string) => void,
  o: { batch?: number; progressEvery?: number } = {},
): Promise<VerifyResult> {
  const batch = o.batch ?? 1000;
  const every = o.progressEvery ?? 10_000;
  const keys = auditKeys(prefix);
  let checked = 0;
  let prevHash: string | undefined;
  let firstId: string | null = null;
  let lastId: string | null = null;
  let start = '-';
  for (;;) {
    const rows = (await redis.xrange(keys.stream, start, '+', 'COUNT', batch)) as StreamEntry[];
    for (const row of rows) {
      const [id, fields] = row;
      const i = fields.indexOf('d');
      const j = fields.indexOf('h');
      const d = i >= 0 ? fields[i + 1] : undefined;
      const h = j >= 0 ? fields[j + 1] : undefined;
      const fail = (reason: string) => ({ checked, firstId, lastId, broken: { id, reason } });
      if (d === undefined || h === undefined) return fail('the entry has no stored JSON (d) or hash (h)');
      if (sha256(d) !== h) return fail('the stored JSON does not hash to the stored hash: the entry was modified');
      let prev: unknown;
      try {
        prev = (JSON.parse(d) as { prev?: unknown }).prev;
      } catch {
        return fail('the stored JSON does not parse');
      }
      // The first kept entry may follow trimmed ones (retention): its `prev` is taken as given.
      if (prevHash !== undefined && prev !== prevHash)
        return fail(`its prev hash is not the previous entry's hash (${lastId}): an entry was removed, inserted or rewritten`);
      prevHash = h;
      firstId ??= id;
      lastId = id;
      checked++;
      if (onProgress && checked % every === 0) onProgress(checked, id);
    }
    if (rows.length < batch) break;
    start = `(${rows[rows.length - 1][0]}`;
  }
  const head = (await redis.get(keys.head)) ?? '';
  if (checked > 0 && head !== prevHash)
    return {
      checked,
      firstId,
      lastId,
      broken: { id: lastId!, reason: 'the head hash is not the last entry\u2019s: entries after it were removed' },
    };
  if (checked === 0 && head)
    return { checked, firstId, lastId, broken: { id: '-', reason: 'the head names an entry but the stream is empty' } };
  return { checked, firstId, lastId, broken: null };
}
