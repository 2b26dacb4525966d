// The in-process event bus of the embedded local cloud: the local stand-in for EventBridge.
// Publishing records the event and delivers it to the subscribers of its detail type
// asynchronously (like EventBridge, a publisher never waits for or sees a consumer's failure);
// `drain()` waits until every delivery so far has finished.
import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE } from '../core/events';
import type { EventPublisher } from '../core/ports';

/** An event as published, in EventBridge's envelope shape. */
export interface PublishedEvent<D extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  /** ISO-8601 */
  readonly time: string;
  readonly detail: D;
}

export type EventHandler<D extends Record<string, unknown> = Record<string, unknown>> = (event: PublishedEvent<D>) => void | Promise<void>;

export interface InProcessEventBusOptions {
  /** Envelope source; default 'mini-xdr-ml'. */
  readonly source?: string;
  /** How many published events `published` keeps (oldest dropped first); default 1000. */
  readonly keep?: number;
  /** Called when a subscriber throws; default writes a line to stderr. */
  readonly onError?: (error: unknown, event: PublishedEvent) => void;
}

/**
 * A typed in-process bus implementing the EventPublisher port.
 *
 * @example
 * const bus = new InProcessEventBus();
 * bus.subscribe<{ model: string }>('ModelAliasChanged', (e) => console.log(e.detail.model));
 * await bus.publish('ModelAliasChanged', { model: 'general' });
 * await bus.drain();
 */
export class InProcessEventBus implements EventPublisher {
  readonly source: string;
  private readonly keep: number;
  private readonly onError: (error: unknown, event: PublishedEvent) => void;
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly log: PublishedEvent[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(options: InProcessEventBusOptions = {}) {
    this.source = options.source ?? EVENT_SOURCE;
    this.keep = options.keep ?? 1000;
    this.onError =
      options.onError ??
      ((error, event) => process.stderr.write(`event bus: a ${event.detailType} subscriber failed: ${(error as Error)?.message ?? String(error)}\n`));
  }

  /** Events published so far (the most recent `keep`), oldest first. */
  get published(): readonly PublishedEvent[] {
    return this.log;
  }

  /** Subscribes to one detail type ('*' for all); returns the unsubscribe function. */
  subscribe<D extends Record<string, unknown> = Record<string, unknown>>(detailType: string, handler: EventHandler<D>): () => void {
    const set = this.handlers.get(detailType) ?? new Set<EventHandler>();
    set.add(handler as EventHandler);
    this.handlers.set(detailType, set);
    return () => {
      set.delete(handler as EventHandler);
    };
  }

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    const event: PublishedEvent = { id: randomUUID(), source: this.source, detailType, time: new Date().toISOString(), detail: structuredClone(detail) };
    this.log.push(event);
    if (this.log.length > this.keep) this.log.splice(0, this.log.length - this.keep);
    const targets = [...(this.handlers.get(detailType) ?? []), ...(this.handlers.get('*') ?? [])];
    for (const handler of targets) {
      const delivery = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => handler(event))
        .catch((error: unknown) => this.onError(error, event))
        .finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  /** Resolves when every delivery started so far (and those they trigger) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
