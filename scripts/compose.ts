/**
 * npm run compose [-- --out supergraph.graphql]
 * Composes schema/*.graphql into the supergraph SDL (for Apollo Router, Hive Gateway, or a check).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeSupergraph, CompositionError, SUBGRAPH_NAMES } from '../src/gateway/index.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'supergraph.graphql' } } });
try {
  const sdl = composeSupergraph();
  writeFileSync(values.out, sdl);
  console.log(`Composed ${SUBGRAPH_NAMES.length} subgraphs (${SUBGRAPH_NAMES.join(', ')}) into ${values.out} (${sdl.length} bytes).`);
  console.log('Next: serve it with Apollo Router (`router --supergraph supergraph.graphql`) after replacing the in-process:// URLs with your subgraph URLs.');
} catch (err) {
  console.error(err instanceof CompositionError ? err.message : `Composition failed: ${(err as Error).message}`);
  process.exit(1);
}
