// EventPublisher over Amazon EventBridge (PutEvents on the platform's bus, source 'mini-xdr-ml').
// Locally the in-process bus (local/event-bus.ts) implements the same port.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PlatformConfig } from '../config/config';
import { XdrError } from '../core/errors';
import { EVENT_SOURCE } from '../core/events';
import type { EventPublisher } from '../core/ports';

/** EventBridge refused an event (FailedEntryCount > 0). */
export class EventPublishError extends XdrError {
  override readonly name: string = 'EventPublishError';
}

/**
 * Publishes domain events to an EventBridge bus.
 *
 * @example const events = EventBridgePublisher.fromConfig(loadConfig());
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    readonly eventBusName: string,
    readonly source: string = EVENT_SOURCE,
  ) {}

  /** A publisher on the configured bus (endpoint override honoured for LocalStack). */
  static fromConfig(config: PlatformConfig, instrument: <C>(client: C) => C = (c) => c): EventBridgePublisher {
    const client = instrument(
      new EventBridgeClient({ region: config.region, ...(config.endpoints.eventBridge ? { endpoint: config.endpoints.eventBridge } : {}) }),
    );
    return new EventBridgePublisher(client, config.eventBusName);
  }

  async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({ Entries: [{ EventBusName: this.eventBusName, Source: this.source, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new EventPublishError(
        `EventBridge refused ${detailType} on ${this.eventBusName}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
