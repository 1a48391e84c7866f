/**
 * Schema changes that never break a shipped client.
 *
 *   npm run schema:check                                  current API schema vs the last release
 *   npm run schema:release -- --client web --version 1.4.0   record the current schema and manifest as released
 *
 * The released API schema is schema/released/schema.graphql, its history (release numbers, when
 * each deprecation first shipped, the policy) schema/released/history.json, and the persisted
 * operations of every supported client version clients/released/<client>-<version>.json. A client
 * version stops being supported when its manifest is deleted from clients/released/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeClientSchema, CompositionError } from '../src/gateway/index.js';
import { checkSchema, formatReport, nextHistory, type Manifest, type ReleaseHistory } from './schema-compat.js';

const RELEASED_SCHEMA = 'schema/released/schema.graphql';
const HISTORY = 'schema/released/history.json';
const MANIFESTS = 'clients/released';
const CURRENT_MANIFEST = 'clients/generated/persisted-documents.json';
const HEADER = '# The API schema of the last release, written by `npm run schema:release`. Do not edit.\n\n';

const USAGE = `Usage:
  npm run -s schema:check
  npm run -s schema:release -- --client <name> --version <semver>
Example:
  npm run -s schema:release -- --client web --version 1.4.0`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  options: { client: { type: 'string' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const command = positionals[0];
if (command !== 'check' && command !== 'release') fail(`Unknown command ${JSON.stringify(command ?? '')}: use check or release.`);

let current: string;
try {
  current = composeClientSchema();
} catch (err) {
  fail(err instanceof CompositionError ? err.message : `Composition failed: ${(err as Error).message}`);
}

const readHistory = (): ReleaseHistory => JSON.parse(readFileSync(HISTORY, 'utf8')) as ReleaseHistory;
const readManifests = (): Record<string, Manifest> =>
  Object.fromEntries(
    (existsSync(MANIFESTS) ? readdirSync(MANIFESTS) : [])
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [basename(f, '.json'), JSON.parse(readFileSync(join(MANIFESTS, f), 'utf8')) as Manifest]),
  );

async function check(): Promise<boolean> {
  if (!existsSync(RELEASED_SCHEMA) || !existsSync(HISTORY)) {
    console.log(
      `No release recorded yet (${RELEASED_SCHEMA}): nothing to compare. Next: npm run schema:release -- --client web --version 1.0.0`,
    );
    return true;
  }
  const history = readHistory();
  const manifests = readManifests();
  const last = history.releases.at(-1);
  const ops = Object.entries(manifests).map(([name, m]) => `${name} (${Object.keys(m).length} operations)`);
  console.log(`Schema check: the API schema of schema/*.graphql against release ${last?.release ?? '?'} (${last?.date ?? '?'}).`);
  console.log(`Supported clients: ${ops.join(', ') || 'none'}. Removals need ${history.minDeprecatedReleases} release(s) of @deprecated.`);
  const result = await checkSchema({ released: readFileSync(RELEASED_SCHEMA, 'utf8'), current, manifests, history });
  console.log(formatReport(result));
  if (!result.ok) {
    console.log(
      'Failed: shipped clients would break. Keep the field (mark it @deprecated(reason: "Use X.") instead), or make the change additive.',
    );
  } else console.log('Passed: no supported client breaks.');
  return result.ok;
}

async function release(): Promise<void> {
  const client = values.client;
  const version = values.version;
  if (!client || !/^[a-z][a-z0-9-]*$/.test(client)) fail('--client must name the app in lower case, e.g. --client web or --client ios.');
  if (!version || !/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(version))
    fail('--version must be the app version being released, e.g. --version 1.4.0.');
  const name = `${client}-${version}`;
  const target = join(MANIFESTS, `${name}.json`);
  const manifest = readFileSync(CURRENT_MANIFEST, 'utf8');
  if (existsSync(target) && readFileSync(target, 'utf8') !== manifest)
    fail(`${target} already exists with other operations: release a new version.`);
  if (!(await check())) fail('Not released: fix the breaking changes above first.');
  const history: ReleaseHistory = existsSync(HISTORY) ? readHistory() : { minDeprecatedReleases: 2, releases: [], deprecations: {} };
  const next = nextHistory(history, current, [name], new Date().toISOString().slice(0, 10));
  mkdirSync('schema/released', { recursive: true });
  mkdirSync(MANIFESTS, { recursive: true });
  writeFileSync(RELEASED_SCHEMA, HEADER + current);
  writeFileSync(target, manifest);
  writeFileSync(HISTORY, `${JSON.stringify(next, null, 2)}\n`);
  const r = next.releases.at(-1)!;
  console.log(
    `Recorded release ${r.release}: ${RELEASED_SCHEMA}, ${target} (${Object.keys(JSON.parse(manifest) as Manifest).length} operations), ${HISTORY}.`,
  );
  console.log(
    `Deprecated and counting: ${
      Object.keys(next.deprecations).length
        ? Object.entries(next.deprecations)
            .map(([c, s]) => `${c} (since ${s})`)
            .join(', ')
        : 'none'
    }.`,
  );
  console.log('Next: commit these files; delete a clients/released/ manifest when that app version is no longer supported.');
}

if (command === 'check') process.exit((await check()) ? 0 : 1);
else await release();
