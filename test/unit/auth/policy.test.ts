import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { enforcePolicies, undeclaredRootFields } from '../../../src/auth/policy.js';
import { ANONYMOUS, userPrincipal } from '../../../src/auth/principal.js';
import { loadSdl } from '../../../src/subgraphs/sdl.js';
import { ALL_SUBGRAPHS } from '../../../src/gateway/index.js';

test('every root field of every subgraph declares an authorization policy', () => {
  for (const name of ALL_SUBGRAPHS) {
    const schema = buildSubgraphSchema([{ typeDefs: loadSdl(name) }]);
    assert.deepEqual(undeclaredRootFields(schema), [], `schema/${name}.graphql`);
  }
});

const sdl = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@authenticated", "@requiresScopes"])
  type Query {
    open: String
    signedIn: String @authenticated
    invoices: String @requiresScopes(scopes: [["billing.invoices:read"], ["x:a", "x:b"]])
  }
`);

function run(query: string, principal = ANONYMOUS) {
  const schema = enforcePolicies(
    buildSubgraphSchema([{ typeDefs: sdl, resolvers: { Query: { open: () => 'o', signedIn: () => 's', invoices: () => 'i' } } }]),
  );
  return execute({ schema, document: parse(query), contextValue: { principal } }) as Promise<{ data: any; errors?: any[] }>;
}

test('a root field without a policy is denied and the test helper reports it', async () => {
  const schema = buildSubgraphSchema([{ typeDefs: sdl }]);
  assert.deepEqual(undeclaredRootFields(schema), ['Query.open']);
  const r = await run('{ open }', userPrincipal('a', ['admin']));
  assert.equal(r.data.open, null);
  assert.equal(r.errors?.[0].extensions.code, 'FORBIDDEN');
});

test('@authenticated rejects anonymous with UNAUTHENTICATED and admits any principal', async () => {
  assert.equal((await run('{ signedIn }')).errors?.[0].extensions.code, 'UNAUTHENTICATED');
  assert.equal((await run('{ signedIn }', userPrincipal('c', ['customer'], '1'))).data.signedIn, 's');
});

test('@requiresScopes is an OR of ANDs over the principal scopes', async () => {
  const agent = userPrincipal('a', ['agent']);
  assert.equal((await run('{ invoices }', agent)).data.invoices, 'i');
  const partnerOneScope = { kind: 'partner' as const, partnerId: 'p', name: 'p', scopes: new Set(['x:a']) };
  assert.equal((await run('{ invoices }', partnerOneScope)).errors?.[0].extensions.code, 'FORBIDDEN');
  const partnerBoth = { ...partnerOneScope, scopes: new Set(['x:a', 'x:b']) };
  assert.equal((await run('{ invoices }', partnerBoth)).data.invoices, 'i');
});
