// Unit tests of the in-process event bus.
import { InProcessEventBus, type PublishedEvent } from './event-bus';

describe('InProcessEventBus', () => {
  it('records every event and delivers it to the subscribers of its detail type only', async () => {
    const bus = new InProcessEventBus();
    const seen: string[] = [];
    bus.subscribe<{ model: string }>('ModelAliasChanged', (e) => void seen.push(`alias:${e.detail.model}`));
    bus.subscribe('DriftDetected', () => void seen.push('drift'));
    bus.subscribe('*', (e) => void seen.push(`any:${e.detailType}`));

    await bus.publish('ModelAliasChanged', { model: 'general' });
    await bus.drain();

    expect(seen.sort()).toEqual(['alias:general', 'any:ModelAliasChanged']);
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]).toMatchObject({ source: 'mini-xdr-ml', detailType: 'ModelAliasChanged', detail: { model: 'general' } });
  });

  it('delivers after publish returns, and a failing subscriber neither fails the publisher nor others', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus({ onError: (error) => errors.push(error) });
    const seen: PublishedEvent[] = [];
    bus.subscribe('X', () => {
      throw new Error('subscriber broke');
    });
    bus.subscribe('X', (e) => void seen.push(e));

    await bus.publish('X', { n: 1 });
    expect(seen).toHaveLength(0);
    await bus.drain();

    expect(seen).toHaveLength(1);
    expect(errors).toEqual([new Error('subscriber broke')]);
  });

  it('stops delivering after unsubscribe and keeps only the most recent events', async () => {
    const bus = new InProcessEventBus({ keep: 2 });
    let count = 0;
    const off = bus.subscribe('X', () => void (count += 1));
    await bus.publish('X', { n: 1 });
    await bus.drain();
    off();

    await bus.publish('X', { n: 2 });
    await bus.publish('X', { n: 3 });
    await bus.drain();

    expect(count).toBe(1);
    expect(bus.published.map((e) => e.detail.n)).toEqual([2, 3]);
  });
});
