#!/usr/bin/env node
// The `burst` command. The CLI is TypeScript run through tsx (a dependency), so a fresh
// `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
