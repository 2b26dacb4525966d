// EventPublisher that hands events to a running local platform's in-process bus over its
// local-only route (POST /local/events), so `xdr-ml models deploy` run beside `npm start` reaches
// the same event rules as the server's own changes. A failure throws; the registry reports it as
// an event not published, after the change it announces is committed.
import type { EventPublisher } from '../core/ports';
import { LOCAL_EVENTS_PATH } from './server-record';

export class ServerEventForwarder implements EventPublisher {
  /** @param token the server's local API token, when it requires one (server.json carries it) */
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${LOCAL_EVENTS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ detailType, detail }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new Error(`the local platform at ${this.url} did not take the ${detailType} event: ${(error as Error).message}`);
    }
    const body = await res.text();
    if (res.status !== 202) throw new Error(`the local platform at ${this.url} answered ${res.status} to the ${detailType} event: ${body.slice(0, 200)}`);
  }
}
