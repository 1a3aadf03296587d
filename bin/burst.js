#!/usr/bin/env node
// The `burst` command. The CLI is TypeScript run through tsx (a dependency), so a fresh
// `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns once per process on Node 20 that releases after January 2027 need Node 22: nine
// lines before every AWS command's own output. The locked SDK versions support Node 20 (README,
// Decisions); set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
