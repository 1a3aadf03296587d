import type * as pulumi from '@pulumi/pulumi';

/**
 * Resource options for data that must outlive every teardown (checklist G8, X3): `protect` makes
 * `pulumi destroy` refuse to delete it (`pulumi destroy --exclude-protected` tears a burst down
 * around it) and `retainOnDelete` keeps it in the cloud even if it is unprotected and destroyed.
 * The provider-side `deletionPolicy: 'ABANDON'` that the data components also set is the third,
 * independent guard.
 */
export function retainedDataOptions<T extends pulumi.CustomResourceOptions>(opts: T): T & { protect: true; retainOnDelete: true } {
  return { ...opts, protect: true, retainOnDelete: true };
}

/** The provider-side deletion policy of retained data: forget it, never delete it. */
export const RETAINED_DELETION_POLICY = 'ABANDON';
