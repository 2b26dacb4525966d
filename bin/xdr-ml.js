#!/usr/bin/env node
// xdr-ml CLI shim: loads the TypeScript sources through tsx (no build step).
'use strict';
require('tsx/cjs');
require('../cli/main.ts');
