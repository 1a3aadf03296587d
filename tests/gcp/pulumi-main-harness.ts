/**
 * Loads the Pulumi program the way `pulumi up` does for this project, under recording mocks: reads
 * Pulumi.yaml, resolves `main` against it, imports that file by URL (Pulumi's runner does so for
 * `"type": "module"` packages), takes its default export and runs it as the given stack. Spawned by
 * pulumi-yaml.test.ts with Pulumi.yaml's `nodeargs`, in the program's directory as Pulumi's `--pwd`.
 * Prints the recorded graph as JSON, or the error message.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { recordProgram } from '../../stacks/gcp/record.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const project = parse(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as { main: string };
const stack = process.argv[2] ?? 'example';
const mainUrl = pathToFileURL(join(root, project.main)).href;

try {
  const graph = await recordProgram(stack, async () => {
    const mod = (await import(mainUrl)) as Record<string, unknown>;
    const entry = Object.getOwnPropertyDescriptor(mod, 'default') ? mod['default'] : mod;
    return typeof entry === 'function' ? (entry as () => unknown)() : entry;
  });
  process.stdout.write(JSON.stringify({ ok: true, types: graph.resources.map((r) => r.type), outputs: graph.outputs }));
} catch (err) {
  process.stdout.write(
    JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err), runError: pulumi.RunError.isInstance(err) }),
  );
}
