// The CLI's cached esbuild bundle: dist/xdr-ml.cjs, built from cli/main.ts (with every HTTP and
// event handler module, so `xdr-ml serve` shares one platform with them) and rebuilt whenever one
// of its source files is newer than the bundle. Packages stay external (node_modules is read at
// run time). `node bin/cli-bundle.js --build` builds it (npm's `prepare` script runs that).
// Without esbuild (a production-only install) the CLI runs from the sources through tsx.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'dist');
const BUNDLE = path.join(OUT_DIR, 'xdr-ml.cjs');
const INPUTS = path.join(OUT_DIR, 'xdr-ml.inputs.json');
const HANDLERS_MODULE = 'xdr-ml:bundled-handlers';
const ENTRY_NAME = 'xdr-ml-bundle-entry.js';

/** True when the bundle exists and no source it was built from changed since (or was removed). */
function bundleIsFresh() {
  let built;
  let inputs;
  try {
    built = fs.statSync(BUNDLE).mtimeMs;
    inputs = JSON.parse(fs.readFileSync(INPUTS, 'utf8')).inputs;
  } catch {
    return false;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (const input of inputs) {
    try {
      if (fs.statSync(path.join(ROOT, input)).mtimeMs > built) return false;
    } catch {
      return false;
    }
  }
  // a handler module added since the build is not in the bundle
  return handlerEntries().every((entry) => inputs.includes(entry));
}

/** Every handler module of the catalogues: functions/<id>/handler.ts. */
function handlerEntries() {
  const dir = path.join(ROOT, 'functions');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'handler.ts')))
    .map((d) => `functions/${d.name}/handler.ts`)
    .sort();
}

/**
 * esbuild plugin: the sources find files beside themselves (__dirname, __filename); in the bundle
 * those names would point at dist/, so each project module gets its own, relative to the bundle.
 * It also provides the table of bundled handler modules, loaded lazily as the Lambda runtime would.
 */
function projectPathsPlugin() {
  return {
    name: 'xdr-ml-project-paths',
    setup(build) {
      build.onResolve({ filter: /^xdr-ml:bundled-handlers$/ }, () => ({ path: HANDLERS_MODULE, namespace: 'xdr-ml' }));
      build.onLoad({ filter: /.*/, namespace: 'xdr-ml' }, () => {
        const lines = handlerEntries().map((entry) => `  ${JSON.stringify(entry)}: () => require(${JSON.stringify(`./${entry}`)}),`);
        return { contents: `module.exports = {\n${lines.join('\n')}\n};\n`, loader: 'js', resolveDir: ROOT };
      });
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = fs.readFileSync(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(source)) return { contents: source, loader: 'ts' };
        const dir = JSON.stringify(path.relative(OUT_DIR, path.dirname(args.path)).split(path.sep).join('/'));
        const file = JSON.stringify(path.relative(OUT_DIR, args.path).split(path.sep).join('/'));
        const contents = source.replace(/\b__(dirname|filename)\b/g, (_, which) => `require('node:path').join(__dirname, ${which === 'dirname' ? dir : file})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** Builds dist/xdr-ml.cjs and its input list (written beside it, then renamed into place). */
async function buildBundle() {
  const esbuild = require('esbuild');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  // the bundle is dated when its sources were read, not when it was written: a source saved while
  // esbuild runs is newer than the bundle, so the next start rebuilds instead of running stale code
  const readFrom = new Date(Date.now() - 1000);
  const result = await esbuild.build({
    stdin: {
      contents: [
        `require('./local/handler-modules').registerBundledHandlers(require(${JSON.stringify(HANDLERS_MODULE)}));`,
        "module.exports = require('./cli/main');",
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: ENTRY_NAME,
      loader: 'js',
    },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile: tmp,
    metafile: true,
    logLevel: 'silent',
    plugins: [projectPathsPlugin()],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes(':') && !input.startsWith('node_modules/') && input !== ENTRY_NAME)
    .sort();
  fs.writeFileSync(`${INPUTS}.${process.pid}.tmp`, `${JSON.stringify({ inputs }, null, 1)}\n`);
  fs.utimesSync(tmp, readFrom, readFrom);
  fs.renameSync(tmp, BUNDLE);
  fs.renameSync(`${INPUTS}.${process.pid}.tmp`, INPUTS);
  return inputs.length;
}

function esbuildInstalled() {
  try {
    require.resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

/** The CLI module (exports main): from the bundle, rebuilt when stale, else from the sources. */
async function loadCli() {
  if (process.env.XDR_ML_CLI_BUNDLE !== 'false') {
    if (bundleIsFresh()) return require(BUNDLE);
    if (esbuildInstalled()) {
      try {
        await buildBundle();
        return require(BUNDLE);
      } catch (error) {
        process.stderr.write(`xdr-ml: could not build the CLI bundle (${error.message}); running from the sources\n`);
      }
    }
  }
  require('tsx/cjs');
  return require('../cli/main.ts');
}

module.exports = { loadCli, buildBundle, bundleIsFresh, BUNDLE };

if (require.main === module && process.argv[2] === '--build') {
  const started = Date.now();
  if (!esbuildInstalled()) {
    // a production-only install (--omit=dev): the CLI runs from the sources through tsx
    process.stdout.write('cli-bundle: esbuild is not installed; the CLI runs from the sources\n');
    process.exit(0);
  }
  buildBundle().then(
    (count) => process.stdout.write(`built ${path.relative(ROOT, BUNDLE)} from ${count} source files in ${Date.now() - started} ms\n`),
    (error) => {
      process.stderr.write(`cli-bundle: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
