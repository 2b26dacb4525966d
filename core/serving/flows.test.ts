// Flow validation answers 400s whose size does not grow with the input, whatever the input.
import { InvalidInputError } from '../errors';
import type { FeatureSchema } from '../data/table';
import { assertValidFlows } from './flows';

const schema: FeatureSchema = { features: [{ name: 'Flow Duration', kind: 'numeric' }] };

function refusal(flows: unknown[]): InvalidInputError {
  try {
    assertValidFlows(schema, flows);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('assertValidFlows', () => {
  it('refuses a value nested 50,000 deep with a 400 naming the feature (not a stack overflow)', () => {
    let value: unknown = 0;
    for (let i = 0; i < 50_000; i++) value = [value];
    const error = refusal([{ 'Flow Duration': value }]);
    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ field: 'flows.0.Flow Duration', message: 'must be a number (got an array of 1)' }]);
  });

  it('echoes a 1 MB value truncated, not twice in full', () => {
    const error = refusal([{ 'Flow Duration': 'x'.repeat(1 << 20) }]);
    expect(JSON.stringify({ message: error.message, details: error.details }).length).toBeLessThan(1000);
  });
});
