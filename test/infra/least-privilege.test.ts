// Least privilege from the catalogue's access modes: the audit table is append-only to every
// function (no DeleteItem, no BatchWriteItem, UpdateItem only on the chain's head counter), no
// function may delete an object, and DeleteItem goes only where a catalogue entry declares `delete`.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDeployConfig } from '../../config/config';
import { EVENT_FUNCTIONS } from '../../config/event-functions';
import { FUNCTIONS } from '../../config/functions';
import { TABLES } from '../../config/resources';
import { buildPlatformApp } from '../../infra/app-builder';
import { catalogueGrant } from '../../infra/constructs/catalogue-grants';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
const env = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' };

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const actionsOf = (s: Statement): string[] => [s.Action].flat();
const resourceText = (s: Statement): string => JSON.stringify(s.Resource);

/** Every statement of every IAM policy of a template. */
function statements(template: Template): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>);
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('least privilege (catalogue access modes)', () => {
  const platform = buildPlatformApp({ context: { ...NO_BUNDLING, stage: 'test' }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) }, env);
  const all = [...statements(Template.fromStack(platform.api)), ...statements(Template.fromStack(platform.training))];
  const audit = platform.config.tables.audit;
  const onTable = (table: string) => all.filter((s) => resourceText(s).includes(`table/${table}"`) || resourceText(s).includes(`table/${table}/`));

  it('keeps the audit table append-only for every function', () => {
    const grants = onTable(audit);
    expect(grants.length).toBeGreaterThanOrEqual(6);
    for (const s of grants) {
      expect(actionsOf(s)).not.toContain('dynamodb:DeleteItem');
      expect(actionsOf(s)).not.toContain('dynamodb:BatchWriteItem');
      if (actionsOf(s).includes('dynamodb:UpdateItem')) {
        // only the head counter, by condition
        expect(actionsOf(s)).toEqual(['dynamodb:UpdateItem']);
        expect(s.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['stream', 'seq', 'appended'] } });
      }
    }
    expect(grants.some((s) => actionsOf(s).includes('dynamodb:PutItem'))).toBe(true);
  });

  it('grants s3:DeleteObject to no function', () => {
    for (const s of all) expect(actionsOf(s)).not.toContain('s3:DeleteObject');
  });

  it('grants dynamodb:DeleteItem only on tables a catalogue entry declares `delete` for', () => {
    const deletable = new Set(
      [...FUNCTIONS, ...Object.values(EVENT_FUNCTIONS)].flatMap((fn) =>
        Object.entries(fn.access.tables ?? {})
          .filter(([, mode]) => mode === 'delete')
          .map(([id]) => platform.config.tables[id as keyof typeof platform.config.tables]),
      ),
    );
    expect([...deletable]).toEqual([platform.config.tables.experiments]);
    for (const t of TABLES) {
      const name = platform.config.tables[t.id];
      const deletes = onTable(name).filter((s) => actionsOf(s).includes('dynamodb:DeleteItem'));
      if (!deletable.has(name)) expect(deletes).toEqual([]);
    }
  });

  it('turns each mode into its exact actions (compliant and non-compliant fixtures)', () => {
    const config = loadDeployConfig(env, { stage: 'fixture' });
    const stack = new Stack();
    const grant = (mode: 'read' | 'append' | 'read-write' | 'delete') =>
      catalogueGrant(stack, { tables: { audit: mode }, buckets: { telemetry: mode } }, config).statements.map((s) => s.toStatementJson() as Statement);
    const actions = (mode: 'read' | 'append' | 'read-write' | 'delete') => grant(mode).flatMap(actionsOf);
    expect(actions('read')).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    expect(actions('append')).toEqual(expect.arrayContaining(['dynamodb:PutItem', 's3:PutObject']));
    expect(actions('append')).not.toContain('dynamodb:DeleteItem');
    expect(actions('read-write')).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']));
    expect(actions('read-write')).not.toContain('s3:DeleteObject');
    // the non-compliant fixture: a delete grant is what the assertions above would catch
    expect(actions('delete')).toEqual(expect.arrayContaining(['dynamodb:DeleteItem', 's3:DeleteObject']));
  });
});
