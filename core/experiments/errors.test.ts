import { DomainError } from '../errors';
import { InvalidExperimentInputError } from './errors';
import { assignArm } from './routing';

describe('experiment errors map to HTTP 4xx through DomainError', () => {
  it('invalid experiment input is a 400 naming the field', () => {
    expect(() => assignArm('e', 'k', 2)).toThrow(expect.objectContaining({ name: 'InvalidExperimentInputError', statusCode: 400, argument: 'split' }));
    const error = new InvalidExperimentInputError('nA', 'must be positive');
    expect(error).toBeInstanceOf(DomainError);
    expect(error.expose).toBe(true);
    expect(error.details).toEqual([{ field: 'nA', message: 'must be positive' }]);
  });
});
