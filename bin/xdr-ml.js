#!/usr/bin/env node
// xdr-ml: runs the CLI from its esbuild bundle (built by `npm run prepare`, rebuilt when a source
// changed), or from the TypeScript sources through tsx when esbuild is not installed. Works through
// any name or symlink (npx, npm exec, npm link, a global install): it always runs the CLI.
'use strict';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('./cli-bundle.js')
  .loadCli()
  .then((cli) => cli.main(process.argv))
  .catch((error) => {
    process.stderr.write(`xdr-ml: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
