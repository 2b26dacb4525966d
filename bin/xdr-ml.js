#!/usr/bin/env node
// xdr-ml CLI shim: loads the TypeScript sources through tsx (no build step).
'use strict';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli/main.ts');
