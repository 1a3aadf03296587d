/**
 * Runs a Pulumi program with no engine, no CLI and no cloud: `pulumi.runtime.setMocks` answers every
 * registration, and a recorder keeps what the program asked for (type, name, inputs) together with
 * the options mocks alone cannot see (protect, retainOnDelete, parent, provider). `burst plan` and
 * the tests read GCP graphs through this.
 */
import * as pulumi from '@pulumi/pulumi';

/** One resource a program registered. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `gcp:storage/bucket:Bucket`. */
  readonly type: string;
  /** Pulumi (logical) name. */
  readonly name: string;
  /** Inputs as the program passed them. */
  readonly inputs: Record<string, unknown>;
  /** False for component resources. */
  readonly custom: boolean;
  /** URN of the parent resource. */
  readonly parent?: string;
  /** Provider reference (`<urn>::<id>`) for custom resources. */
  readonly provider?: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/** What a recorded program produced. */
export interface RecordedGraph {
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
}

interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}

interface MonitorLike {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
  registerResourceOutputs(req: RegisterOutputsRequest, callback: unknown): unknown;
}

/** Project name of the Pulumi program (Pulumi.yaml `name`). */
export const PULUMI_PROJECT = 'gpu-burst';

/**
 * Runs `program` as stack `stack` under recording mocks and returns every resource it registered,
 * in registration order, without the root `pulumi:pulumi:Stack`.
 */
export async function recordProgram(stack: string, program: () => unknown): Promise<RecordedGraph> {
  const inputs = new Map<string, Record<string, unknown>>();
  const key = (type: string, name: string) => `${type}::${name}`;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        inputs.set(key(args.type, args.name), args.inputs as Record<string, unknown>);
        // Echo inputs as state; give names and ids that read as what the cloud would return.
        const state: Record<string, unknown> = { name: args.name, ...args.inputs };
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    PULUMI_PROJECT,
    stack,
    true,
  );

  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  // Slots are taken when the program registers, so the order is the program's, not the mock's.
  const slots: { type: string; name: string; custom: boolean; parent?: string; provider?: string; protect: boolean; retainOnDelete: boolean }[] = [];
  const pending: Promise<void>[] = [];
  // Components send no inputs; what they show is what they register as outputs (registerOutputs),
  // e.g. the TPU queued-resource request a burst will create.
  const urns: (string | undefined)[] = [];
  const componentOutputs = new Map<string, Record<string, unknown>>();
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: RegisterOutputsRequest, callback: unknown) => {
    const outputs = req.getOutputs();
    componentOutputs.set(req.getUrn(), outputs ? (pulumi.runtime.deserializeProperties(outputs as never) as Record<string, unknown>) : {});
    return registerOutputs(req, callback);
  };
  monitor.registerResource = (req: RegisterRequest, callback: unknown) => {
    const slot = slots.length;
    const parent = req.getParent();
    const provider = req.getProvider();
    slots.push({
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
    });
    pending.push(
      new Promise<void>((resolve) => {
        register(req, (err: unknown, res: unknown) => {
          urns[slot] = (res as { getUrn?(): string } | undefined)?.getUrn?.();
          resolve();
          (callback as (e: unknown, r: unknown) => void)(err, res);
        });
      }),
    );
    return undefined;
  };

  // A failing program rejects both the stack's outputs (awaited below) and promises Pulumi keeps
  // internally; catch the latter so the one error reaches the caller once, without Node's report.
  const stray: unknown[] = [];
  const onRejection = (reason: unknown) => stray.push(reason);
  process.on('unhandledRejection', onRejection);
  let outputs: Record<string, unknown> = {};
  let failure: unknown;
  try {
    outputs = ((await pulumi.runtime.runInPulumiStack(async () => program())) ?? {}) as Record<string, unknown>;
    await pulumi.runtime.disconnect();
    await Promise.all(pending);
  } catch (err) {
    failure = err;
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onRejection);
  }
  if (failure !== undefined) throw failure;
  if (stray.length > 0) throw stray[0];
  const resources = slots
    .map((slot, i) => ({
      ...slot,
      inputs: (slot.custom ? inputs.get(key(slot.type, slot.name)) : componentOutputs.get(urns[i] ?? '')) ?? {},
    }))
    .filter((slot) => slot.type !== 'pulumi:pulumi:Stack');
  return { stack, resources, outputs };
}
