/**
 * The durable audit log: one Redis stream of hash-chained entries, also written as JSON log lines.
 *
 * Each entry is stored as its JSON text `d` and `h` = HMAC-SHA256 of `d` keyed by AUDIT_HMAC_KEY.
 * `d` names the previous entry's hash (`prev`) and stream id (`prevId`), and the MINID this append
 * trimmed the stream with (`trimBelow`). The key is why a rewrite is detectable: someone who can
 * write to Redis but does not hold the key cannot compute the hashes of a rewritten entry and of
 * every entry after it. (Entries written before the key existed carry a plain SHA-256; see
 * `verifyAuditChain`.)
 *
 * Appends from every gateway instance and worker form ONE chain: an append is a compare-and-set in
 * a Lua script (XADD only when the head is still the hash the entry was built on). Redis Lua has no
 * HMAC, so the hash is computed here, on the expected head: the common case (this process appended
 * last, or nobody appended since it learned the head) costs one round trip; a lost race returns the
 * current head and its stream id, and costs one more, bounded. Within a process appends are
 * queued and stored in batches, in call order: one script call stores every entry that arrived
 * while the previous call was in flight (so the reads of many requests cost one round trip, not
 * one each), and races are only between processes. Entries get explicit stream ids (the next id above the
 * head's), because an entry names its predecessor's id and is signed before it is stored.
 *
 * Retention: XADD trims entries older than the retention (MINID, `~`: whole macro nodes only, so a
 * few entries slightly older than the retention can stay; never a younger one). Each entry records
 * the MINID it trimmed with, signed, so verification can tell retention from deletion: the first
 * kept entry's predecessor (`prevId`) must be older than some later entry's `trimBelow`. Per-customer
 * streams hold the ids of that customer's entries (the `auditLog(customerId:)` index), trimmed and
 * expired the same way.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LocalCaches } from '../platform/local-cache.js';
import type { Logger } from '../platform/logger.js';
import { connectRedis, defineScript, whenConnecting } from '../platform/redis.js';
import { auditActor, AuditUnavailableError, type AuditLog, type AuditPage, type AuditQuery, type StoredAuditEntry } from './index.js';

export interface RedisAuditOptions {
  url: string;
  /** Environment prefix of the keys (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Entries older than this are trimmed, days (fractions allowed). @default 400 */
  retentionDays?: number;
  /** Key of the chain's HMAC (AUDIT_HMAC_KEY); `npm run audit -- verify` needs the same. */
  hmacKey: string;
  /** Deadline of one append, ms. @default 2000 */
  commandTimeoutMs?: number;
  logger: Logger;
  /** Called for every entry that could not be stored (metrics): `read` for customer reads, else `write`. */
  onFailure?(kind: 'read' | 'write'): void;
  /**
   * Byte bound (estimated) of the entries waiting for Redis and in flight (AUDIT_QUEUE_MAX_BYTES):
   * past it `room()` makes readers wait, so a load that records faster than Redis stores cannot grow
   * the queue without end. @default 8 MiB
   */
  queueMaxBytes?: number;
  /** Where the queue is reported in /metrics (`portico_local_cache_bytes{cache="audit_queue"}`). @default unreported */
  caches?: LocalCaches;
}

/** The Redis keys of the log; one hash tag keeps them in one cluster slot (the append script touches all). */
export function auditKeys(prefix: string) {
  const base = `${prefix}:{audit}`;
  return { stream: base, head: `${base}:head`, customer: (id: string) => `${base}:c:${id}` };
}

// ARGV: expected head, MINID, retention ms, then per entry: id, d, hash, n, then the 1-based indexes
// into KEYS of its n customer indexes (n = 0: none; a list read names every customer of its page).
// KEYS: the stream, the head, then the customer indexes.
// A lost race (the head moved) answers the current head and the id of the last entry (the next
// entry's `prevId`); ids at or below the stream's last generated id (an entry deleted from the end)
// answer that id as well, so the caller numbers above it. Both checks only read: nothing is
// written unless every XADD below will succeed.
const APPEND = `
local head = redis.call('GET', KEYS[2]) or ''
local function lastEntry()
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
  return last and last[1] or ''
end
if head ~= ARGV[1] then return {0, head, lastEntry(), ''} end
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  local top = ''
  for i = 1, #info, 2 do if info[i] == 'last-generated-id' then top = info[i + 1] end end
  local tms, tseq = string.match(top, '^(%d+)-(%d+)$')
  local ms, seq = string.match(ARGV[4], '^(%d+)-(%d+)$')
  tms, tseq, ms, seq = tonumber(tms), tonumber(tseq), tonumber(ms), tonumber(seq)
  if ms < tms or (ms == tms and seq <= tseq) then return {0, head, lastEntry(), top} end
end
local i = 4
while i <= #ARGV do
  redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[2], ARGV[i], 'd', ARGV[i + 1], 'h', ARGV[i + 2])
  local n = tonumber(ARGV[i + 3])
  for j = 1, n do
    local c = tonumber(ARGV[i + 3 + j])
    redis.call('XADD', KEYS[c], 'MINID', '~', ARGV[2], ARGV[i], 'i', ARGV[i])
    redis.call('PEXPIRE', KEYS[c], ARGV[3])
  end
  redis.call('SET', KEYS[2], ARGV[i + 2])
  i = i + 4 + n
end
return {1}`;

/**
 * An append that keeps losing the race gives up after this long (an error, never an unchained entry).
 * Between tries it waits a random, growing pause (full jitter, at most 50 ms): without it two
 * processes that append back to back run in lockstep and the same one can lose every round.
 */
const APPEND_DEADLINE_MS = 5000;
/** How long an audited read waits for room in a full queue before it goes on (its entries may then fail). */
const ROOM_WAIT_MS = 2000;
/** Entries stored by one script call at most (the rest wait for the next). */
const BATCH_MAX = 64;
/** Estimated bytes of a queued entry beside its field and system names: its JSON, hash, id, promise and closures. */
const ENTRY_BYTES = 768;
const namesBytes = (names: readonly string[] | undefined) => (names ?? []).reduce((n, x) => n + x.length + 8, 0);
const entryBytes = (e: { systems: readonly string[]; fields: readonly string[]; customerIds?: readonly string[] }) =>
  ENTRY_BYTES + namesBytes(e.systems) + namesBytes(e.fields) + 2 * namesBytes(e.customerIds);
const lostRacePause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** An entry's hash: HMAC-SHA256 (hex) of its stored JSON with AUDIT_HMAC_KEY. */
export const entryHash = (key: string, d: string) => createHmac('sha256', key).update(d).digest('hex');

/** `ms-seq` of a stream id; `0-0` for none. */
const parseId = (id: string): [number, number] => {
  const [ms, seq] = id.split('-').map(Number);
  return id ? [ms, seq ?? 0] : [0, 0];
};
/** The next stream id above `after`: this millisecond, or `after`'s with the next sequence number. */
export function nextStreamId(after: string, now = Date.now()): string {
  const [ms, seq] = parseId(after);
  return now > ms ? `${now}-0` : `${ms}-${seq + 1}`;
}

interface Pending {
  body: Omit<StoredAuditEntry, 'id' | 'hash' | 'prev' | 'prevId' | 'trimBelow'>;
  bytes: number;
  resolve(entry: StoredAuditEntry): void;
  reject(err: unknown): void;
}

export function createRedisAuditLog(o: RedisAuditOptions): AuditLog & Required<Pick<AuditLog, 'ready' | 'room' | 'page' | 'close'>> {
  const keys = auditKeys(o.prefix);
  const retentionMs = (o.retentionDays ?? 400) * 86_400_000;
  // Fail fast: an append that cannot reach Redis is an error at once (the write is refused), not a
  // command queued until Redis is back.
  const redis = connectRedis(o.url, 'audit', { commandTimeoutMs: o.commandTimeoutMs ?? 2000 });
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
  if (!o.hmacKey) throw new Error('createRedisAuditLog needs hmacKey (AUDIT_HMAC_KEY)');
  const append = defineScript<(string | number)[], [number, string?, string?, string?]>(redis, 'auditAppend', { lua: APPEND });
  /**
   * The head (hash and stream id) this process saw last: usually still current, so most appends take
   * one round trip. Unknown, it is guessed empty: the lost race that corrects the guess costs the
   * round trip a read of the head would. `floor`: new ids go above it (the last entry's id, or the
   * stream's last generated id when that is higher).
   */
  let knownHead: { hash: string; id: string; floor: string } | undefined;

  const connected = () => whenConnecting(redis);

  /**
   * Appends of this process are stored in call order, in batches: while one script call is in
   * flight the next entries wait, then go together in one call (one round trip for a burst, such as
   * the reads of a staff list). Concurrent calls would all be built on the same head and all but one
   * lose the compare-and-set; races are only between processes, and each lost race costs one more
   * round trip.
   */
  const queue: Pending[] = [];
  let flushing = false;
  /**
   * Estimated bytes of the entries queued or in flight, and the readers waiting for room. Reads do
   * not wait for their entries to be stored, so without a bound a sustained load of audited reads
   * (staff lists served from the response cache recorded 50 entries each then) faster than Redis
   * stores them grew this queue for as long as the load lasted (tens of MiB in `npm run bench`).
   */
  const maxBytes = o.queueMaxBytes ?? 8 * 1024 * 1024;
  let queuedBytes = 0;
  const waiting: (() => void)[] = [];
  o.caches?.register({ name: 'audit_queue', maxBytes, bytes: () => queuedBytes, entries: () => queue.length });
  const release = (bytes: number) => {
    queuedBytes -= bytes;
    while (queuedBytes < maxBytes && waiting.length > 0) waiting.shift()!();
  };

  async function storeBatch(batch: Pending[]): Promise<StoredAuditEntry[]> {
    await connected();
    let head = knownHead ?? { hash: '', id: '', floor: '' };
    const deadline = Date.now() + APPEND_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > deadline) throw new Error(`audit append lost the race ${attempt} times in ${APPEND_DEADLINE_MS} ms`);
        await lostRacePause(attempt);
      }
      // Signed with each entry: the MINID of this very append, so verify can tell retention from deletion.
      const trimBelow = Math.floor(Date.now() - retentionMs);
      const keyList = [keys.stream, keys.head];
      const keyIndex = new Map<string, number>();
      const args: (string | number)[] = [head.hash, trimBelow, Math.ceil(retentionMs)];
      const stored: StoredAuditEntry[] = [];
      let prev = { hash: head.hash, id: head.id };
      let floor = head.floor || head.id;
      for (const { body } of batch) {
        const id = nextStreamId(floor);
        const chained = { ...body, prev: prev.hash, prevId: prev.id, trimBelow };
        const d = JSON.stringify(chained);
        const hash = entryHash(o.hmacKey, d);
        // Indexed under its customer, or under each customer a list read names.
        const customers = body.customerIds ?? (body.customerId ? [body.customerId] : []);
        args.push(id, d, hash, customers.length);
        for (const c of customers) {
          const k = keys.customer(c);
          let at = keyIndex.get(k);
          if (at === undefined) keyIndex.set(k, (at = keyList.push(k)));
          args.push(at);
        }
        stored.push({ id, ...chained, hash });
        prev = { hash, id };
        floor = id;
      }
      const [ok, hash, lastId, top] = await append(keyList, ...args);
      if (ok === 1) {
        knownHead = { ...prev, floor: prev.id };
        return stored;
      }
      head = { hash: hash ?? '', id: lastId ?? '', floor: top || lastId || '' };
      knownHead = head;
    }
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, BATCH_MAX);
        try {
          const stored = await storeBatch(batch);
          batch.forEach((p, i) => p.resolve(stored[i]));
        } catch (err) {
          knownHead = undefined;
          for (const p of batch) p.reject(err);
        } finally {
          release(batch.reduce((n, p) => n + p.bytes, 0));
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    async record(ctx, e) {
      try {
        const body = {
          at: e.at ?? new Date().toISOString(),
          actor: auditActor(ctx),
          requestId: ctx?.requestId ?? null,
          operation: ctx?.operationName ?? null,
          action: e.action,
          customerId: e.customerId ?? null,
          // Only in entries about several customers (a list read), so every other entry's JSON is as before.
          ...(e.customerIds ? { customerIds: [...new Set(e.customerIds)] } : {}),
          systems: [...e.systems],
          fields: [...e.fields],
          outcome: e.outcome,
          detail: e.detail ? { ...e.detail } : null,
        };
        const bytes = entryBytes(body);
        // A read past twice the bound (Redis stalled: readers stopped waiting for room, see room()) is
        // not queued: it fails now, counted and logged as not stored like any read Redis did not take.
        // Writes are always queued (their callers refuse the write when the entry is not stored).
        if (e.action === 'customer.read' && queuedBytes >= 2 * maxBytes) throw new Error('the audit queue is full (AUDIT_QUEUE_MAX_BYTES)');
        queuedBytes += bytes;
        const entry = await new Promise<StoredAuditEntry>((resolve, reject) => {
          queue.push({ body, bytes, resolve, reject });
          void flush();
        });
        // The SIEM's copy: one JSON line per stored entry, with its place in the chain.
        o.logger.info({ audit: entry }, 'audit');
      } catch (err) {
        o.onFailure?.(e.action === 'customer.read' ? 'read' : 'write');
        // Still a line for the SIEM, marked as not stored, then the caller refuses the action.
        o.logger.error(
          { audit: { at: new Date().toISOString(), actor: auditActor(ctx), requestId: ctx?.requestId ?? null, ...e, stored: false } },
          'audit entry NOT stored',
        );
        throw new AuditUnavailableError(`the audit log cannot be written (${(err as Error).message})`);
      }
    },
    // Past the bound a reader waits for room, at most ROOM_WAIT_MS: a slow Redis slows audited reads
    // down to its pace; a stalled one does not hold them (their entries then fail, see record()).
    room: () =>
      queuedBytes < maxBytes
        ? undefined
        : new Promise<void>((resolve) => {
            const timer = setTimeout(done, ROOM_WAIT_MS);
            function done() {
              clearTimeout(timer);
              const i = waiting.indexOf(done);
              if (i >= 0) waiting.splice(i, 1);
              resolve();
            }
            waiting.push(done);
          }),
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
  /** The last entry's hash: compare it with the SIEM's newest `"msg":"audit"` line (removals from the end). */
  lastHash: string | null;
  /** Entries with a plain SHA-256 hash (written before AUDIT_HMAC_KEY), accepted with `acceptUnkeyed`. */
  unkeyed: number;
  broken: { id: string; reason: string } | null;
}

/** The ms part of a stream id (`1732400000000-0`). */
const idMs = (id: string) => Number(id.split('-')[0]);

/**
 * Walks the chain from the first kept entry to the head and reports the first problem found:
 *
 * - each entry's `h` must be the HMAC of its stored JSON with `key` (AUDIT_HMAC_KEY): without the
 *   key, a rewritten entry cannot be re-signed, nor can the entries after it be re-chained;
 * - each entry must name the previous entry's hash (`prev`) and stream id (`prevId`): nothing
 *   removed, inserted, reordered or moved to other ids in between;
 * - the first kept entry is the first ever (`prev` empty), or its predecessor was old enough for
 *   a later append to have trimmed it: its id is below the `trimBelow` (MINID) of some kept entry.
 *   Otherwise entries before it were deleted, not trimmed by retention. (MINID `~` only ever keeps
 *   more than asked, so the rule has no false alarms; what it cannot see is the deletion of entries
 *   that retention would have trimmed anyway.)
 * - the head key must be the last entry's hash (a naive removal from the end).
 *
 * Entries written before the key (plain SHA-256 of `d`, no `prevId`) are refused unless
 * `acceptUnkeyed`; then only as a prefix of the log (one after a signed entry is a rewrite by
 * someone without the key) and counted in `unkeyed`: their links are checked, but anyone with
 * write access to Redis could have rewritten them, and deletions before them cannot be told from
 * retention.
 */
export async function verifyAuditChain(
  redis: Redis,
  prefix: string,
  key: string,
  onProgress?: (checked: number, lastId: string) => void,
  o: { batch?: number; progressEvery?: number; acceptUnkeyed?: boolean } = {},
): Promise<VerifyResult> {
  if (!key) throw new Error('verifyAuditChain needs the key the log is signed with (AUDIT_HMAC_KEY)');
  const batch = o.batch ?? 1000;
  const every = o.progressEvery ?? 10_000;
  const keys = auditKeys(prefix);
  let checked = 0;
  let unkeyed = 0;
  let signedSeen = false;
  let prevHash: string | undefined;
  let firstId: string | null = null;
  let lastId: string | null = null;
  /** The first kept entry's predecessor, when the first kept entry is signed and not the first ever. */
  let trimmedPredecessor: string | undefined;
  /** The highest MINID any kept signed entry trimmed with. */
  let trimmedUpTo = -Infinity;
  const result = (broken: VerifyResult['broken']): VerifyResult => ({
    checked,
    firstId,
    lastId,
    lastHash: prevHash ?? null,
    unkeyed,
    broken,
  });
  let start = '-';
  for (;;) {
    const rows = (await redis.xrange(keys.stream, start, '+', 'COUNT', batch)) as StreamEntry[];
    for (const row of rows) {
      const [id, fields] = row;
      const i = fields.indexOf('d');
      const j = fields.indexOf('h');
      const d = i >= 0 ? fields[i + 1] : undefined;
      const h = j >= 0 ? fields[j + 1] : undefined;
      const fail = (reason: string) => result({ id, reason });
      if (d === undefined || h === undefined) return fail('the entry has no stored JSON (d) or hash (h)');
      const signed = entryHash(key, d) === h;
      if (!signed) {
        if (sha256(d) !== h)
          return fail(
            'its hash is not the HMAC of its stored JSON with AUDIT_HMAC_KEY: the entry was modified, or the log is signed with another key (check AUDIT_HMAC_KEY is the gateways\u2019 value)',
          );
        if (signedSeen)
          return fail(
            'its hash is a plain SHA-256 but it follows entries signed with AUDIT_HMAC_KEY: it was rewritten by someone without the key',
          );
        if (!o.acceptUnkeyed)
          return fail(
            'its hash is a plain SHA-256, not signed with AUDIT_HMAC_KEY: written before the key was introduced, or rewritten by someone without it. If this log predates AUDIT_HMAC_KEY, run verify with --accept-unkeyed',
          );
        unkeyed++;
      }
      let entry: { prev?: unknown; prevId?: unknown; trimBelow?: unknown };
      try {
        entry = JSON.parse(d) as typeof entry;
      } catch {
        return fail('the stored JSON does not parse');
      }
      if (signed && (typeof entry.prev !== 'string' || typeof entry.prevId !== 'string' || typeof entry.trimBelow !== 'number'))
        return fail('the signed entry lacks prev, prevId or trimBelow: it was not written by this version of the gateway');
      if (prevHash !== undefined && entry.prev !== prevHash)
        return fail(`its prev hash is not the previous entry's hash (${lastId}): an entry was removed, inserted or rewritten`);
      if (signed && prevHash !== undefined && entry.prevId !== lastId)
        return fail(
          `it names ${String(entry.prevId)} as the previous entry, but the previous entry is ${lastId}: entries were removed or moved to other ids`,
        );
      if (prevHash === undefined && signed && entry.prev !== '') trimmedPredecessor = entry.prevId as string;
      if (signed) {
        signedSeen = true;
        trimmedUpTo = Math.max(trimmedUpTo, entry.trimBelow as number);
      }
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
    return result({ id: lastId!, reason: 'the head hash is not the last entry\u2019s: entries after it were removed' });
  if (checked === 0 && head) return result({ id: '-', reason: 'the head names an entry but the stream is empty' });
  // Retention trims an entry only when a later append's MINID is above its id; that append is kept
  // (it is at or after the first kept entry), so its signed `trimBelow` is among those seen.
  if (trimmedPredecessor !== undefined && !(idMs(trimmedPredecessor) < trimmedUpTo))
    return result({
      id: firstId!,
      reason:
        `entries before ${firstId} are missing: deleted, not trimmed by retention (its predecessor ${trimmedPredecessor} is ` +
        (Number.isFinite(trimmedUpTo)
          ? `not older than ${new Date(trimmedUpTo).toISOString()}, the oldest any later append trimmed to)`
          : 'not older than any trim)'),
    });
  return result(null);
}
