import { DomainError } from '../errors';
import { DriftError, InvalidDriftInputError, ProfileMismatchError } from './errors';
import { PageHinkley } from './page-hinkley';

describe('drift errors map to HTTP 4xx through DomainError', () => {
  it('invalid drift input is a 400 naming the field', () => {
    let caught: unknown;
    try {
      new PageHinkley({ alpha: 2 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidDriftInputError);
    expect(caught).toBeInstanceOf(DriftError);
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as InvalidDriftInputError;
    expect(error.name).toBe('InvalidDriftInputError');
    expect(error.statusCode).toBe(400);
    expect(error.expose).toBe(true);
    expect(error.argument).toBe('alpha');
    expect(error.details).toEqual([{ field: 'alpha', message: 'must be in (0, 1], got 2' }]);
  });

  it('a profile mismatch is a 422 and keeps its cause', () => {
    const cause = new Error('root');
    const error = new ProfileMismatchError('window has 3 columns', { cause });
    expect(error.statusCode).toBe(422);
    expect(error.name).toBe('ProfileMismatchError');
    expect(error.cause).toBe(cause);
  });
});
