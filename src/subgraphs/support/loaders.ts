import DataLoader from 'dataloader';
import { mapBounded } from '../../platform/concurrency.js';
import type { SupportConnector, TicketPage } from './connector.js';
import type { CommentSummary } from './mappers.js';

export interface TicketPageKey {
  userId: number;
  size: number;
  after?: string;
}

export interface SupportLoaders {
  userId: DataLoader<string, number | null>;
  tickets: DataLoader<TicketPageKey, TicketPage, string>;
  comments: DataLoader<string, CommentSummary[]>;
}

export function createSupportLoaders(support: SupportConnector, concurrency: number): SupportLoaders {
  return {
    userId: new DataLoader(async (externalIds) => {
      const found = await support.userIdsByExternalIds(externalIds);
      return externalIds.map((id) => found.get(id) ?? null);
    }),
    tickets: new DataLoader((keys) => mapBounded(keys, concurrency, (k) => support.requestedTickets(k.userId, k.size, k.after)), {
      cacheKeyFn: (k) => `${k.userId}:${k.size}:${k.after ?? ''}`,
    }),
    comments: new DataLoader((ids) => mapBounded(ids, concurrency, (id) => support.comments(id))),
  };
}
