import DataLoader from 'dataloader';
import type { CrmConnector } from './connector.js';
import type { CrmContact } from './mappers.js';

export interface CrmLoaders {
  contact: DataLoader<string, CrmContact | null>;
}

/** Per request: every contact read in one tick becomes one HubSpot batch read. */
export function createCrmLoaders(crm: CrmConnector): CrmLoaders {
  return {
    contact: new DataLoader(async (ids) => {
      const found = await crm.getContacts(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
