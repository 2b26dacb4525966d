// The local stand-in for EventBridge rules and schedules: delivers the in-process bus's events to
// the event-driven handler modules the catalogue names (config/event-functions.ts), in
// EventBridge's envelope, and runs the same schedules with the same constant input. So `npm start`
// runs the retrain launcher, the completion handler and the drift check exactly as deployed:
// the same modules, the same rules, the same inputs.
import type { BusRuleDefinition, EventFunctionKey, ScheduleDefinition } from '../config/event-functions';
import type { FunctionDefinition } from '../config/functions';
import { parseSchedule, runOnSchedule } from '../core/retraining/schedule';
import { lambdaContext } from './api-gateway-event';
import type { InProcessEventBus, PublishedEvent } from './event-bus';
import type { HandlerModules } from './handler-modules';

/** An EventBridge event as a Lambda target receives it. */
export interface EventBridgeEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface EventRuntimeOptions {
  readonly bus: InProcessEventBus;
  readonly functions: Readonly<Record<EventFunctionKey, FunctionDefinition>>;
  readonly rules: readonly BusRuleDefinition[];
  readonly handlers: HandlerModules;
  readonly account: string;
  readonly region: string;
  /** A line per delivery outcome and failure. */
  readonly log?: (line: string) => void;
}

/** The envelope EventBridge hands a rule's Lambda target. */
export function eventBridgeEnvelope(event: PublishedEvent, account: string, region: string): EventBridgeEnvelope {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account,
    time: event.time,
    region,
    resources: [],
    detail: event.detail,
  };
}

/**
 * Runs the catalogue's rules and schedules on an in-process bus.
 *
 * @example
 * const runtime = new LocalEventRuntime({ bus, functions: EVENT_FUNCTIONS, rules: LOCAL_EVENT_RULES, handlers, account, region });
 * runtime.start();
 * runtime.schedule(DRIFT_CHECK_RULE);
 */
export class LocalEventRuntime {
  private readonly stops: (() => void)[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly options: EventRuntimeOptions) {
    this.log = options.log ?? (() => undefined);
  }

  /** Subscribes every rule's detail types; each event goes to its target's handler module. */
  start(): void {
    for (const rule of this.options.rules) {
      for (const detailType of rule.detailTypes) {
        this.stops.push(
          this.options.bus.subscribe(detailType, async (event) => {
            const outcome = await this.invoke(rule.target, eventBridgeEnvelope(event, this.options.account, this.options.region));
            this.log(`${event.detailType} → ${this.options.functions[rule.target].id}: ${describe(outcome)}`);
          }),
        );
      }
    }
  }

  /** Runs a schedule rule: at each firing, its target with the rule's input (as EventBridge would). */
  schedule(rule: ScheduleDefinition): void {
    const fn = this.options.functions[rule.target];
    const fire = () =>
      void this.invoke(rule.target, rule.input(new Date())).then(
        (outcome) => this.log(`${rule.id} → ${fn.id}: ${describe(outcome)}`),
        (error: unknown) => this.log(`${rule.id} failed: ${(error as Error).message ?? String(error)}`),
      );
    this.stops.push(runOnSchedule(parseSchedule(rule.expression), fire));
  }

  /** Invokes a target's handler module with an event, as a Lambda invocation would. */
  async invoke(target: EventFunctionKey, event: unknown): Promise<unknown> {
    const fn = this.options.functions[target];
    const handler = this.options.handlers.get<unknown, unknown>(fn);
    return handler(event, lambdaContext(fn.id, { timeoutSeconds: fn.timeoutSeconds, memoryMb: fn.memoryMb }));
  }

  /** Unsubscribes the rules and stops the schedules. */
  stop(): void {
    this.stops.splice(0).forEach((s) => s());
  }
}

function describe(outcome: unknown): string {
  if (Array.isArray(outcome)) return outcome.map(describe).join(', ') || 'nothing to do';
  if (outcome && typeof outcome === 'object' && 'outcome' in outcome) return String((outcome as { outcome: unknown }).outcome);
  return 'done';
}
