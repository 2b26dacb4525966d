// Bounds on requests and errors: size, nesting depth, echoed values, field names.
import { bodyText, boundIssues, echo, fieldName, MAX_ECHO_CHARS, MAX_REPORTED_ISSUES, parseBoundedJson, PayloadTooLargeError, tooDeepAt } from './bounds';
import { InvalidInputError } from './errors';

const nested = (depth: number, leaf = '0') => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe('tooDeepAt', () => {
  it('accepts nesting up to the bound and names the path to the first container past it', () => {
    expect(tooDeepAt(nested(4), 4)).toBeUndefined();
    expect(tooDeepAt(`{"flows":[{"a":1},{"Flow Duration":${nested(3)}}]}`, 4)).toEqual(['flows', 1, 'Flow Duration', 0]);
  });

  it('is not fooled by brackets, quotes and escapes inside strings', () => {
    expect(tooDeepAt(JSON.stringify({ a: '[[[[[[{{{{', 'b\\"[': ['x]]]'] }), 3)).toBeUndefined();
    expect(tooDeepAt(JSON.stringify({ 'k"[': [[[1]]] }), 3)).toEqual(['k"[', 0, 0]);
  });

  it('tells an escaped quote from a quote after an escaped backslash', () => {
    // "a\\" ends at its second quote (the backslash is escaped); "b\"[" does not end at \"
    expect(tooDeepAt(`{"a\\\\":[[1]],"b\\"[":2}`, 3)).toBeUndefined();
    expect(tooDeepAt(`{"a\\\\":[[[1]]]}`, 3)).toEqual(['a\\', 0, 0]);
    expect(tooDeepAt(`{"a\\\\\\"[[[[":1}`, 3)).toBeUndefined(); // \\ then \" : still inside the string
    expect(tooDeepAt('{"unterminated [[[[[[', 3)).toBeUndefined(); // JSON.parse refuses it
  });

  it('scans 50,000 levels without a stack', () => {
    expect(tooDeepAt(nested(50_000))?.length).toBe(32);
  });
});

describe('parseBoundedJson', () => {
  it('parses JSON within the bounds', () => {
    expect(parseBoundedJson('{"model":"general","flows":[{"a":1}]}')).toEqual({ model: 'general', flows: [{ a: 1 }] });
  });

  it('answers 400 naming the field nested too deep, before parsing', () => {
    const body = `{"flows":[{"Flow Duration":${nested(50_000)}}]}`;
    let error: unknown;
    try {
      parseBoundedJson(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const details = (error as InvalidInputError).details as { field: string }[];
    expect(details[0].field).toMatch(/^body\.flows\.0\.Flow Duration\.0\.0\.0\.0\.… \(33 levels\)$/);
    expect((error as Error).message.length).toBeLessThan(300);
  });

  it('answers 413 over the size bound and 400 for text that is not JSON', () => {
    expect(() => parseBoundedJson('x'.repeat(101), { maxBytes: 100 })).toThrow(PayloadTooLargeError);
    expect(() => parseBoundedJson('{"a":')).toThrow(/not valid JSON/);
  });
});

describe('bodyText', () => {
  it('decodes request bytes as UTF-8 would, ASCII or not', () => {
    const samples = ['{"model":"general","flows":[{"Flow Bytes/s":"inf"}]}', '{"model":"général","flows":[{"Durée":1,"名前":"値","emoji":"🛡️"}]}', ''];
    for (const text of samples) expect(bodyText(Buffer.from(text, 'utf8'))).toBe(text);
    const invalid = Buffer.from([0x7b, 0x22, 0xff, 0xc3, 0x22, 0x7d]); // bytes that are not UTF-8 become U+FFFD, as before
    expect(bodyText(invalid)).toBe(invalid.toString('utf8'));
  });
});

describe('echo and field names', () => {
  it('describes containers instead of serialising them and cuts long strings', () => {
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 50_000; i++) at = (at[0] = []) as unknown[];
    expect(echo(deep)).toBe('an array of 1');
    expect(echo({ a: 1, b: 2 })).toBe('an object of 2 keys');
    expect(echo('x'.repeat(1_000_000)).length).toBeLessThan(MAX_ECHO_CHARS + 40);
    expect(echo(null)).toBe('null');
    expect(echo(1.5)).toBe('1.5');
  });

  it('bounds each segment, the number of segments and the number of issues', () => {
    expect(fieldName(['flows', 0, 'k'.repeat(10_000)]).length).toBeLessThan(120);
    expect(fieldName(Array.from({ length: 20 }, (_, i) => i))).toMatch(/… \(20 levels\)$/);
    const many = Array.from({ length: 500 }, (_, i) => ({ field: `f${i}`, message: 'bad' }));
    const bounded = boundIssues(many);
    expect(bounded).toHaveLength(MAX_REPORTED_ISSUES);
    expect(bounded[bounded.length - 1].message).toMatch(/and 451 more/);
  });
});
