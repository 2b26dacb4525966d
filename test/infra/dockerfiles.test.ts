// The training Dockerfiles cannot be built here (no Docker engine), so this reads them: every
// COPY source exists, the entrypoint they run exists, and every module the entrypoint imports
// (transitively, relative imports) is inside what the image copies — so the image can start.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

interface ParsedDockerfile {
  readonly froms: string[];
  readonly copies: string[];
  readonly env: Record<string, string>;
  entrypoint: string[];
}

function parseDockerfile(file: string): ParsedDockerfile {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: ParsedDockerfile = { froms: [], copies: [], env: {}, entrypoint: [] };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'FROM') out.froms.push(rest[0]);
    if (instruction === 'COPY' && !args.startsWith('--from')) out.copies.push(...rest.slice(0, -1));
    if (instruction === 'ENV') for (const m of args.matchAll(/(\w+)=(\S+)/g)) out.env[m[1]] = m[2];
    if (instruction === 'ENTRYPOINT') out.entrypoint = JSON.parse(args) as string[];
  }
  return out;
}

/** Repository files reachable from `entry` through relative imports / requires. */
function importClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.ts')) return;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|require\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), m[1]);
      const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
      const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
      if (!found) throw new Error(`${path.relative(ROOT, file)} imports ${m[1]}, which does not resolve`);
      visit(found);
    }
  };
  visit(entry);
  return seen;
}

describe.each(['training-container/Dockerfile', 'training-container/Dockerfile.gpu'])('%s', (name) => {
  const docker = parseDockerfile(path.join(ROOT, name));

  it('runs Node 22 and an entrypoint that exists', () => {
    expect(docker.froms.some((f) => /^node:22\b/.test(f))).toBe(true);
    expect(docker.entrypoint.slice(0, 2)).toEqual(['node', 'bin/run-ts.js']);
    expect(existsSync(path.join(ROOT, docker.entrypoint[2]))).toBe(true);
  });

  it('copies sources that exist', () => {
    for (const src of docker.copies) expect({ src, exists: existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
  });

  it('copies every module the entrypoint imports', () => {
    const copied = docker.copies.map((c) => path.join(ROOT, c));
    const inImage = (file: string) => copied.some((c) => file === c || file.startsWith(`${c}${path.sep}`));
    const missing = [...importClosure(path.join(ROOT, docker.entrypoint[2]))].filter((f) => !inImage(f)).map((f) => path.relative(ROOT, f));
    expect(missing).toEqual([]);
  });

  it('sets onnxruntime-node install flags its install script understands', () => {
    const flag = docker.env.ONNXRUNTIME_NODE_INSTALL;
    expect(['skip', 'cuda12']).toContain(flag);
    expect(docker.env.ONNXRUNTIME_NODE_INSTALL_CUDA).toBeUndefined();
  });
});
