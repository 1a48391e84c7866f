/**
 * npm run events -- list [--system stripe|hubspot|zendesk] [--first N]
 * npm run events -- replay ID           (ID as listed, e.g. stripe:evt_1Nx...)
 * npm run events -- replay --all [--system S]
 *
 * Dead-lettered webhook events on the Redis in REDIS_URL (the gateways' Redis).
 */
import { parseArgs } from 'node:util';
import { loadRedisOnlyConfig } from './redis-config.js';
import { createLogger } from '../src/platform/logger.js';
import { createEntityCache, createMemoryStore } from '../src/platform/cache.js';
import { createEventPipeline, EVENT_SYSTEMS } from '../src/webhooks/index.js';

const USAGE = `Usage:
  npm run events -- list [--system stripe|hubspot|zendesk] [--first 20]
  npm run events -- replay ID            e.g. npm run events -- replay stripe:evt_1NxAbc
  npm run events -- replay --all [--system stripe]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { system: { type: 'string' }, first: { type: 'string' }, all: { type: 'boolean' } },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const [command, id] = positionals;
if (command !== 'list' && command !== 'replay') fail(command ? `Unknown command "${command}".` : 'Say what to do.');
const system = values.system;
if (system && !EVENT_SYSTEMS.includes(system)) fail(`--system must be one of ${EVENT_SYSTEMS.join(', ')}, e.g. --system stripe.`);

const config = loadRedisOnlyConfig({ holds: 'store events in', example: 'npm run events -- list', fail });

const logger = createLogger({ level: 'silent' });
// This command only reads and replays jobs; it never runs a handler, so no vendor is called.
const events = createEventPipeline({
  config,
  logger,
  upstreams: {} as never,
  cache: createEntityCache({ store: createMemoryStore({ maxEntries: 1 }) }),
});
try {
  if (command === 'list') {
    const first = Number(values.first ?? 20);
    if (!Number.isInteger(first) || first < 1 || first > 1000) fail('--first must be a number from 1 to 1000, e.g. --first 50.');
    const page = await events.failed(system, 0, first);
    if (!page.total) console.log(`No failed events${system ? ` for ${system}` : ''}. Nothing to replay.`);
    else {
      console.log(
        `${page.total} failed event(s)${system ? ` for ${system}` : ''}${page.total > page.events.length ? `, the ${page.events.length} newest` : ''}:`,
      );
      for (const e of page.events) {
        const type =
          (e.data as { type?: string; subscriptionType?: string }).type ??
          (e.data as { subscriptionType?: string }).subscriptionType ??
          '?';
        console.log(`  ${e.ref}  ${type}  attempts=${e.attempts}  failed=${e.failedAt?.toISOString() ?? '?'}  error: ${e.lastError}`);
      }
      console.log('\nNext: fix the cause, then `npm run events -- replay ID` (or `replay --all`).');
    }
  } else if (values.all) {
    const n = await events.replayAll(system);
    console.log(
      n
        ? `Replayed ${n} failed event(s)${system ? ` for ${system}` : ''}: they are queued again with fresh attempts. Check with \`npm run events -- list\`.`
        : 'No failed events: nothing replayed.',
    );
  } else {
    if (!id) fail('replay needs an event id (or --all).');
    const r = await events.replay(id);
    const said = {
      replayed: `Replayed ${id}: queued again with fresh attempts. Check with \`npm run events -- list\`.`,
      already_processed: `${id} was processed since it failed: nothing to do.`,
      pending: `${id} is waiting or running already: nothing to do.`,
      not_found: `No event ${id}. Ids look like stripe:evt_1NxAbc; list them with \`npm run events -- list\`.`,
    }[r];
    if (r === 'not_found') {
      console.error(said);
      process.exitCode = 1;
    } else console.log(said);
  }
} finally {
  await events.close();
}
