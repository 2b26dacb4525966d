// The platform's import direction, checked in `npm test` (test/architecture/architecture.test.ts):
//   doors (functions/, cli/, training-container/, infra/, bench/) → platform/ → adapters/, local/ → core/
//   config/ sits beside them: anyone may read it; it reads only core/.
// core/ is pure TypeScript (no AWS SDK, no CDK, nothing outside core/); the AWS SDK lives in the
// adapters (and the embedded cloud that creates tables); no module takes part in an import cycle.
const LAYERS_ABOVE = {
  core: '^(config|adapters|local|platform|functions|cli|infra|training-container|bench|test)/',
  config: '^(adapters|local|platform|functions|cli|infra|training-container|bench|test)/',
  adapters: '^(local|platform|functions|cli|infra|training-container|bench|test)/',
  local: '^(platform|functions|cli|infra|training-container|bench|test)/',
  platform: '^(functions|cli|infra|training-container|bench|test)/',
};
const TESTS = '(\\.test\\.ts$|/testing/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...Object.entries(LAYERS_ABOVE).map(([layer, above]) => ({
      name: `${layer}-imports-downward`,
      comment: `${layer}/ must not import a layer above it (doors → platform → adapters/local → core; config beside)`,
      severity: 'error',
      from: { path: `^${layer}/`, pathNot: layer === 'core' ? TESTS : undefined },
      to: { path: above },
    })),
    {
      name: 'doors-through-platform',
      comment: 'functions/, cli/ and training-container/ reach adapters and the embedded cloud through platform/',
      severity: 'error',
      from: { path: '^(functions|cli|training-container)/', pathNot: TESTS },
      to: { path: '^(adapters|local)/' },
    },
    {
      name: 'infra-reads-declarations',
      comment: 'the CDK app reads config/ and core/ declarations only; it bundles handlers by path, never imports them',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(adapters|local|platform|functions|cli|training-container|bench)/' },
    },
    {
      name: 'no-door-to-door',
      comment: 'one door never imports another (shared pieces belong in platform/, config/ or core/)',
      severity: 'error',
      from: { path: '^(functions|cli|training-container)/', pathNot: TESTS },
      to: { path: '^(functions|cli|training-container|infra|bench)/', pathNot: '^$1/' },
    },
    {
      name: 'aws-sdk-in-adapters',
      comment: 'the AWS SDK is used by the adapters (and the embedded cloud) only',
      severity: 'error',
      from: { path: '^(core|config|platform|functions|cli|training-container)/' },
      to: { path: 'node_modules/@aws-sdk/' },
    },
    {
      name: 'core-without-cloud-libraries',
      comment: 'core/ has no AWS SDK, CDK or embedded-server dependency',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: 'node_modules/(@aws-sdk|aws-cdk-lib|constructs|cdk-nag|dynalite|s3rver)/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle, at any length',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.xdr-ml|models|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
