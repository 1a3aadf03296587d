/** Pulumi components of gpu-burst for GCP, usable in any Pulumi program without a team file. */
export { ArtifactStore, type ArtifactStoreArgs } from './artifact-store.js';
export { BurstNetwork, IAP_SOURCE_RANGE, teamHostTag, type BurstNetworkArgs } from './burst-network.js';
export { TpuNode, tpuQueuedResourceRequest, type TpuNodeArgs, type TpuQueuedResourceRequest } from './tpu-node.js';
export { ImageRepository, type ImageRepositoryArgs } from './image-repository.js';
export { RETAINED_DELETION_POLICY, retainedDataOptions } from './retain.js';
export { DevBox, devBoxScript, iapSshCommand, iapTunnelCommand, DEVBOX_JUPYTER_URL, type DevBoxArgs } from './dev-box.js';
export { GpuFleet, GROUP_IGNORED_CHANGES, type GpuFleetArgs } from './gpu-fleet.js';
export { hostImage, hostScheduling, HOST_SCOPES, NATIVE_DEADLINE_GRACE_SECONDS, type GcpHostAgentOptions } from './host.js';
export { TeamIdentity, teamServiceAccountId, type SelfRemovalTargets, type TeamIdentityArgs } from './team-identity.js';
export { BATCH_COS_IMAGE, PREEMPTION_EXIT_CODE, SweepGroup, TRAINING_IMAGE_NAME, type SweepGroupArgs, type SweepJobDefaults } from './sweep-group.js';
export { AutoShutdown, type AutoShutdownArgs } from './auto-shutdown.js';
export { TeamBudget, type TeamBudgetArgs } from './team-budget.js';
