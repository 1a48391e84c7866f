/** Server-sent events as a browser's EventSource reads them, from a fetch response body. */

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/** Parses the body's events (`id:`, `event:`, `data:` as JSON) and calls `onEvent` for each. */
export async function readSse(body: AsyncIterable<unknown>, onEvent: (e: SseEvent) => void): Promise<void> {
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e: SseEvent = { event: '', data: undefined };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') e.id = value;
        if (field === 'event') e.event = value;
        if (field === 'data') e.data = value ? JSON.parse(value) : null;
      }
      onEvent(e);
    }
  }
}
