// The training Dockerfiles cannot be built here (no Docker engine), so this reads them: every
// COPY source exists, the build stage copies every module the bundled entry points import
// (transitively, relative imports) — so training-container/build-image.ts can bundle them — and
// the image that runs holds the bundle only: no node_modules from the project's install, no sources.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENTRIES } from '../../training-container/build-image';

const ROOT = path.resolve(__dirname, '..', '..');

interface ParsedDockerfile {
  readonly froms: string[];
  readonly copies: string[];
  /** Per stage (by FROM order): its COPY instructions as written. */
  readonly stageCopies: string[][];
  readonly env: Record<string, string>;
  entrypoint: string[];
}

function parseDockerfile(file: string): ParsedDockerfile {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: ParsedDockerfile = { froms: [], copies: [], stageCopies: [], env: {}, entrypoint: [] };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'FROM') {
      out.froms.push(rest[0]);
      out.stageCopies.push([]);
    }
    if (instruction === 'COPY') out.stageCopies[out.stageCopies.length - 1].push(args);
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

  it('runs Node 22 on the bundled entrypoint that build-image.ts writes', () => {
    expect(docker.froms.some((f) => /^node:22\b/.test(f))).toBe(true);
    expect(docker.entrypoint).toEqual(['node', 'entrypoint.js']);
    expect(Object.keys(ENTRIES)).toContain('entrypoint');
  });

  it('copies sources that exist', () => {
    for (const src of docker.copies) expect({ src, exists: existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
  });

  it('copies into the build stage every module the bundled entry points import', () => {
    const copied = docker.stageCopies[0]
      .filter((c) => !c.startsWith('--from'))
      .flatMap((c) => c.split(/\s+/).slice(0, -1))
      .map((c) => path.join(ROOT, c));
    const inImage = (file: string) => copied.some((c) => file === c || file.startsWith(`${c}${path.sep}`));
    const closure = new Set(Object.values(ENTRIES).flatMap((entry) => [...importClosure(path.join(ROOT, entry))]));
    const missing = [...closure].filter((f) => !inImage(f)).map((f) => path.relative(ROOT, f));
    expect(missing).toEqual([]);
  });

  it('runs an image that holds the bundle, not the project install or its sources', () => {
    const runtime = docker.stageCopies[docker.stageCopies.length - 1];
    expect(runtime.filter((c) => !c.startsWith('--from='))).toEqual([]);
    expect(runtime).toContain('--from=build /out ./');
    // the GPU image adds onnxruntime-node alone (its CUDA provider), from its own stage
    expect(runtime.filter((c) => c.includes('node_modules'))).toEqual(name.endsWith('.gpu') ? ['--from=onnxruntime /ort/node_modules ./node_modules'] : []);
  });

  it('sets onnxruntime-node install flags its install script understands', () => {
    const flag = docker.env.ONNXRUNTIME_NODE_INSTALL;
    expect(['skip', 'cuda12']).toContain(flag);
    expect(docker.env.ONNXRUNTIME_NODE_INSTALL_CUDA).toBeUndefined();
  });
});
