// Unit tests of the EventBridge publisher with an injected client (no network).
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher, EventPublishError } from './event-publisher';

function fakeClient(reply: { FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] }) {
  const sent: { Entries?: { EventBusName?: string; Source?: string; DetailType?: string; Detail?: string }[] }[] = [];
  const client = { send: async (command: { input: (typeof sent)[number] }) => (sent.push(command.input), reply) } as unknown as EventBridgeClient;
  return { client, sent };
}

describe('EventBridgePublisher', () => {
  it('puts one event on the platform bus with the mini-xdr-ml source and a JSON detail', async () => {
    const { client, sent } = fakeClient({ FailedEntryCount: 0, Entries: [{}] });

    await new EventBridgePublisher(client, 'xdr-ml-dev-events').publish('ModelAliasChanged', { model: 'general', toVersion: 3 });

    expect(sent).toEqual([
      { Entries: [{ EventBusName: 'xdr-ml-dev-events', Source: 'mini-xdr-ml', DetailType: 'ModelAliasChanged', Detail: '{"model":"general","toVersion":3}' }] },
    ]);
  });

  it('throws when EventBridge refuses the entry', async () => {
    const { client } = fakeClient({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    await expect(new EventBridgePublisher(client, 'bus').publish('X', {})).rejects.toThrow(EventPublishError);
    await expect(new EventBridgePublisher(client, 'bus').publish('X', {})).rejects.toThrow(/InternalFailure try again/);
  });
});
