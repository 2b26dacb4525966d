// Which EventPublisher a handler uses: EventBridge in AWS (or an EventBridge endpoint override);
// in the local server, the server's in-process bus (registered at start), so the same event rules
// run locally.
import type { PlatformConfig } from '../../config/config';
import type { EventPublisher } from '../../core/ports';
import { EventBridgePublisher } from '../../adapters/event-publisher';
import { InProcessEventBus } from '../../local/event-bus';

let processBus: EventPublisher | undefined;

/** The local server registers its in-process bus here before loading any handler. */
export function setProcessEventPublisher(bus: EventPublisher | undefined): void {
  processBus = bus;
}

/** The publisher for this process. */
export function eventPublisherFor(config: PlatformConfig): EventPublisher {
  if (config.endpoints.eventBridge || !config.endpoints.dynamodb) return EventBridgePublisher.fromConfig(config);
  processBus ??= new InProcessEventBus();
  return processBus;
}
