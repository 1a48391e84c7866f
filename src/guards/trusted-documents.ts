/**
 * Trusted documents: the operations a partner (or, with TRUSTED_DOCUMENTS=all, any token) may run.
 * The allow-list is the published persisted-operations manifest (clients/generated/persisted-documents.json,
 * sha256 -> document), or the partner token record's own list of hashes when it has one.
 */
import { readFileSync } from 'node:fs';
import type { Principal } from '../auth/principal.js';
import { shippedPath } from '../platform/shipped.js';

export interface TrustedDocuments {
  allows(queryHash: string, principal: Principal): boolean;
}

export function loadManifestHashes(file = shippedPath('clients/generated/persisted-documents.json')): Set<string> {
  if (!file) return new Set();
  return new Set(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>));
}

export function createTrustedDocuments(manifest: ReadonlySet<string> = loadManifestHashes()): TrustedDocuments {
  return {
    allows(queryHash, principal) {
      if (principal.kind === 'partner' && principal.operations?.length) return principal.operations.includes(queryHash);
      return manifest.has(queryHash);
    },
  };
}
