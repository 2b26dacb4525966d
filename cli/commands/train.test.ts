// `xdr-ml train` flag validation: bad flags exit 2 with a message naming the flag, before any
// platform or dataset is touched (run as a child process, like a user would).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'bin', 'xdr-ml.js');

async function train(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, 'train', '--dataset', 'none', '--model', 'm', ...args], { cwd: path.dirname(CLI) });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('xdr-ml train flags', () => {
  it.each([
    [['--threads', '-1'], /--threads must be an integer >= 0, got "-1"/],
    [['--threads', '1.5'], /--threads must be an integer >= 0, got "1.5"/],
    [['--algorithm', 'mlp', '--threads', '2'], /--threads applies to --algorithm gbdt only/],
    [['--seed', 'x'], /--seed must be an integer, got "x"/],
    [['--param', 'maxDepth'], /--param must look like name=value \(e.g. maxDepth=6\), got "maxDepth"/],
    [['--param', 'maxDepht=6'], /--param: unknown GBDT parameter 'maxDepht'/],
    [['--param', 'learningRate=2'], /--param: invalid GBDT parameter: learningRate must be in \(0, 1\], got 2/],
    [['--param', 'multiOutput=yes'], /--param: invalid GBDT parameter: multiOutput must be true or false, got yes/],
    [['--param', 'maxDepth=3', '--param', 'maxDepth=4'], /--param maxDepth is given twice/],
    [['--threads', '2', '--param', 'threads=1'], /--threads and --param threads=… are the same setting/],
    // the registry's name rule, before any data is read (the dataset "none" does not exist)
    [['--model', 'XDR.General'], /--model: must be a model name: 1-63 chars of a-z, 0-9 and -, starting with a letter \(got "XDR.General"\)/],
    [['--dataset', 'bad name@2'], /invalid dataset reference "bad name@2"/],
  ])(
    'rejects %j with exit code 2 and a message naming the flag',
    async (args, message) => {
      const { code, stderr } = await train(...args);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    },
    60_000,
  );
});

describe('parseParam', () => {
  it('reads booleans, numbers and strings', async () => {
    const { parseParam } = await import('./train');
    expect(parseParam('multiOutput=true')).toEqual(['multiOutput', true]);
    expect(parseParam('learningRate=0.25')).toEqual(['learningRate', 0.25]);
    expect(parseParam('minSplitGain=1e-3')).toEqual(['minSplitGain', 0.001]);
    expect(parseParam('growPolicy=lossguide')).toEqual(['growPolicy', 'lossguide']);
    expect(parseParam(' maxDepth = 6 ')).toEqual(['maxDepth', 6]);
  });
});
