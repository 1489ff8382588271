#!/usr/bin/env node
// `npx edge-certs`: runs the TypeScript CLI through tsx (a devDependency of this repository).
'use strict';
require('tsx/cjs');
require('./edge-certs.ts');
